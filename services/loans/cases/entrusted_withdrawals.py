"""The monthly entrusted withdrawal on loans' side: on a due date the repayment run asks withdrawals to take the
instalment from the borrower's fund account (then the spouse's) through the fund-deduction saga, taking what the
balance covers; the card pays the rest. Each month is one `entrusted_months` row, keyed by loan and period, so two
runs at once never start a month twice; a failed attempt is asked again and the borrower told, never dropped.

`begin_month` / `retry_month` run inside the repayment run's transaction for the loan; `on_instalment_settled`
inside the consumer of `withdrawals.fund_deduction.settled`. Once a month is `taken`, the run's posting step
(loan_book.settle_loan) posts it with its fund and card parts."""

from datetime import date, timedelta
from decimal import Decimal

from prometheus_client import Counter
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from services.loans.cases.fund_deductions import INSTALMENT, PAID, request_fund_deduction
from services.loans.config import LoansConfig
from services.loans.events import ENTRUSTED_WITHDRAWAL_FAILED
from services.loans.models import EntrustedMonth, EntrustedSignup, FundDeduction, Installment, Loan

ZERO = Decimal("0.00")
TAKING, RETRYING, TAKEN, POSTED = "taking", "retrying", "taken", "posted"
BORROWER, SPOUSE = "borrower", "spouse"
# an answer that is not a failure of the saga: the account had nothing to give, so the next payer (or the card)
# covers the month without retrying
NOTHING_AVAILABLE = frozenset({"INSUFFICIENT_FUNDS"})

entrusted_months = Counter(
    "hall_entrusted_withdrawal_attempts_total",
    "Answers to a month's entrusted withdrawal from a fund account, by outcome",
    ["outcome"],  # paid | partial | nothing_available | failed_retrying | failed_gave_up
)


ASKED, WAITING, READY = "asked", "waiting", "ready"


def take_month(
    session: Session, loan: Loan, row: Installment, on: date, signup: EntrustedSignup | None
) -> tuple[EntrustedMonth | None, str]:
    """A due instalment's entrusted step on `on`: ASKED (the fund asked, first or again), WAITING (an answer or a
    retry day to come), or READY to post (taken from the fund as far as it went, or not entrusted at all)."""
    month = session.get(EntrustedMonth, (loan.id, row.period))
    if month is None:
        if signup is not None and row.status == "due":
            return begin_month(session, loan, row, signup), ASKED
        return None, READY
    if month.state == RETRYING and month.next_try_on <= on:
        retry_month(session, loan, month)
        if month.state == TAKING:
            return month, ASKED
    if month.state in (TAKING, RETRYING):
        return month, WAITING
    return month, READY


def active_signup(session: Session, loan: Loan) -> EntrustedSignup | None:
    signup = session.get(EntrustedSignup, loan.id)
    return signup if signup is not None and signup.active else None


def begin_month(session: Session, loan: Loan, row: Installment, signup: EntrustedSignup) -> EntrustedMonth:
    """The month falls due: ask the borrower's fund account for the instalment (the run's transaction)."""
    now = clock.now()
    month = EntrustedMonth(
        loan_id=loan.id,
        period=row.period,
        due_date=row.due_date,
        amount=row.payment,
        state=TAKING,
        payer=BORROWER,
        attempts=0,
        borrower_amount=ZERO,
        spouse_amount=ZERO,
        requested_at=now,
        updated_at=now,
    )
    session.add(month)
    session.flush()  # a second run starting the same month stops here, before anything is asked
    _ask(session, loan, month, signup.account_no)
    return month


def retry_month(session: Session, loan: Loan, month: EntrustedMonth) -> None:
    """A failed month's next attempt (the run, on `next_try_on`); a cancelled sign-up leaves it to the card."""
    signup = active_signup(session, loan)
    if signup is None:
        _taken(month, "委托提取已取消，本期剩余金额由还款银行卡扣款")
        return
    _ask(session, loan, month, signup.spouse_account_no if month.payer == SPOUSE else signup.account_no)


def on_instalment_settled(session: Session, deduction: FundDeduction, config: LoansConfig) -> None:
    """withdrawals' answer for a month: count what was paid, then ask the spouse, retry, or hand it to the card."""
    month = session.get(EntrustedMonth, (deduction.loan_id, deduction.period), with_for_update=True)
    if month is None or month.state != TAKING or month.deduction_id != deduction.deduction_id:
        return  # an answer to an attempt that is no longer the current one
    loan = session.get(Loan, deduction.loan_id, with_for_update=True)
    paid = deduction.amount_paid or ZERO if deduction.state == PAID else ZERO
    if month.payer == BORROWER:
        month.borrower_amount += paid
    else:
        month.spouse_amount += paid
    month.updated_at = clock.now()
    nothing_there = deduction.state != PAID and deduction.reason_code in NOTHING_AVAILABLE
    if deduction.state == PAID or nothing_there:
        entrusted_months.labels(
            "nothing_available" if nothing_there else ("paid" if paid == deduction.amount else "partial")
        ).inc()
        _next_payer_or_taken(session, loan, month)
        return
    reason = deduction.reason or "委托提取未成功"
    if month.attempts < config.entrusted_attempts:
        entrusted_months.labels("failed_retrying").inc()
        month.state, month.last_failure = RETRYING, reason[:300]
        month.next_try_on = clock.today() + timedelta(days=config.entrusted_retry_days)
        _tell_failure(session, loan, month, reason, will_retry=True)
        return
    entrusted_months.labels("failed_gave_up").inc()
    _tell_failure(session, loan, month, reason, will_retry=False)
    _next_payer_or_taken(session, loan, month)


def _next_payer_or_taken(session: Session, loan: Loan, month: EntrustedMonth) -> None:
    signup = active_signup(session, loan)
    remaining = month.amount - month.fund_amount
    if remaining > 0 and month.payer == BORROWER and signup is not None and signup.spouse_account_no:
        month.payer, month.attempts = SPOUSE, 0
        _ask(session, loan, month, signup.spouse_account_no)
        return
    _taken(month, None)


def _taken(month: EntrustedMonth, note: str | None) -> None:
    month.state, month.updated_at, month.next_try_on = TAKEN, clock.now(), None
    if note:
        month.last_failure = note


def _ask(session: Session, loan: Loan, month: EntrustedMonth, account_no: str) -> None:
    deduction = request_fund_deduction(
        session,
        loan,
        month.amount - month.fund_amount,
        INSTALMENT,
        account_no=account_no,
        period=month.period,
        allow_partial=True,
    )
    month.state, month.deduction_id, month.next_try_on = TAKING, deduction.deduction_id, None
    month.attempts += 1
    month.updated_at = clock.now()


def _tell_failure(session: Session, loan: Loan, month: EntrustedMonth, reason: str, will_retry: bool) -> None:
    publish(
        session,
        ENTRUSTED_WITHDRAWAL_FAILED,
        {
            "loan_id": loan.id,
            "contract_no": loan.contract_no,
            "account_no": loan.account_no,
            "id_number": loan.id_number,
            "period": month.period,
            "amount": month.amount - month.fund_amount,
            "attempt": month.attempts,
            "will_retry": will_retry,
            "retry_on": month.next_try_on if will_retry else None,
            "reason": reason,
        },
    )


def follow_signups(delivery) -> None:
    """Consumer of withdrawals.entrusted_repayment.*: the loan's sign-up as of the newest event."""
    data, session = delivery.data, delivery.session
    signup = session.get(EntrustedSignup, data["loan_id"], with_for_update=True)
    at = clock.to_utc(data["at"])
    if signup is not None and clock.to_utc(signup.as_of) > at:
        return  # an older event arriving late
    if signup is None:
        signup = EntrustedSignup(loan_id=data["loan_id"])
        session.add(signup)
    signup.entrusted_id, signup.account_no = data["entrusted_id"], data["account_no"]
    signup.spouse_account_no, signup.active, signup.as_of = data.get("spouse_account_no"), data["state"] == "active", at
