"""The withdrawal saga on accounts' side: reserve on approval, debit on payment, release on a failed payment.

Each handler is idempotent in effect, not only per message: the reservation row (unique per application) records
what has been done, so a second "approved" for the same application, or a "failed" after a release, changes
nothing. Events that arrive before the one they follow ("paid" before "approved") raise, and the consumer
retries them later.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from chassis.bus.subscriptions import PermanentFailure
from services.accounts.cases.postings import change_account_status, lock_account, record, state_of
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.ledger import AccountStatus, change_status, debit_reserved, release, reserve
from services.accounts.events import FUNDS_RELEASED, FUNDS_RESERVED, RESERVATION_FAILED
from services.accounts.models import Reservation


class NotYetReserved(Exception):
    """The event follows an approval this service has not seen yet: retry later."""


def _reservation(session: Session, application_id: str) -> Reservation | None:
    statement = select(Reservation).where(Reservation.application_id == application_id).with_for_update()
    return session.scalars(statement).first()


def reserve_for_application(session: Session, data: dict) -> Reservation:
    """Reserve the approved amount (the whole available balance when the reason closes the account; what the
    available balance covers, up to the amount, when the case allows a partial payment, e.g. a loan's monthly
    entrusted withdrawal: FUNDS_RESERVED then names the smaller amount, which is what is paid and debited)."""
    existing = _reservation(session, data["application_id"])
    if existing is not None:
        return existing
    account = lock_account(session, data["account_no"])
    closes = bool(data.get("closes_account"))
    amount = Decimal(str(data["amount"]))
    reservation = Reservation(
        application_id=data["application_id"], account_no=data["account_no"], amount=amount, closes_account=closes
    )
    try:
        if account is None:
            raise RuleViolation("ACCOUNT_NOT_FOUND", "未找到该住房公积金账户")
        reservation.account_id = account.id
        if closes:
            amount = reservation.amount = account.available
            if amount <= 0:
                raise RuleViolation("INSUFFICIENT_FUNDS", "账户可用余额为0元，无可提取金额")
        elif data.get("allow_partial") and amount > account.available:
            amount = reservation.amount = max(account.available, Decimal("0.00"))
            if amount <= 0:
                raise RuleViolation("INSUFFICIENT_FUNDS", "账户可用余额为0元，无可提取金额")
        new_state = reserve(state_of(account), amount)
    except RuleViolation as refusal:
        reservation.state = "failed"
        reservation.failure_reason = refusal.detail[:200]
        session.add(reservation)
        session.flush()
        publish(
            session,
            RESERVATION_FAILED,
            {
                "application_id": reservation.application_id,
                "account_no": reservation.account_no,
                "amount": reservation.amount,
                "reason_code": refusal.code,
                "reason": refusal.detail,
            },
        )
        return reservation
    account.reserved = new_state.reserved
    reservation.state = "reserved"
    session.add(reservation)
    session.flush()
    publish(
        session,
        FUNDS_RESERVED,
        {
            "application_id": reservation.application_id,
            "account_no": account.account_no,
            "amount": amount,
            "available": account.available,
        },
    )
    return reservation


def debit_for_application(session: Session, data: dict, on: date | None = None) -> Reservation:
    """Turn the reservation into a withdrawal entry; close the account when the reason closes it."""
    reservation = _reservation(session, data["application_id"])
    if reservation is None:
        raise NotYetReserved(f"no reservation yet for application {data['application_id']}")
    if reservation.state == "debited":
        return reservation
    if reservation.state != "reserved":
        # the payment went out although nothing is reserved any more: a person must look at it
        raise PermanentFailure(
            f"application {reservation.application_id} paid while its reservation is {reservation.state}"
        )
    account = lock_account(session, reservation.account_no)
    on = on or clock.today()
    reason_name = data.get("reason_name")
    try:
        posting = debit_reserved(
            state_of(account),
            reservation.amount,
            posted_on=on,
            reference=reservation.application_id,
            summary=f"提取（{reason_name}）" if reason_name else None,
        )
    except RuleViolation as refusal:
        raise PermanentFailure(f"application {reservation.application_id}: {refusal.code}") from refusal
    record(session, account, posting)
    reservation.state = "debited"
    if (reservation.closes_account or data.get("closes_account")) and account.balance == 0 and account.reserved == 0:
        change_status(state_of(account), AccountStatus.CLOSED)
        change_account_status(session, account, AccountStatus.CLOSED, on)
    return reservation


def release_for_application(session: Session, data: dict) -> Reservation:
    """Give the reserved money back (the payment failed); a second release is a no-op."""
    reservation = _reservation(session, data["application_id"])
    if reservation is None:
        raise NotYetReserved(f"no reservation yet for application {data['application_id']}")
    if reservation.state != "reserved":
        return reservation
    account = lock_account(session, reservation.account_no)
    account.reserved = release(state_of(account), reservation.amount).reserved
    reservation.state = "released"
    publish(
        session,
        FUNDS_RELEASED,
        {"application_id": reservation.application_id, "account_no": account.account_no, "amount": reservation.amount},
    )
    return reservation
