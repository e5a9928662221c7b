"""The loans service: `create_app()` for gunicorn and `flask --app services.loans.app <command>`."""

from chassis.service import Service
from services.loans.config import LoansConfig
from services.loans.events import handlers
from services.loans.models import Base


def _blueprints() -> list:
    return []


service = Service(
    name="loans",
    title="贷款服务 Loans",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=LoansConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
)


def create_app(config: LoansConfig | None = None):
    return service.create_app(config)
