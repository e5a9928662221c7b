"""What loans knows of an applicant (the read model of accounts' and withdrawals' events, plus its own loans)
and the eligibility check built on it, used before submission, at submission and on the console's case page."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chassis import clock
from services.accounts.events import continuous_full_deposit_months
from services.loans.config import LoansConfig
from services.loans.consumers import WITHDRAWAL_FINISHED
from services.loans.domain.eligibility import (
    DepositorFacts,
    EligibilityFailure,
    EligibilityResult,
    LoanRequest,
    check_eligibility,
)
from services.loans.domain.workflow import ApplicationState
from services.loans.models import (
    BalancePosting,
    DepositMonth,
    Depositor,
    Loan,
    LoanApplication,
    WithdrawalInProgress,
)

# applications that are still moving through review (a new one must wait for them)
OPEN_APPLICATION_STATES = (
    ApplicationState.SUBMITTED,
    ApplicationState.PREREVIEWED,
    ApplicationState.ACCEPTED,
    ApplicationState.PRELIMINARILY_APPROVED,
    ApplicationState.APPROVED,
    ApplicationState.CONTRACT_SIGNED,
    ApplicationState.MORTGAGE_REGISTERED,
)


@dataclass(frozen=True)
class Applicant:
    depositor: Depositor
    facts: DepositorFacts


@dataclass(frozen=True)
class EligibilityAnswer:
    result: EligibilityResult | None  # None when the depositor is unknown to loans
    failures: tuple[EligibilityFailure, ...]
    facts: DepositorFacts | None

    @property
    def eligible(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict:
        result, facts = self.result, self.facts
        return {
            "eligible": self.eligible,
            "failures": [{"code": f.code, "detail": f.detail, "subject": f.subject} for f in self.failures],
            "max_amount": result.max_amount if result else Decimal("0.00"),
            "max_term_months": result.max_term_months if result else None,
            "first_payment": result.first_payment if result else None,
            "monthly_income": result.monthly_income if result else Decimal("0.00"),
            "continuous_deposit_months": facts.continuous_deposit_months if facts else 0,
            "balance": facts.balance if facts else Decimal("0.00"),
        }


def continuous_deposit_months(session: Session, account_no: str, as_of: date, grace_days: int = 0) -> int:
    """连续足额缴存 by accounts' one rule, over the months accounts told us were deposited in full."""
    months = session.scalars(
        select(DepositMonth.month).where(
            DepositMonth.account_no == account_no,
            or_(DepositMonth.paid_on.is_(None), DepositMonth.paid_on <= as_of),
        )
    ).all()
    return continuous_full_deposit_months(months, as_of, grace_days)


def _balance_on(session: Session, depositor: Depositor, as_of: date) -> Decimal:
    """The balance today, or at the end of a past day (its last posting then; none yet means nothing then)."""
    if as_of >= clock.today():
        return depositor.balance
    balance = session.scalar(
        select(BalancePosting.balance)
        .where(BalancePosting.account_no == depositor.account_no, BalancePosting.posted_on <= as_of)
        .order_by(BalancePosting.posted_on.desc(), BalancePosting.occurred_at.desc())
        .limit(1)
    )
    return Decimal("0.00") if balance is None else balance


def find_applicant(
    session: Session,
    as_of: date,
    *,
    account_no: str | None = None,
    id_number: str | None = None,
    grace_days: int = 0,
):
    """The Applicant for an account number (or an ID number: a co-borrower), or None when accounts never told us."""
    if account_no is not None:
        depositor = session.get(Depositor, account_no)
    else:
        depositor = session.scalars(
            select(Depositor).where(Depositor.id_number == id_number).order_by(Depositor.status != "normal")
        ).first()
    if depositor is None:
        return None
    has_open_loan = bool(
        session.scalar(
            select(func.count())
            .select_from(Loan)
            .where(Loan.id_number == depositor.id_number, Loan.status == "repaying")
        )
    )
    withdrawing = bool(
        session.scalar(
            select(func.count())
            .select_from(WithdrawalInProgress)
            .where(
                WithdrawalInProgress.account_no == depositor.account_no,
                WithdrawalInProgress.state.not_in(WITHDRAWAL_FINISHED),
            )
        )
    )
    facts = DepositorFacts(
        id_number=depositor.id_number,
        account_status=depositor.status,
        balance=_balance_on(session, depositor, as_of),
        continuous_deposit_months=continuous_deposit_months(session, depositor.account_no, as_of, grace_days),
        deposit_base=depositor.deposit_base,
        has_open_loan=has_open_loan,
        withdrawal_in_progress=withdrawing,
    )
    return Applicant(depositor, facts)


def check_applicant(
    session: Session,
    config: LoansConfig,
    account_no: str,
    body: dict,
    as_of: date,
    ignore_application_id: str | None = None,
) -> EligibilityAnswer:
    """Every rule the applicant (and co-borrower) fail for the request in `body` (the API's field names)."""
    applicant = find_applicant(session, as_of, account_no=account_no, grace_days=config.deposit_grace_days)
    if applicant is None:
        failure = EligibilityFailure("DEPOSITOR_UNKNOWN", "未查询到您的住房公积金缴存信息，请联系所属管理中心")
        return EligibilityAnswer(None, (failure,), None)
    extra: list[EligibilityFailure] = []
    co_facts = None
    co_borrower = body.get("co_borrower")
    if co_borrower:
        co_applicant = find_applicant(
            session, as_of, id_number=co_borrower["id_number"].strip().upper(), grace_days=config.deposit_grace_days
        )
        if co_applicant is not None:
            co_facts = co_applicant.facts
    open_applications = (
        select(func.count())
        .select_from(LoanApplication)
        .where(
            LoanApplication.id_number == applicant.depositor.id_number,
            LoanApplication.state.in_([state.value for state in OPEN_APPLICATION_STATES]),
        )
    )
    if ignore_application_id:
        open_applications = open_applications.where(LoanApplication.id != ignore_application_id)
    if session.scalar(open_applications):
        extra.append(EligibilityFailure("APPLICATION_IN_PROGRESS", "您已有正在办理中的贷款申请，请办结或撤销后再申请"))
    house = body["house"]
    request = LoanRequest(
        amount=body["amount"],
        term_months=body["term_months"],
        method=body["method"],
        house_price=house["price"],
        first_home=house.get("first_home", True),
        as_of=as_of,
        monthly_income=body.get("monthly_income"),
        annual_rate=percent_to_fraction(body.get("annual_rate")),
    )
    result = check_eligibility(applicant.facts, request, co_facts, policy=config.policy_for(applicant.depositor.center))
    return EligibilityAnswer(result, tuple(extra) + result.failures, applicant.facts)


def percent_to_fraction(percent: Decimal | None) -> Decimal | None:
    """The API's "2.60" (percent) to the domain's 0.026."""
    return None if percent is None else Decimal(percent) / 100
