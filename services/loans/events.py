"""Events the loans service publishes (contracts) and the handlers of those it consumes."""

from datetime import datetime

from marshmallow import Schema, fields

from chassis.bus import EventContract, Subscriptions
from services.accounts import events as accounts_events
from services.loans.models import BalancePosting, DepositMonth, Depositor, WithdrawalInProgress
from services.withdrawals import events as withdrawals_events

handlers = Subscriptions("loans")

APPLICATION_STATES = (
    "submitted",
    "prereviewed",
    "accepted",
    "preliminarily_approved",
    "approved",
    "contract_signed",
    "mortgage_registered",
    "disbursed",
    "rejected",
    "cancelled",
)


class ApplicationChanged(Schema):
    """`loans.application.<state>`: every state a loan application reaches."""

    application_id = fields.String(required=True)
    application_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    center = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    term_months = fields.Integer(required=True)
    opinion = fields.String(load_default=None, allow_none=True)
    materials = fields.List(fields.String(), load_default=list)  # what to bring to the counter (prereviewed)
    contract_no = fields.String(load_default=None, allow_none=True)


class LoanDisbursed(Schema):
    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    application_id = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    center = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    term_months = fields.Integer(required=True)
    disbursed_on = fields.Date(required=True)
    first_due_date = fields.Date(required=True)
    monthly_payment = fields.Decimal(required=True, as_string=True)


class RepaymentPosted(Schema):
    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    period = fields.Integer(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    principal = fields.Decimal(required=True, as_string=True)
    interest = fields.Decimal(required=True, as_string=True)
    penalty = fields.Decimal(load_default="0.00", as_string=True)
    remaining = fields.Decimal(required=True, as_string=True)
    paid_on = fields.Date(required=True)


class RepaymentDue(Schema):
    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    period = fields.Integer(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    due_date = fields.Date(required=True)


class LoanOverdue(Schema):
    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    period = fields.Integer(required=True)
    amount_due = fields.Decimal(required=True, as_string=True)
    penalty = fields.Decimal(required=True, as_string=True)
    due_date = fields.Date(required=True)


class LoanPaidOff(Schema):
    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    paid_off_on = fields.Date(required=True)


APPLICATION_EVENTS = {
    state: EventContract(f"loans.application.{state}", ApplicationChanged) for state in APPLICATION_STATES
}
LOAN_DISBURSED = EventContract("loans.loan.disbursed", LoanDisbursed)
REPAYMENT_POSTED = EventContract("loans.repayment.posted", RepaymentPosted)
REPAYMENT_DUE = EventContract("loans.repayment.due", RepaymentDue)
LOAN_OVERDUE = EventContract("loans.loan.overdue", LoanOverdue)
LOAN_PAID_OFF = EventContract("loans.loan.paid_off", LoanPaidOff)


# --- the eligibility read model: accounts' and withdrawals' events -------------------------------------------

WITHDRAWAL_FINISHED = frozenset({"paid", "rejected", "cancelled"})
WITHDRAWAL_ORDER = {"submitted": 0, "prereviewed": 1, "accepted": 2, "approved": 3}
DEPOSIT_KINDS = frozenset({"regular_deposit", "supplementary_deposit"})


@handlers.on(accounts_events.DEPOSITOR_REGISTERED, purpose="depositors")
def remember_depositor(delivery) -> None:
    data, at = delivery.data, delivery.event.occurred_at
    depositor = delivery.session.get(Depositor, data["account_no"])
    if depositor is None:
        depositor = Depositor(account_no=data["account_no"], balance_as_of=None, status_as_of=None)
        delivery.session.add(depositor)
    depositor.id_number = data["id_number"]
    depositor.name = data["name"]
    depositor.center = data["center"]
    depositor.deposit_base = data["deposit_base"]
    # a posting or a status change may have overtaken the registration: keep whichever is newer
    if _is_newer(at, depositor.balance_as_of):
        depositor.balance, depositor.balance_as_of = data["balance"], at
    if _is_newer(at, depositor.status_as_of):
        depositor.status, depositor.status_as_of = data["status"], at


@handlers.on(accounts_events.ACCOUNT_CREDITED, accounts_events.ACCOUNT_DEBITED, purpose="balances")
def remember_posting(delivery) -> None:
    data, at = delivery.data, delivery.event.occurred_at
    month = data.get("month") if data["kind"] in DEPOSIT_KINDS and data.get("month_in_full", True) else None
    if month and delivery.session.get(DepositMonth, (data["account_no"], month)) is None:
        delivery.session.add(DepositMonth(account_no=data["account_no"], month=month, paid_on=data["posted_on"]))
    if delivery.session.get(BalancePosting, data["entry_id"]) is None:
        delivery.session.add(
            BalancePosting(
                entry_id=data["entry_id"],
                account_no=data["account_no"],
                posted_on=data["posted_on"],
                occurred_at=at,
                balance=data["balance"],
            )
        )
    depositor = delivery.session.get(Depositor, data["account_no"])
    if depositor is None:
        # registration not seen yet: a retry brings it back after accounts.depositor.registered
        raise LookupError(f"depositor {data['account_no']} not known yet")
    if _is_newer(at, depositor.balance_as_of):
        depositor.balance, depositor.balance_as_of = data["balance"], at


@handlers.on(accounts_events.STATUS_CHANGED, purpose="account-status")
def remember_status(delivery) -> None:
    data, at = delivery.data, delivery.event.occurred_at
    depositor = delivery.session.get(Depositor, data["account_no"])
    if depositor is None:
        raise LookupError(f"depositor {data['account_no']} not known yet")
    if _is_newer(at, depositor.status_as_of):
        depositor.status, depositor.status_as_of = data["status_to"], at


@handlers.on(*withdrawals_events.APPLICATION_EVENTS.values(), purpose="withdrawals-in-progress")
def remember_withdrawal(delivery) -> None:
    data = delivery.data
    row = delivery.session.get(WithdrawalInProgress, data["application_id"])
    if row is None:
        delivery.session.add(
            WithdrawalInProgress(
                application_id=data["application_id"], account_no=data["account_no"], state=data["state"]
            )
        )
        return
    # a finished application stays finished; otherwise only move forward (events may arrive out of order)
    if row.state in WITHDRAWAL_FINISHED:
        return
    if data["state"] in WITHDRAWAL_FINISHED or WITHDRAWAL_ORDER.get(data["state"], -1) > WITHDRAWAL_ORDER.get(
        row.state, -1
    ):
        row.state = data["state"]


def _is_newer(at: datetime, seen: datetime | None) -> bool:
    return seen is None or at >= seen
