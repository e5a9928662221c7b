"""The applicant read model, kept from accounts' and loans' events: status, balance, deposit months, fund loans.

Accounts' postings carry the balance after them; an event older than the one a figure came from (a late or
redelivered message) never overwrites it.
"""

from chassis import clock
from chassis.bus import Delivery
from services.accounts.events import (
    ACCOUNT_CREDITED,
    ACCOUNT_DEBITED,
    DEPOSITOR_REGISTERED,
    STATUS_CHANGED,
)
from services.loans.events import LOAN_DISBURSED, LOAN_PAID_OFF
from services.withdrawals import cases
from services.withdrawals.events import handlers
from services.withdrawals.models import Applicant, Application, DepositMonth, FundLoan

DEPOSIT_KINDS = {"regular_deposit", "supplementary_deposit"}


class ApplicantNotYetKnown(Exception):
    """A posting arrived before the registration it belongs to: retried until the registration is in."""


@handlers.on(DEPOSITOR_REGISTERED, ACCOUNT_CREDITED, ACCOUNT_DEBITED, STATUS_CHANGED, purpose="applicants")
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


@handlers.on(LOAN_DISBURSED, LOAN_PAID_OFF, purpose="fund-loans")
def follow_fund_loans(delivery: Delivery) -> None:
    data = delivery.data
    loan = delivery.session.get(FundLoan, data["loan_id"], with_for_update=True)
    paid_off = delivery.event.type == LOAN_PAID_OFF.type
    if loan is None:
        delivery.session.add(
            FundLoan(loan_id=data["loan_id"], account_no=data["account_no"], state="paid_off" if paid_off else "open")
        )
    elif paid_off:
        loan.state = "paid_off"  # a disbursement arriving after the pay-off leaves it paid off


def _newer(occurred, stored) -> bool:
    return stored is None or clock.to_utc(occurred) >= stored
