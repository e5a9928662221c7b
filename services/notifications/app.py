"""The notifications service: `create_app()` for gunicorn and `flask --app services.notifications.app <command>`."""

import click
from flask import Flask

from chassis.runtime import Runtime
from chassis.service import Service
from services.notifications.config import NotificationsConfig
from services.notifications.consumers import handlers
from services.notifications.delivery import send_due, sender_loop
from services.notifications.models import Base
from services.notifications.seed import seed


def _blueprints() -> list:
    from services.notifications.api import blp

    return [blp]


def _extend(app: Flask, runtime: Runtime) -> None:
    if runtime.config.dev_inbox:
        # never in the production configuration (NOTIFICATIONS_DEV_INBOX=false): the texts hold codes
        from services.notifications.dev_inbox import blp as dev_blp

        app.register_blueprint(dev_blp)

    @app.cli.command("send-due")
    def send_due_command() -> None:
        """Send every text that is due now (deferred ones whose time has come, retries), once."""
        from services.notifications.providers import build_provider

        handled = send_due(runtime.db, runtime.config, build_provider(runtime.config, runtime.db))
        click.echo(f"notifications: {handled} texts handed to the provider")


service = Service(
    name="notifications",
    title="消息通知服务 Notifications",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=NotificationsConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
    seed=seed,
    extend_app=_extend,
    # the SMS sender runs beside the relay: in the worker process and in the embedded hall
    background_loops=(sender_loop,),
    demo_notes=("开发短信收件箱 dev SMS inbox: {base}/dev/sms",),
)


def create_app(config: NotificationsConfig | None = None):
    return service.create_app(config)
