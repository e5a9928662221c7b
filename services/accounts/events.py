"""The accounts service's published contract: the events it sends, their schemas and versions, and what a
published deposit month means to its readers: the one rule of continuous full deposit (连续足额缴存)."""

from collections.abc import Collection
from datetime import date, timedelta

from marshmallow import Schema, fields

from chassis.bus.envelope import EventContract


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
    # a deposit's month once this posting is in: True when its 汇缴 and 补缴 together reach the month's required
    # deposit. Absent in events older than the field: their months were always posted in full.
    month_in_full = fields.Boolean(load_default=True, allow_none=True)
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


class CertificateIssued(Schema):
    """An electronic certificate (缴存证明, 对账单) was issued to the depositor; the code lets anyone verify it."""

    certificate_id = fields.String(required=True)
    account_no = fields.String(required=True)
    kind = fields.String(required=True)  # deposit | statement
    title = fields.String(required=True)  # 住房公积金缴存证明 ...
    verification_code = fields.String(required=True)
    issued_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)


DEPOSITOR_REGISTERED = EventContract("accounts.depositor.registered", DepositorRegistered)
CONTACT_CHANGED = EventContract("accounts.depositor.contact_changed", ContactChanged)
ACCOUNT_CREDITED = EventContract("accounts.account.credited", AccountPosted)
ACCOUNT_DEBITED = EventContract("accounts.account.debited", AccountPosted)
STATUS_CHANGED = EventContract("accounts.account.status_changed", StatusChanged)
FUNDS_RESERVED = EventContract("accounts.funds.reserved", FundsReserved)
RESERVATION_FAILED = EventContract("accounts.funds.reservation_failed", ReservationFailed)
FUNDS_RELEASED = EventContract("accounts.funds.released", FundsReleased)
CERTIFICATE_ISSUED = EventContract("accounts.certificate.issued", CertificateIssued)


# 连续足额缴存 — continuous full deposit, the rule loans' conditions (满6个月) and withdrawals' reasons (租房满3个月)
# both count with. In the manual's terms:
# 1. 应缴月份: each month's deposit is due within that month; a month falls due once its last day is past
#    (plus the centre's grace days). So on 1 December the latest month due is November, and December's deposit,
#    not yet due, neither counts against the depositor nor breaks anything; paid ahead, it counts.
# 2. 足额: a month counts when its deposits reach the month's required amount (`month_in_full`); a month paid late
#    by 补缴 counts from the day it is paid, as if it had been paid on time.
# 3. 连续: counting goes back month by month from the latest month due (or from the newest month paid ahead of it);
#    the first month due that is not paid in full ends the run, and nothing before it counts.
CONTINUITY_RULE_TEXT = (
    "连续足额缴存月数的计算：每月住房公积金应于当月缴存，当月结束后即为应缴月份（当月尚未到期的缴存不影响计算，已缴的计入）；"
    "某月汇缴与补缴合计达到当月应缴额即为足额，逾期补缴的月份补缴后同样计入；自最近的应缴月份向前逐月计算，"
    "遇到未足额缴存的应缴月份即中断，中断之前的月份不再计入。"
)


def latest_month_due(on: date, grace_days: int = 0) -> str:
    """The newest month ("YYYY-MM") whose deposit is due on `on`: its last day plus `grace_days` has passed."""
    month_end = date(on.year, on.month, 1) - timedelta(days=1)  # the last day of the month before `on`'s
    while month_end + timedelta(days=grace_days) >= on:
        month_end = date(month_end.year, month_end.month, 1) - timedelta(days=1)
    return f"{month_end.year:04d}-{month_end.month:02d}"


def continuous_full_deposit_months(months_in_full: Collection[str], on: date, grace_days: int = 0) -> int:
    """How many months in a row, up to the latest month due on `on`, were deposited in full (rule above).

    `months_in_full` are "YYYY-MM" months whose deposits reached the required amount, whenever they were paid.
    """
    paid = set(months_in_full)
    newest = latest_month_due(on, grace_days)
    current = f"{on.year:04d}-{on.month:02d}"
    while _month_after(newest) <= current and _month_after(newest) in paid:
        newest = _month_after(newest)  # paid ahead of its due date: counts too
    count, month = 0, newest
    while month in paid:
        count += 1
        month = _month_before(month)
    return count


def _month_after(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year:04d}-{number - 1:02d}" if number > 1 else f"{year - 1:04d}-12"
