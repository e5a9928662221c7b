"""The accounts service: `create_app()` for gunicorn and `flask --app services.accounts.app <command>`."""

from chassis.bus import handles
from chassis.revocation import follow_revocations
from chassis.service import Service
from services.accounts import consumers
from services.accounts.api import ERROR_STATUSES, blueprints
from services.accounts.config import AccountsConfig
from services.accounts.models import Base, revoked_sessions
from services.identity.events import SESSION_REVOKED
from services.withdrawals.events import APPLICATION_APPROVED, APPLICATION_PAID, PAYMENT_FAILED


def _extend_app(app, runtime) -> None:
    from services.accounts.commands import register_commands

    register_commands(app, runtime)


def _seed(runtime) -> None:
    from services.accounts.seed import seed

    seed(runtime)


def _jobs() -> tuple:
    from services.accounts.commands import JOBS

    return JOBS


service = Service(
    name="accounts",
    title="个人账户服务 Accounts",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=AccountsConfig,
    blueprints=blueprints,
    handlers=(
        handles(SESSION_REVOKED, purpose="revoked-sessions", by=follow_revocations(revoked_sessions)),
        handles(APPLICATION_APPROVED, purpose="reserve-funds", by=consumers.on_application_approved),
        handles(APPLICATION_PAID, purpose="debit-withdrawal", by=consumers.on_application_paid),
        handles(PAYMENT_FAILED, purpose="release-funds", by=consumers.on_payment_failed),
    ),
    error_statuses=ERROR_STATUSES,
    seed=_seed,
    extend_app=_extend_app,
    jobs=_jobs,
    demo_notes=(
        "缴存职工 depositors: 张伟 640100000001 (银川, login zhangwei01 / Demo123456), 李娜 640300000002 (吴忠, "
        "not registered), 王芳 640400000003 (固原), 刘洋 640200000004 (石嘴山), 陈静 640000000005 (区直, 封存), "
        "赵敏 640100000006 (银川)",
        "  deposits every month of the last three years up to the latest month due, a late 补缴 for 李娜, "
        "结息 on each past 30 June, a rent withdrawal for 张伟 (dated from the day the demo was first loaded)",
        "  accounts operations (admin): POST {base}/api/v1/accounts/admin/depositors | deposit-batches | "
        "interest-settlements; CLI: flask --app services.accounts.app settle-interest --year <fund year>",
        "  电子证明 certificates: 个人账户 → 证明开具 ({base}/#/account/certificates); "
        "anyone checks a code at {base}/#/verify",
    ),
)


def create_app(config: AccountsConfig | None = None):
    return service.create_app(config)
