"""The accounts service: `create_app()` for gunicorn and `flask --app services.accounts.app <command>`."""

from chassis.service import Service
from services.accounts import reservations  # noqa: F401  (registers the withdrawal saga's handlers)
from services.accounts.config import AccountsConfig
from services.accounts.events import handlers
from services.accounts.models import Base


def _blueprints() -> list:
    from services.accounts.admin_api import blp as admin_blp
    from services.accounts.api import blp

    return [blp, admin_blp]


def _extend_app(app, runtime) -> None:
    from services.accounts.commands import register_commands

    register_commands(app, runtime)


def _seed(runtime) -> None:
    from services.accounts.seed import seed

    seed(runtime)


service = Service(
    name="accounts",
    title="个人账户服务 Accounts",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=AccountsConfig,
    blueprints=_blueprints,
    subscriptions=handlers,
    seed=_seed,
    extend_app=_extend_app,
    demo_notes=(
        "缴存职工 depositors: 张伟 640100000001 (银川, login zhangwei01 / Demo123456), 李娜 640300000002 (吴忠, "
        "not registered), 王芳 640400000003 (固原), 刘洋 640200000004 (石嘴山), 陈静 640000000005 (区直, 封存), "
        "赵敏 640100000006 (银川)",
        "  deposits 2023-07..2026-10, 2025-03 补缴 for 李娜, 结息 on 30 June 2024/2025/2026, "
        "a 5,400.00 rent withdrawal for 张伟 on 2025-09-20",
        "  accounts operations (admin): POST {base}/api/v1/accounts/admin/depositors | deposit-batches | "
        "interest-settlements; CLI: flask --app services.accounts.app settle-interest --year 2026",
    ),
)


def create_app(config: AccountsConfig | None = None):
    return service.create_app(config)
