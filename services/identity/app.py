"""The identity service: `create_app()` for gunicorn and `flask --app services.identity.app <command>`."""

from chassis.service import Service
from services.identity.config import IdentityConfig
from services.identity.events import handlers
from services.identity.models import Base


def _blueprints() -> list:
    return []


service = Service(
    name="identity",
    title="身份认证服务 Identity",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=IdentityConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
)


def create_app(config: IdentityConfig | None = None):
    return service.create_app(config)
