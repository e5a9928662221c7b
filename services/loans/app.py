"""The loans service: `create_app()` for gunicorn and `flask --app services.loans.app <command>`."""

from chassis.bus import handles
from chassis.revocation import follow_revocations
from chassis.runtime import Runtime
from chassis.service import Service
from chassis.state_metrics import Waiting
from services.accounts.events import ACCOUNT_CREDITED, ACCOUNT_DEBITED, DEPOSITOR_REGISTERED, STATUS_CHANGED
from services.identity.events import SESSION_REVOKED
from services.loans import consumers
from services.loans.api import ERROR_STATUSES, blueprints
from services.loans.config import LoansConfig
from services.loans.models import Base, revoked_sessions
from services.withdrawals.events import APPLICATION_EVENTS as WITHDRAWAL_EVENTS
from services.withdrawals.events import ENTRUSTED_EVENTS, FUND_DEDUCTION_SETTLED


def _seed(runtime: Runtime) -> None:
    from services.loans.seed import seed

    seed(runtime)


def _extend(app, runtime: Runtime) -> None:
    from services.loans.commands import register_commands

    register_commands(app, runtime)


def _jobs() -> tuple:
    from services.loans.commands import JOBS

    return JOBS


service = Service(
    name="loans",
    title="贷款服务 Loans",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=LoansConfig,
    blueprints=blueprints,
    handlers=(
        handles(SESSION_REVOKED, purpose="revoked-sessions", by=follow_revocations(revoked_sessions)),
        handles(DEPOSITOR_REGISTERED, purpose="depositors", by=consumers.remember_depositor),
        handles(ACCOUNT_CREDITED, ACCOUNT_DEBITED, purpose="balances", by=consumers.remember_posting),
        handles(STATUS_CHANGED, purpose="account-status", by=consumers.remember_status),
        handles(*WITHDRAWAL_EVENTS.values(), purpose="withdrawals-in-progress", by=consumers.remember_withdrawal),
        handles(*ENTRUSTED_EVENTS.values(), purpose="entrusted-signups", by=consumers.follow_entrusted_signups),
        handles(FUND_DEDUCTION_SETTLED, purpose="fund-deductions", by=consumers.settle_fund_deduction),
    ),
    error_statuses=ERROR_STATUSES,
    seed=_seed,
    extend_app=_extend,
    jobs=_jobs,
    demo_notes=(
        "贷款审核工作台 loan console : {base}/console/loans/  (officer1 / officer2 / approver1 / bank1, Demo123456)",
    ),
    # approved loans wait on the entrusted bank: the contract, the mortgage registration, the disbursement
    waiting=(
        Waiting(
            "loan_bank_steps", "loan_applications", ("approved", "contract_signed", "mortgage_registered"), "updated_at"
        ),
        # a month's entrusted withdrawal asked of a fund account, not answered yet (minutes, normally), failed and
        # due a retry (a day), or taken from the fund with the card part still to post
        Waiting("entrusted_withdrawal", "entrusted_months", ("taking", "retrying", "taken"), "updated_at"),
        # money asked of a fund account (prepayment, instalment) that withdrawals has not answered yet
        Waiting("fund_deduction", "fund_deductions", ("requested",), "requested_at"),
    ),
)


def create_app(config: LoansConfig | None = None, runtime: Runtime | None = None):
    return service.create_app(config, runtime=runtime)
