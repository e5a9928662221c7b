"""The withdrawals service's published contract: the events it sends, their schemas and versions."""

from marshmallow import Schema, fields

from chassis.bus.envelope import EventContract

APPLICATION_STATES = ("submitted", "prereviewed", "accepted", "approved", "rejected", "cancelled", "paid")


class ApplicationChanged(Schema):
    """`withdrawals.application.<state>`: every state an application reaches."""

    application_id = fields.String(required=True)
    application_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    center = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    reason = fields.String(required=True)  # national code, e.g. "07"
    reason_name = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    closes_account = fields.Boolean(load_default=False)
    # the case takes what the available balance covers, up to `amount` (a loan's monthly entrusted withdrawal)
    allow_partial = fields.Boolean(load_default=False)
    # opened by the system for a loan's prepayment or instalment (loans.fund_deduction.requested): loans tells the
    # borrower about it in the loan's own words, so the withdrawal's messages stay silent
    for_loan = fields.Boolean(load_default=False)
    bank_card_last4 = fields.String(required=True)
    opinion = fields.String(load_default=None, allow_none=True)
    materials = fields.List(fields.String(), load_default=list)


class PaymentFailed(Schema):
    application_id = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    reason = fields.String(required=True)


class FundDeductionSettled(Schema):
    """`withdrawals.fund_deduction.settled`: the answer to one `loans.fund_deduction.requested`, sent once the case
    is paid to the loan's bank (the debit in accounts follows) or has failed (nothing taken, nothing held)."""

    deduction_id = fields.String(required=True)
    loan_id = fields.String(required=True)
    purpose = fields.String(required=True)  # prepayment | instalment, as requested
    period = fields.Integer(load_default=None, allow_none=True)
    amount_paid = fields.Decimal(required=True, as_string=True)  # "0.00" when failed
    outcome = fields.String(required=True)  # paid | failed
    reason_code = fields.String(load_default=None, allow_none=True)  # why not, e.g. INSUFFICIENT_FUNDS
    reason = fields.String(load_default=None, allow_none=True)  # in Chinese, for the borrower
    application_id = fields.String(load_default=None, allow_none=True)  # the withdrawal case (reason 06)
    application_no = fields.String(load_default=None, allow_none=True)


class AppointmentChanged(Schema):
    """`withdrawals.appointment.<booked|cancelled|missed|attended|reminder_due>`."""

    appointment_id = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    center = fields.String(required=True)
    branch_code = fields.String(required=True)
    branch_name = fields.String(required=True)
    reason = fields.String(required=True)
    reason_name = fields.String(required=True)
    slot_start = fields.AwareDateTime(required=True)
    slot_end = fields.AwareDateTime(required=True)
    materials = fields.List(fields.String(), load_default=list)


def application_event(state: str) -> EventContract:
    return EventContract(f"withdrawals.application.{state}", ApplicationChanged)


APPLICATION_EVENTS = {state: application_event(state) for state in APPLICATION_STATES}
APPLICATION_APPROVED = APPLICATION_EVENTS["approved"]
APPLICATION_PAID = APPLICATION_EVENTS["paid"]
PAYMENT_FAILED = EventContract("withdrawals.payment.failed", PaymentFailed)
FUND_DEDUCTION_SETTLED = EventContract("withdrawals.fund_deduction.settled", FundDeductionSettled)
APPOINTMENT_EVENTS = {
    state: EventContract(f"withdrawals.appointment.{state}", AppointmentChanged)
    for state in ("booked", "cancelled", "missed", "attended", "reminder_due")
}


class EntrustedRepaymentChanged(Schema):
    """`withdrawals.entrusted_repayment.<signed_up|cancelled|ended>`: a borrower's monthly entrusted withdrawal."""

    entrusted_id = fields.String(required=True)
    loan_id = fields.String(required=True)
    contract_no = fields.String(load_default=None, allow_none=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    spouse_account_no = fields.String(load_default=None, allow_none=True)
    state = fields.String(required=True)  # active | cancelled | ended
    at = fields.AwareDateTime(required=True)


ENTRUSTED_EVENTS = {
    name: EventContract(f"withdrawals.entrusted_repayment.{name}", EntrustedRepaymentChanged)
    for name in ("signed_up", "cancelled", "ended")
}
ENTRUSTED_SIGNED_UP = ENTRUSTED_EVENTS["signed_up"]
ENTRUSTED_CANCELLED = ENTRUSTED_EVENTS["cancelled"]
ENTRUSTED_ENDED = ENTRUSTED_EVENTS["ended"]
