"""The loans service's published contract: the events it sends, their schemas and versions."""

from decimal import Decimal

from marshmallow import Schema, fields

from chassis.bus.envelope import EventContract

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
    # the co-borrowing spouse (whose fund account may join the monthly entrusted withdrawal)
    co_borrower_id_number = fields.String(load_default=None, allow_none=True)


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
    # where the money came from: fund accounts (monthly entrusted withdrawal) and the repayment card
    fund_amount = fields.Decimal(load_default=Decimal("0.00"), as_string=True)
    card_amount = fields.Decimal(load_default=None, allow_none=True, as_string=True)


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


class EntrustedWithdrawalFailed(Schema):
    """`loans.entrusted_withdrawal.failed`: a month's withdrawal from a fund account did not go through; asked
    again on `retry_on`, or (will_retry false) the card pays what the fund did not."""

    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    account_no = fields.String(required=True)  # the borrower (who is told)
    id_number = fields.String(required=True)
    period = fields.Integer(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    attempt = fields.Integer(required=True)
    will_retry = fields.Boolean(required=True)
    retry_on = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(required=True)  # Chinese


class CertificateIssued(Schema):
    """A loan certificate (贷款结清证明, 贷款情况证明) was issued to the borrower; the code lets anyone verify it."""

    certificate_id = fields.String(required=True)
    account_no = fields.String(required=True)
    loan_id = fields.String(required=True)
    kind = fields.String(required=True)  # payoff | loan_status
    title = fields.String(required=True)
    verification_code = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


class FundDeductionRequested(Schema):
    """`loans.fund_deduction.requested`: take `amount` from a fund account for a loan, as a withdrawal of reason 06
    through withdrawals' reserve → pay → debit saga; answered once by `withdrawals.fund_deduction.settled`."""

    deduction_id = fields.String(required=True)  # uuid, unique: a redelivered request is the same deduction
    loan_id = fields.String(required=True)
    loan_number = fields.String(required=True)  # the loan's contract number
    person_id = fields.String(required=True)  # the fund account number (公积金账号) that pays
    amount = fields.Decimal(required=True, as_string=True)
    purpose = fields.String(required=True)  # prepayment | instalment
    period = fields.Integer(load_default=None, allow_none=True)  # the instalment's month
    allow_partial = fields.Boolean(load_default=False)  # take what the balance covers rather than refuse


PREPAYMENT_STATES = ("submitted", "confirmed", "completed", "refused", "cancelled", "failed")


class PrepaymentChanged(Schema):
    """`loans.prepayment.<state>`: every state a prepayment application reaches."""

    prepayment_id = fields.String(required=True)
    prepayment_no = fields.String(required=True)
    loan_id = fields.String(required=True)
    contract_no = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    full = fields.Boolean(required=True)
    source = fields.String(required=True)
    opinion = fields.String(load_default=None, allow_none=True)


APPLICATION_EVENTS = {
    state: EventContract(f"loans.application.{state}", ApplicationChanged) for state in APPLICATION_STATES
}
LOAN_DISBURSED = EventContract("loans.loan.disbursed", LoanDisbursed)
REPAYMENT_POSTED = EventContract("loans.repayment.posted", RepaymentPosted)
REPAYMENT_DUE = EventContract("loans.repayment.due", RepaymentDue)
LOAN_OVERDUE = EventContract("loans.loan.overdue", LoanOverdue)
LOAN_PAID_OFF = EventContract("loans.loan.paid_off", LoanPaidOff)
CERTIFICATE_ISSUED = EventContract("loans.certificate.issued", CertificateIssued)
ENTRUSTED_WITHDRAWAL_FAILED = EventContract("loans.entrusted_withdrawal.failed", EntrustedWithdrawalFailed)
FUND_DEDUCTION_REQUESTED = EventContract("loans.fund_deduction.requested", FundDeductionRequested)
PREPAYMENT_EVENTS = {
    state: EventContract(f"loans.prepayment.{state}", PrepaymentChanged) for state in PREPAYMENT_STATES
}
