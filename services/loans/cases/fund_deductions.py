"""Money for a loan from a fund account (委托提取 / 公积金提前还款): loans asks, withdrawals takes it through its
reserve → pay → debit saga (a withdrawal of reason 06, so money moves only in accounts' ledger) and answers once.

`request_fund_deduction` records the request and publishes `loans.fund_deduction.requested` in the caller's
transaction; `record_settlement` takes `withdrawals.fund_deduction.settled` once and hands it to the purpose's
handler (a prepayment's in cases/prepayments.py; the monthly instalment's beside it). A redelivered answer, or one
for a deduction already settled, changes nothing.
"""

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import Delivery, publish
from services.loans.events import FUND_DEDUCTION_REQUESTED
from services.loans.models import FundDeduction, Loan, new_id

log = logging.getLogger("loans.fund_deductions")

REQUESTED, PAID, FAILED = "requested", "paid", "failed"
PREPAYMENT, INSTALMENT = "prepayment", "instalment"


def request_fund_deduction(
    session: Session,
    loan: Loan,
    amount: Decimal,
    purpose: str,
    *,
    account_no: str | None = None,
    period: int | None = None,
    allow_partial: bool = False,
) -> FundDeduction:
    """Ask withdrawals to take `amount` from `account_no`'s fund account (the borrower's by default) for `loan`."""
    deduction = FundDeduction(
        deduction_id=new_id(),
        loan_id=loan.id,
        account_no=account_no or loan.account_no,
        purpose=purpose,
        period=period,
        amount=amount,
        allow_partial=allow_partial,
        state=REQUESTED,
        requested_at=clock.now(),
    )
    session.add(deduction)
    publish(
        session,
        FUND_DEDUCTION_REQUESTED,
        {
            "deduction_id": deduction.deduction_id,
            "loan_id": loan.id,
            "loan_number": loan.contract_no,
            "person_id": deduction.account_no,
            "amount": amount,
            "purpose": purpose,
            "period": period,
            "allow_partial": allow_partial,
        },
    )
    return deduction


# purpose → what to do with a settled deduction, within the delivery's transaction: (session, config, deduction)
SettlementHandler = Callable[[Session, Any, FundDeduction], None]


def record_settlement(delivery: Delivery, handlers: dict[str, SettlementHandler]) -> None:
    """Consumer of `withdrawals.fund_deduction.settled`: record the outcome once, then let its purpose act."""
    data, session = delivery.data, delivery.session
    deduction = session.get(FundDeduction, data["deduction_id"], with_for_update=True)
    if deduction is None:
        log.warning("settlement of an unknown fund deduction", extra={"event_type": delivery.event.type})
        return
    if deduction.state != REQUESTED:
        return  # settled already: the first answer stands
    paid = data["outcome"] == PAID
    deduction.state = PAID if paid else FAILED
    deduction.amount_paid = Decimal(str(data["amount_paid"])) if paid else Decimal("0.00")
    deduction.reason_code = data.get("reason_code")
    deduction.reason = (data.get("reason") or "")[:300] or None
    deduction.settled_at = clock.now()
    handler = handlers.get(deduction.purpose)
    if handler is None:
        log.warning("no handler for fund deductions of purpose %s", deduction.purpose)
        return
    handler(session, delivery.config, deduction)
