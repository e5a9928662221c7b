"""Fund deductions for a loan (loans.fund_deduction.requested): the centre takes money from a fund account for the
borrower's fund loan, as a withdrawal of reason 06 (偿还住房公积金贷款本息) opened by the system and approved at
once, through the same reserve → pay → debit saga as any approved case: accounts reserves the amount, the payment
loop pays the centre's loan settlement account with the application number as the bank's idempotency key, accounts
debits it. When the case is paid or rejected, `announce_settlement` answers loans once
(withdrawals.fund_deduction.settled).

The depositor's own rules for reason 06 (once a year, materials, an open case blocking another) are the counter's
and do not apply: the borrower authorised the deduction when applying in loans. What the balance cannot cover is
refused by accounts' reservation (no state lets the available balance go below zero).
"""

import secrets
import uuid
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import Delivery, publish
from services.withdrawals.domain.workflow import (
    FUNDS_RESERVATION_FAILED,
    PAYMENT_FAILED,
    SYSTEM,
    ApplicationState,
    Transition,
)
from services.withdrawals.events import FUND_DEDUCTION_SETTLED
from services.withdrawals.models import Applicant, Application, FundDeduction

FUND_DEDUCTION_SUBMITTER = "system:fund-deduction"
LOAN_REPAYMENT_REASON = "06"
PURPOSE_NAMES = {"prepayment": "提前偿还住房公积金贷款", "instalment": "按月偿还住房公积金贷款"}
# why a case failed, when accounts gave no code of its own
FAILURE_CODES = {FUNDS_RESERVATION_FAILED: "FUNDS_RESERVATION_FAILED", PAYMENT_FAILED: "PAYMENT_FAILED"}


class DeductionAccountNotYetKnown(Exception):
    """The fund account of the request has not reached withdrawals' read model yet: retried later."""


def open_deduction_case(delivery: Delivery) -> None:
    """Consumer of loans.fund_deduction.requested: one approved reason-06 case per deduction id."""
    from services.withdrawals.cases.applications import record

    session, data = delivery.session, delivery.data
    if session.get(FundDeduction, data["deduction_id"]) is not None:
        return  # the same request delivered again
    applicant = _payer(session, data["person_id"])
    now = clock.now()
    amount = Decimal(str(data["amount"]))
    case = Application(
        id=str(uuid.uuid4()),
        application_no=f"TQ{clock.today():%Y%m%d}{secrets.randbelow(10**6):06d}",
        account_no=applicant.account_no,
        id_number=applicant.id_number,
        name=applicant.name,
        center=applicant.center,
        reason=LOAN_REPAYMENT_REASON,
        reason_name=PURPOSE_NAMES.get(data["purpose"], "偿还住房公积金贷款"),
        amount=amount,
        closes_account=False,
        bank_card=delivery.config.loan_fund_account,
        reason_fields={
            "loan_contract_no": data["loan_number"],
            "purpose": data["purpose"],
            "period": "" if data.get("period") is None else str(data["period"]),
            "deduction_id": data["deduction_id"],
            # a month's instalment takes what the balance covers (accounts reserves less; the card pays the rest)
            "allow_partial": "true" if data.get("allow_partial") else "",
        },
        reference=None,
        state=ApplicationState.APPROVED,
        in_progress_key=None,  # the system's own case never blocks the depositor's
        submitted_by=FUND_DEDUCTION_SUBMITTER,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    session.add(
        FundDeduction(
            deduction_id=data["deduction_id"],
            application_id=case.id,
            loan_id=data["loan_id"],
            loan_number=data["loan_number"],
            purpose=data["purpose"],
            period=data.get("period"),
            amount=amount,
            allow_partial=bool(data.get("allow_partial")),
            requested_at=now,
        )
    )
    session.flush()
    opinion = f"按住房公积金贷款{data['loan_number']}的委托，{PURPOSE_NAMES.get(data['purpose'], '偿还贷款')}"
    # approving it publishes withdrawals.application.approved: accounts reserves, and the saga runs on
    record(session, case, Transition(None, ApplicationState.APPROVED, "system", SYSTEM, opinion=opinion, at=now))


def _payer(session: Session, person_id: str) -> Applicant:
    applicant = session.get(Applicant, person_id)
    if applicant is None:  # an ID number rather than the account number
        applicant = session.scalar(select(Applicant).where(Applicant.id_number == person_id).limit(1))
    if applicant is None:
        raise DeductionAccountNotYetKnown(person_id)
    return applicant


def remember_refusal_code(session: Session, case: Application, code: str | None) -> None:
    """Accounts said why it could not reserve (INSUFFICIENT_FUNDS, ...): the settlement passes it on."""
    if code and case.submitted_by == FUND_DEDUCTION_SUBMITTER:
        deduction = _deduction_of(session, case)
        if deduction is not None and deduction.reason_code is None:
            deduction.reason_code = code


def announce_settlement(session: Session, case: Application, transition: Transition) -> None:
    """Within `record`: a deduction's case reached paid or rejected; tell loans once."""
    state = ApplicationState(case.state)
    if case.submitted_by != FUND_DEDUCTION_SUBMITTER or state not in (ApplicationState.PAID, ApplicationState.REJECTED):
        return
    deduction = _deduction_of(session, case)
    if deduction is None or deduction.outcome is not None:
        return
    paid = state is ApplicationState.PAID
    deduction.outcome = "paid" if paid else "failed"
    if not paid and deduction.reason_code is None:
        deduction.reason_code = FAILURE_CODES.get(transition.cause or "", "DEDUCTION_FAILED")
    deduction.settled_at = clock.now()
    publish(
        session,
        FUND_DEDUCTION_SETTLED,
        {
            "deduction_id": deduction.deduction_id,
            "loan_id": deduction.loan_id,
            "purpose": deduction.purpose,
            "period": deduction.period,
            "amount_paid": case.amount if paid else Decimal("0.00"),
            "outcome": deduction.outcome,
            "reason_code": None if paid else deduction.reason_code,
            "reason": None if paid else (transition.opinion or "住房公积金账户划款未成功"),
            "application_id": case.id,
            "application_no": case.application_no,
        },
    )


def _deduction_of(session: Session, case: Application) -> FundDeduction | None:
    return session.scalar(select(FundDeduction).where(FundDeduction.application_id == case.id))
