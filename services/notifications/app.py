"""The notifications service: `create_app()` for gunicorn and `flask --app services.notifications.app <command>`."""

from chassis.service import Service
from services.notifications.config import NotificationsConfig
from services.notifications.events import handlers
from services.notifications.models import Base


def _blueprints() -> list:
    return []


service = Service(
    name="notifications",
    title="消息通知服务 Notifications",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=NotificationsConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
)


def create_app(config: NotificationsConfig | None = None):
    return service.create_app(config)
