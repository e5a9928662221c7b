"""The notifications service: `create_app()` for gunicorn and `flask --app services.notifications.app <command>`."""

from flask import Flask

from chassis.bus import handles
from chassis.runtime import Runtime
from chassis.service import Service
from chassis.state_metrics import Waiting
from services.accounts.events import CONTACT_CHANGED, DEPOSITOR_REGISTERED
from services.notifications import consumers
from services.notifications.api import blueprints
from services.notifications.cases.delivery import sender_loop
from services.notifications.cases.notices import BUSINESS_EVENTS, CODE_EVENTS
from services.notifications.commands import register_commands
from services.notifications.config import NotificationsConfig
from services.notifications.models import Base
from services.notifications.seed import seed


def _extend(app: Flask, runtime: Runtime) -> None:
    if runtime.config.dev_inbox:
        # never in the production configuration (NOTIFICATIONS_DEV_INBOX=false): the texts hold codes
        from services.notifications.api.dev_inbox import blp as dev_blp

        app.register_blueprint(dev_blp)

    register_commands(app, runtime)


def _jobs() -> tuple:
    from services.notifications.commands import JOBS

    return JOBS


service = Service(
    name="notifications",
    title="消息通知服务 Notifications",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=NotificationsConfig,
    blueprints=blueprints,
    handlers=(
        handles(DEPOSITOR_REGISTERED, CONTACT_CHANGED, purpose="contacts", by=consumers.keep_contact),
        # codes have a queue of their own: a burst of business notices never holds back a code someone waits for
        handles(*CODE_EVENTS, purpose="sms-codes", by=consumers.deliver_code),
        handles(*BUSINESS_EVENTS, purpose="notices", by=consumers.deliver_notice),
    ),
    seed=seed,
    extend_app=_extend,
    jobs=_jobs,
    # the SMS sender runs beside the relay: in the worker process and in the embedded hall
    background_loops=(sender_loop,),
    demo_notes=("开发短信收件箱 dev SMS inbox: {base}/dev/sms",),
    waiting=(
        Waiting("sms_delivery", "sms_deliveries", ("queued", "sending"), since="requested_at", state_column="status"),
    ),
)


def create_app(config: NotificationsConfig | None = None):
    return service.create_app(config)
