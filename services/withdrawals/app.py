"""The withdrawals service: `create_app()` for gunicorn and `flask --app services.withdrawals.app <command>`."""

from flask import Flask
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from chassis.bus import handles
from chassis.errors import problem_response
from chassis.revocation import follow_revocations
from chassis.runtime import Runtime
from chassis.service import Service
from chassis.state_metrics import Waiting
from services.accounts.events import (
    ACCOUNT_CREDITED,
    ACCOUNT_DEBITED,
    DEPOSITOR_REGISTERED,
    FUNDS_RELEASED,
    FUNDS_RESERVED,
    RESERVATION_FAILED,
    STATUS_CHANGED,
)
from services.identity.events import SESSION_REVOKED
from services.loans.events import FUND_DEDUCTION_REQUESTED, LOAN_DISBURSED, LOAN_PAID_OFF
from services.withdrawals import consumers
from services.withdrawals.api import ERROR_STATUSES, blueprints
from services.withdrawals.cases.fund_deductions import open_deduction_case
from services.withdrawals.cases.payments import payment_loop
from services.withdrawals.commands import register_commands
from services.withdrawals.config import WithdrawalsConfig
from services.withdrawals.models import Base, revoked_sessions
from services.withdrawals.seed import seed


def _extend(app: Flask, runtime: Runtime) -> None:
    @app.errorhandler(StaleDataError)
    @app.errorhandler(IntegrityError)
    def _concurrent_change(_error):
        # someone else changed the same case (or took the same place) first
        return problem_response(409, "CONFLICT", "数据已被他人修改，请刷新后重试")

    register_commands(app, runtime)


def _jobs() -> tuple:
    from services.withdrawals.commands import JOBS

    return JOBS


service = Service(
    name="withdrawals",
    title="提取服务 Withdrawals",
    package_file=__file__,
    metadata=Base.metadata,
    config_class=WithdrawalsConfig,
    blueprints=blueprints,
    handlers=(
        handles(SESSION_REVOKED, purpose="revoked-sessions", by=follow_revocations(revoked_sessions)),
        handles(
            DEPOSITOR_REGISTERED,
            ACCOUNT_CREDITED,
            ACCOUNT_DEBITED,
            STATUS_CHANGED,
            purpose="applicants",
            by=consumers.follow_accounts,
        ),
        handles(LOAN_DISBURSED, LOAN_PAID_OFF, purpose="fund-loans", by=consumers.follow_fund_loans),
        handles(FUNDS_RESERVED, RESERVATION_FAILED, FUNDS_RELEASED, purpose="funds", by=consumers.follow_funds),
        handles(FUND_DEDUCTION_REQUESTED, purpose="fund-deductions", by=open_deduction_case),
    ),
    error_statuses=ERROR_STATUSES,
    seed=seed,
    extend_app=_extend,
    jobs=_jobs,
    background_loops=(payment_loop,),
    demo_notes=("提取业务后台 withdrawals console: {base}/console/withdrawals/  (wofficer1 / wofficer2, Demo123456)",),
    waiting=(Waiting("withdrawal_payment", "applications", ("approved",), since="updated_at"),),
)


def create_app(config: WithdrawalsConfig | None = None):
    return service.create_app(config)
