"""Handlers of the events withdrawals consumes: the applicant read model (accounts' status, balance and deposit
months, loans' fund loans) and the withdrawal saga's steps (accounts reserves the amount of an approved case, the
payment loop pays it (cases/payments.py: requested here, made outside any transaction), accounts debits it; a
failed reservation rejects the case, a failed payment releases the money).

Accounts' postings carry the balance after them; an event older than the one a figure came from (a late or
redelivered message) never overwrites it. Duplicates and late saga events change nothing: each step checks the
case's state and timeline first.
"""

import logging
from decimal import Decimal

from chassis import clock
from chassis.bus import Delivery
from services.accounts.events import (
    ACCOUNT_DEBITED,
    DEPOSITOR_REGISTERED,
    FUNDS_RESERVED,
    RESERVATION_FAILED,
    STATUS_CHANGED,
)
from services.loans.events import LOAN_PAID_OFF
from services.withdrawals.cases import applications as cases
from services.withdrawals.cases import entrusted, fund_deductions, payments
from services.withdrawals.cases.payments import release_payload
from services.withdrawals.domain.workflow import (
    ApplicationState,
    reject_for_failed_reservation,
)
from services.withdrawals.events import PAYMENT_FAILED
from services.withdrawals.models import Applicant, Application, DepositMonth, FundLoan

DEPOSIT_KINDS = {"regular_deposit", "supplementary_deposit"}


class ApplicantNotYetKnown(Exception):
    """A posting arrived before the registration it belongs to: retried until the registration is in."""


def follow_accounts(delivery: Delivery) -> None:
    session, data, occurred = delivery.session, delivery.data, delivery.event.occurred_at
    applicant = session.get(Applicant, data["account_no"], with_for_update=True)
    if delivery.event.type == DEPOSITOR_REGISTERED.type:
        if applicant is None:
            applicant = Applicant(
                account_no=data["account_no"],
                status=data["status"],
                balance=data["balance"],
                balance_as_of=clock.to_utc(occurred),
                status_as_of=clock.to_utc(occurred),
            )
            session.add(applicant)
        elif _newer(occurred, applicant.balance_as_of):
            applicant.balance, applicant.balance_as_of = data["balance"], clock.to_utc(occurred)
        applicant.id_number, applicant.name, applicant.center = data["id_number"], data["name"], data["center"]
        return
    if delivery.event.type == STATUS_CHANGED.type:
        if applicant is None:
            raise ApplicantNotYetKnown(data["account_no"])
        if _newer(occurred, applicant.status_as_of):
            applicant.status, applicant.status_as_of = data["status_to"], clock.to_utc(occurred)
        return
    new_month = data.get("kind") in DEPOSIT_KINDS and data.get("month_in_full", True) and data.get("month")
    if new_month and session.get(DepositMonth, (data["account_no"], data["month"])) is None:
        session.add(DepositMonth(account_no=data["account_no"], month=data["month"]))
    if delivery.event.type == ACCOUNT_DEBITED.type and data.get("reference"):
        case = session.get(Application, data["reference"])
        if case is not None and not cases.has_step(session, case, "debited"):
            cases.note(session, case, "debited", opinion=f"扣减金额{data['amount']}元")
    if applicant is None:
        raise ApplicantNotYetKnown(data["account_no"])
    if _newer(occurred, applicant.balance_as_of):
        applicant.balance, applicant.balance_as_of = data["balance"], clock.to_utc(occurred)


def follow_fund_loans(delivery: Delivery) -> None:
    data = delivery.data
    loan = delivery.session.get(FundLoan, data["loan_id"], with_for_update=True)
    paid_off = delivery.event.type == LOAN_PAID_OFF.type
    if loan is None:
        loan = FundLoan(
            loan_id=data["loan_id"], account_no=data["account_no"], state="paid_off" if paid_off else "open"
        )
        delivery.session.add(loan)
    elif paid_off:
        loan.state = "paid_off"  # a disbursement arriving after the pay-off leaves it paid off
    loan.contract_no = data.get("contract_no") or loan.contract_no
    if not paid_off:
        loan.co_borrower_id_number = data.get("co_borrower_id_number")
    if paid_off:
        entrusted.end_at_pay_off(delivery.session, data["loan_id"])  # the monthly withdrawal stops at pay-off


def _newer(occurred, stored) -> bool:
    return stored is None or clock.to_utc(occurred) >= stored


log = logging.getLogger("withdrawals.saga")


def follow_funds(delivery: Delivery) -> None:
    session = delivery.session
    case = session.get(Application, delivery.data["application_id"], with_for_update=True)
    if case is None:
        log.warning("funds event for an unknown application", extra={"event_type": delivery.event.type})
        return
    if delivery.event.type == FUNDS_RESERVED.type:
        pay_reserved(delivery, case)
    elif delivery.event.type == RESERVATION_FAILED.type:
        if case.state == ApplicationState.APPROVED and not cases.has_step(session, case, "funds_reserved"):
            fund_deductions.remember_refusal_code(session, case, delivery.data.get("reason_code"))
            cases.record(session, case, reject_for_failed_reservation(case.state, delivery.data["reason"]))
    elif not cases.has_step(session, case, "funds_released"):
        cases.note(session, case, "funds_released")


def pay_reserved(delivery: Delivery, case: Application) -> None:
    session = delivery.session
    if case.state == ApplicationState.APPROVED and not cases.has_step(session, case, "funds_reserved"):
        reserved = Decimal(str(delivery.data["amount"]))
        if cases.takes_partial(case) and reserved < case.amount:
            # the balance covered only part: that part is paid and debited, the loan's card pays the rest
            cases.note(session, case, "partially_reserved", opinion=f"申请{case.amount}元，可用余额预留{reserved}元")
            case.amount = reserved
        # the bank is never called inside this transaction: a commit failing after a payment would pay twice
        cases.note(session, case, "funds_reserved")
        payments.request(session, case)
    elif case.state in (ApplicationState.REJECTED, ApplicationState.CANCELLED) and not cases.has_step(
        session, case, "funds_reserved", "release_requested"
    ):
        # funds reserved for a case that ended meanwhile: hand them back rather than leave them held
        cases.note(session, case, "release_requested")
        delivery.publish(PAYMENT_FAILED, release_payload(case, "申请已终止"))
