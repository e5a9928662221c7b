"""The withdrawals service: `create_app()` for gunicorn and `flask --app services.withdrawals.app <command>`."""

from chassis.service import Service
from services.withdrawals.config import WithdrawalsConfig
from services.withdrawals.events import handlers
from services.withdrawals.models import Base


def _blueprints() -> list:
    return []


service = Service(
    name="withdrawals",
    title="提取服务 Withdrawals",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=WithdrawalsConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
)


def create_app(config: WithdrawalsConfig | None = None):
    return service.create_app(config)
