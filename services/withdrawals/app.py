"""The withdrawals service: `create_app()` for gunicorn and `flask --app services.withdrawals.app <command>`."""

import click
from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from chassis.errors import problem_response
from chassis.runtime import Runtime
from chassis.service import Service
from services.withdrawals import read_model, saga  # noqa: F401  (registers their handlers)
from services.withdrawals.config import WithdrawalsConfig
from services.withdrawals.events import handlers
from services.withdrawals.models import Base
from services.withdrawals.seed import seed


def _blueprints() -> list:
    from services.withdrawals.api import blp as depositor_api
    from services.withdrawals.console.views import console
    from services.withdrawals.staff_api import blp as staff_api

    return [depositor_api, staff_api, console]


def _extend(app: Flask, runtime: Runtime) -> None:
    from services.withdrawals import booking

    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def _concurrent_change(_error):
        # someone else changed the same case (or took the same place) first
        return problem_response(409, "CONFLICT", "数据已被他人修改，请刷新后重试")

    @app.cli.command("mark-missed")
    def mark_missed() -> None:
        """Turn booked appointments whose slot has ended into missed ones."""
        with runtime.db.transaction() as session:
            count = booking.mark_missed(session)
        click.echo(f"withdrawals: {count} appointment(s) marked missed")

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Publish withdrawals.appointment.reminder_due for tomorrow's appointments."""
        with runtime.db.transaction() as session:
            count = booking.send_reminders(session)
        click.echo(f"withdrawals: {count} reminder(s) due")


service = Service(
    name="withdrawals",
    title="提取服务 Withdrawals",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=WithdrawalsConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
    seed=seed,
    extend_app=_extend,
    demo_notes=("提取业务后台 withdrawals console: {base}/console/withdrawals/  (wofficer1 / wofficer2, Demo123456)",),
)


def create_app(config: WithdrawalsConfig | None = None):
    return service.create_app(config)
