"""The loans service: `create_app()` for gunicorn and `flask --app services.loans.app <command>`."""

from datetime import date

import click
from flask import Flask

from chassis.runtime import Runtime
from chassis.service import Service
from services.loans.config import LoansConfig
from services.loans.events import handlers
from services.loans.models import Base


def _blueprints() -> list:
    from services.loans.api import blueprints
    from services.loans.console import console

    return [*blueprints(), console]


def _seed(runtime: Runtime) -> None:
    from services.loans.seed import seed

    seed(runtime)


def _extend(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("repayment-run")
    @click.option("--date", "on", required=True, help="YYYY-MM-DD: post what falls due by this day")
    def repayment_run(on: str) -> None:
        """Post due instalments (bank deductions), mark overdue loans, close paid-off ones, send reminders."""
        from services.loans.loan_book import run_repayments

        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise click.BadParameter("日期格式应为YYYY-MM-DD", param_hint="--date") from None
        click.echo(str(run_repayments(runtime.db, runtime.config, day)))


service = Service(
    name="loans",
    title="贷款服务 Loans",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=LoansConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
    seed=_seed,
    extend_app=_extend,
    demo_notes=(
        "贷款审核工作台 loan console : {base}/console/loans/  (officer1 / officer2 / approver1 / bank1, Demo123456)",
    ),
)


def create_app(config: LoansConfig | None = None, runtime: Runtime | None = None):
    return service.create_app(config, runtime=runtime)
