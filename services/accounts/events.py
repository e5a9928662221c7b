"""Events the accounts service publishes (contracts) and the handlers of those it consumes."""

from marshmallow import Schema, fields

from chassis.bus import EventContract, Subscriptions

handlers = Subscriptions("accounts")


class DepositorRegistered(Schema):
    depositor_id = fields.String(required=True)
    center = fields.String(required=True)
    id_number = fields.String(required=True)
    name = fields.String(required=True)
    mobile = fields.String(required=True)
    account_no = fields.String(required=True)
    employer_name = fields.String(required=True)
    status = fields.String(required=True)  # normal | sealed | frozen | closed
    deposit_base = fields.Decimal(required=True, as_string=True)
    monthly_amount = fields.Decimal(required=True, as_string=True)
    balance = fields.Decimal(required=True, as_string=True)
    opened_on = fields.Date(required=True)


class ContactChanged(Schema):
    depositor_id = fields.String(required=True)
    center = fields.String(required=True)
    id_number = fields.String(required=True)
    account_no = fields.String(required=True)
    mobile = fields.String(required=True)


class AccountPosted(Schema):
    """A ledger posting: credited (regular_deposit, supplementary_deposit, interest) or debited (withdrawal)."""

    entry_id = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    center = fields.String(required=True)
    kind = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    balance = fields.Decimal(required=True, as_string=True)
    posted_on = fields.Date(required=True)
    month = fields.String(load_default=None, allow_none=True)  # YYYY-MM of a deposit
    reference = fields.String(load_default=None, allow_none=True)  # e.g. the withdrawal application id


class StatusChanged(Schema):
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    center = fields.String(required=True)
    status_from = fields.String(required=True)
    status_to = fields.String(required=True)
    changed_on = fields.Date(required=True)


class FundsReserved(Schema):
    application_id = fields.String(required=True)
    account_no = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    available = fields.Decimal(required=True, as_string=True)


class ReservationFailed(Schema):
    application_id = fields.String(required=True)
    account_no = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)
    reason_code = fields.String(required=True)
    reason = fields.String(required=True)  # Chinese, shown to the applicant


class FundsReleased(Schema):
    application_id = fields.String(required=True)
    account_no = fields.String(required=True)
    amount = fields.Decimal(required=True, as_string=True)


DEPOSITOR_REGISTERED = EventContract("accounts.depositor.registered", DepositorRegistered)
CONTACT_CHANGED = EventContract("accounts.depositor.contact_changed", ContactChanged)
ACCOUNT_CREDITED = EventContract("accounts.account.credited", AccountPosted)
ACCOUNT_DEBITED = EventContract("accounts.account.debited", AccountPosted)
STATUS_CHANGED = EventContract("accounts.account.status_changed", StatusChanged)
FUNDS_RESERVED = EventContract("accounts.funds.reserved", FundsReserved)
RESERVATION_FAILED = EventContract("accounts.funds.reservation_failed", ReservationFailed)
FUNDS_RELEASED = EventContract("accounts.funds.released", FundsReleased)
