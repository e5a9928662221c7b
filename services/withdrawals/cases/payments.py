"""The bank payment of an approved case, made once.

The saga's consumer only *requests* the payment (a `payments` row written in its own transaction, with the
reservation's step). The payment loop (a worker thread, `payment_loop`) makes it outside any transaction:

1. claim: the row becomes `sent` (and due again after `payment_resend_seconds`) and commits *before* the bank is
   asked, so a process killed during or after the call leaves a `sent` payment behind, never a forgotten one;
2. ask the bank with the application number as its idempotency key (no transaction open meanwhile);
3. settle: the bank's answer confirms the payment and moves the case to PAID, or fails it, rejects the case and
   asks accounts to release the money (withdrawals.payment.failed through the outbox), in one transaction.

A `sent` payment found due again (its answer was lost: a crash, a timeout, a failed commit) is asked again with the
same key; the bank pays nothing twice and answers the first result, which is then settled as above. So a payment
is made at most once and the reserved money is always either debited or released.
"""

import logging
import threading
from datetime import timedelta

from prometheus_client import Counter, Gauge
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus import publish
from chassis.db import Database
from services.withdrawals.adapters.bank import DevelopmentBank, PaymentResult, bank_for
from services.withdrawals.cases import applications as cases
from services.withdrawals.domain.workflow import (
    SYSTEM_ACTOR,
    ApplicationState,
    advance,
    reject_for_failed_payment,
)
from services.withdrawals.events import PAYMENT_FAILED
from services.withdrawals.models import Application, Payment

log = logging.getLogger("withdrawals.payments")

REQUESTED, SENT, CONFIRMED, FAILED = "requested", "sent", "confirmed", "failed"
OPEN = (REQUESTED, SENT)

payment_outcomes = Counter(
    "hall_withdrawal_payments_total", "Bank payments asked for, by outcome", ["outcome"]
)  # confirmed | failed | unknown (the bank could not be asked or the answer could not be recorded)
open_payments = Gauge("hall_withdrawal_payments_open", "Payments requested or sent, not yet answered")
oldest_open_payment = Gauge(
    "hall_withdrawal_payment_oldest_open_seconds", "Age of the oldest payment not yet answered (0: none)"
)

_wakeups: list[threading.Event] = []


def request(session: Session, case: Application) -> None:
    """Within the saga's transaction: the case's payment is to be made (once the transaction commits)."""
    now = clock.now()
    session.add(
        Payment(
            application_id=case.id,
            idempotency_key=case.application_no,
            amount=case.amount,
            state=REQUESTED,
            attempts=0,
            due_at=now,
            requested_at=now,
        )
    )
    event.listen(session, "after_commit", lambda _session: wake(), once=True)


def wake() -> None:
    for wakeup in list(_wakeups):
        wakeup.set()


def pay_due(db: Database, config, bank: DevelopmentBank, batch: int = 20) -> int:
    """Ask the bank for every payment due now and settle its answers; answers how many were asked."""
    asked = 0
    while True:
        claimed = _claim(db, config, batch)
        for application_id, key, card, amount in claimed:
            try:
                result = bank.pay(card, amount, key)
            except Exception:
                payment_outcomes.labels("unknown").inc()
                log.exception("bank payment %s: no answer, asked again later", key)
                continue
            try:
                settle(db, application_id, result)
            except Exception:
                payment_outcomes.labels("unknown").inc()
                log.exception("bank payment %s: answer not recorded, asked again later", key)
                continue
            payment_outcomes.labels(CONFIRMED if result.paid else FAILED).inc()
        asked += len(claimed)
        if len(claimed) < batch:
            _measure(db)
            return asked


def _claim(db: Database, config, batch: int) -> list[tuple]:
    """Mark due payments `sent` and commit before any is asked for: from here a crash leaves them due again."""
    now = clock.now()
    with db.transaction() as session:
        rows = session.execute(
            select(Payment, Application.bank_card)
            .join(Application, Application.id == Payment.application_id)
            .where(Payment.state.in_(OPEN), Payment.due_at <= now)
            .order_by(Payment.due_at)
            .limit(batch)
            .with_for_update(skip_locked=True, of=Payment)
        ).all()
        claimed = []
        for payment, card in rows:
            payment.state, payment.sent_at = SENT, now
            payment.attempts += 1
            payment.due_at = now + timedelta(seconds=config.payment_resend_seconds)
            claimed.append((payment.application_id, payment.idempotency_key, card, payment.amount))
        return claimed


def settle(db: Database, application_id: str, result: PaymentResult) -> None:
    """The bank's answer, recorded once: the payment confirmed and the case paid, or both failed and the money
    released. An answer for a payment already settled (a second sender) changes nothing."""
    with db.transaction() as session:
        payment = session.get(Payment, application_id, with_for_update=True)
        if payment is None or payment.state != SENT:
            return
        case = session.get(Application, application_id, with_for_update=True)
        payment.finished_at = clock.now()
        if result.paid:
            payment.state, payment.bank_reference = CONFIRMED, result.reference
            if case.state == ApplicationState.APPROVED:
                case.payment_reference = result.reference
                cases.record(session, case, advance(case.state, to=ApplicationState.PAID, by=SYSTEM_ACTOR))
            return
        payment.state, payment.failure = FAILED, result.failure
        if case.state == ApplicationState.APPROVED:
            cases.record(session, case, reject_for_failed_payment(case.state, result.failure))
        publish(session, PAYMENT_FAILED, release_payload(case, result.failure))


def _measure(db: Database) -> None:
    with db.read() as connection:
        count, oldest = connection.execute(
            select(func.count(), func.min(Payment.requested_at)).where(Payment.state.in_(OPEN))
        ).one()
    open_payments.set(count)
    oldest_open_payment.set((clock.now() - clock.to_utc(oldest)).total_seconds() if oldest else 0)


def release_payload(case: Application, why: str) -> dict:
    return {
        "application_id": case.id,
        "account_no": case.account_no,
        "id_number": case.id_number,
        "amount": case.amount,
        "reason": why,
    }


def payment_loop(runtime, stop: threading.Event) -> None:
    """The worker's (and the embedded hall's) background loop: pays what is due, woken at once for new payments."""
    config = runtime.config
    bank = bank_for(config)
    wakeup = threading.Event()
    _wakeups.append(wakeup)
    try:
        while not stop.is_set():
            wakeup.clear()
            try:
                pay_due(runtime.db, config, bank)
            except Exception:
                log.exception("payment pass failed")
            wakeup.wait(config.payment_poll_seconds)
    finally:
        _wakeups.remove(wakeup)
        bank.close()
