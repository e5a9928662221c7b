"""The accounts service: `create_app()` for gunicorn and `flask --app services.accounts.app <command>`."""

from chassis.service import Service
from services.accounts.config import AccountsConfig
from services.accounts.events import handlers
from services.accounts.models import Base


def _blueprints() -> list:
    return []


service = Service(
    name="accounts",
    title="个人账户服务 Accounts",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=AccountsConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
)


def create_app(config: AccountsConfig | None = None):
    return service.create_app(config)
