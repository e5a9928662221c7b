"""Each payment happens once: the bank is asked outside any transaction, with the application number as its
idempotency key, and a payment whose answer was lost (a crash after the bank paid, before the commit) is asked
again and settled from the bank's original answer. The development bank's ledger records every payment by key."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from chassis.testing import wait_until
from services.accounts.events import FUNDS_RESERVED
from services.withdrawals.adapters.bank import DevelopmentBank
from services.withdrawals.cases import payments
from services.withdrawals.models import Payment
from tests.withdrawals.conftest import FAILING_CARD, ZHANG_CARD, WithdrawalsDesk, rent_body

ACCOUNT = "640100000001"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def paying_desk(start_hall, test_tokens, tmp_path):
    ledger = str(tmp_path / "bank.sqlite")

    def start(mode: str) -> tuple[WithdrawalsDesk, DevelopmentBank]:
        settings = {"withdrawals": {"bank_ledger_path": ledger, "payment_resend_seconds": 0.5}}
        hall = start_hall(["withdrawals"], mode=mode, settings=settings)
        return WithdrawalsDesk(hall, test_tokens), DevelopmentBank(ledger_path=ledger)

    return start


@pytest.fixture
def crash_after_the_bank_answers(monkeypatch):
    """The first answer of the bank is lost: the process 'dies' after the bank paid, before the commit."""
    real_settle, crashes = payments.settle, []

    def settle(db, application_id, result):
        if not crashes:
            crashes.append(result)
            raise RuntimeError("simulated crash between the bank's payment and the commit")
        real_settle(db, application_id, result)

    monkeypatch.setattr(payments, "settle", settle)
    return crashes


def _approved_and_reserved(desk: WithdrawalsDesk, card: str) -> dict:
    desk.register(ACCOUNT)
    response = desk.submit(ACCOUNT, rent_body(card=card))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    desk.approve(case["id"])
    desk.feed(
        FUNDS_RESERVED,
        {
            "application_id": case["id"],
            "account_no": ACCOUNT,
            "amount": Decimal(case["amount"]),
            "available": Decimal("44600.00"),
        },
    )
    return case


def _payment(desk: WithdrawalsDesk, case_id: str) -> Payment:
    with desk.runtime.db.transaction() as session:
        payment = session.scalars(select(Payment).where(Payment.application_id == case_id)).one()
        session.expunge(payment)
        return payment


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_crash_after_the_bank_paid_never_pays_twice(paying_desk, crash_after_the_bank_answers, mode):
    desk, bank = paying_desk(mode)
    case = _approved_and_reserved(desk, ZHANG_CARD)
    wait_until(lambda: desk.case(ACCOUNT, case["id"])["status"] == "paid", what="the case paid after the crash")

    assert len(crash_after_the_bank_answers) == 1 and crash_after_the_bank_answers[0].paid
    [paid] = bank.payments()
    assert paid["key"] == case["application_no"] and paid["paid"] == 1 and paid["amount"] == "5400.00"
    assert paid["requests"] == 2  # asked again with the same key, paid once
    payment = _payment(desk, case["id"])
    assert payment.state == "confirmed" and payment.attempts == 2
    assert payment.bank_reference == paid["reference"] == crash_after_the_bank_answers[0].reference
    assert len(desk.sent("withdrawals.application.paid")) == 1
    assert desk.sent("withdrawals.payment.failed") == []


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_crash_after_the_bank_refused_releases_the_money_once(paying_desk, crash_after_the_bank_answers, mode):
    desk, bank = paying_desk(mode)
    case = _approved_and_reserved(desk, FAILING_CARD)
    wait_until(lambda: desk.case(ACCOUNT, case["id"])["status"] == "rejected", what="the case rejected")

    [refused] = bank.payments()
    assert refused["paid"] == 0 and refused["requests"] == 2
    assert _payment(desk, case["id"]).state == "failed"
    released = [json.loads(body)["data"] for body in desk.sent("withdrawals.payment.failed")]
    assert [(item["application_id"], item["amount"]) for item in released] == [(case["id"], "5400.00")]


def test_a_redelivered_reservation_requests_no_second_payment(paying_desk):
    desk, bank = paying_desk("embedded")
    case = _approved_and_reserved(desk, ZHANG_CARD)
    wait_until(lambda: desk.case(ACCOUNT, case["id"])["status"] == "paid", what="the case paid")
    desk.feed(
        FUNDS_RESERVED,
        {"application_id": case["id"], "account_no": ACCOUNT, "amount": Decimal("5400.00"), "available": Decimal(0)},
    )
    wait_until(lambda: desk.runtime.wait_for_outbox_sent(1), what="the redelivery sent")
    wait_until(lambda: _inbox_count(desk) >= 13 + 2, what="the redelivered reservation handled")
    assert [row["requests"] for row in bank.payments()] == [1]
    assert _payment(desk, case["id"]).attempts == 1


def _inbox_count(desk) -> int:
    from sqlalchemy import func

    from chassis.bus.tables import inbox

    with desk.runtime.db.read() as connection:
        return connection.scalar(select(func.count()).select_from(inbox))


def _worker_env(config, **settings) -> dict:
    """The hall's withdrawals settings as a worker process reads them from its environment."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WITHDRAWALS_", "HALL_"))}
    # the same clock as this process (a moved one in the staging pass of make test) and the same workstation switch
    for key in ("HALL_CLOCK_SHIFT", "HALL_STAGING_RUN", "HALL_WORKSTATION"):
        if key in os.environ:
            env[key] = os.environ[key]
    for item in dataclasses.fields(config):
        value = settings.get(item.name, getattr(config, item.name))
        if isinstance(value, bool):
            env[f"WITHDRAWALS_{item.name.upper()}"] = "true" if value else "false"
        elif isinstance(value, str | int | float) and item.name != "service":
            env[f"WITHDRAWALS_{item.name.upper()}"] = str(value)
    return env


def _payment_worker(config, **settings) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "services.withdrawals.app", "worker", "--health-port", "0"],
        env=_worker_env(config, **settings),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_after_the_bank_paid_never_pays_twice(paying_desk, monkeypatch):
    """kill -9 of the worker process while the bank's answer is on its way (paid, nothing committed yet); the next
    worker asks again with the same key and the case is paid once, on RabbitMQ + PostgreSQL."""
    monkeypatch.setattr(payments, "pay_due", lambda *_args, **_kwargs: 0)  # this process's hall never pays
    desk, bank = paying_desk("real")
    config = desk.runtime.config
    case = _approved_and_reserved(desk, ZHANG_CARD)
    wait_until(lambda: _payment_or_none(desk, case["id"]), timeout=20, what="the payment requested")

    slow = _payment_worker(config, bank_answer_delay_seconds=60, payment_resend_seconds=2)
    try:
        wait_until(lambda: bank.payments(), timeout=60, interval=0.2, what="the bank paid (its answer delayed)")
        assert _payment(desk, case["id"]).state == "sent"
        os.kill(slow.pid, signal.SIGKILL)
        slow.wait(10)
    finally:
        if slow.poll() is None:
            slow.kill()
    assert desk.case(ACCOUNT, case["id"])["status"] == "approved"  # paid at the bank, not yet known here

    again = _payment_worker(config, payment_resend_seconds=2)
    try:
        wait_until(
            lambda: desk.case(ACCOUNT, case["id"])["status"] == "paid", timeout=60, what="the next worker settles it"
        )
    finally:
        again.terminate()
        again.wait(20)
    [paid] = bank.payments()
    assert paid["key"] == case["application_no"] and paid["paid"] == 1 and paid["requests"] == 2
    assert _payment(desk, case["id"]).bank_reference == paid["reference"]
    wait_until(lambda: len(desk.sent("withdrawals.application.paid")) == 1, what="one paid event")


def _payment_or_none(desk, case_id: str):
    with desk.runtime.db.read() as connection:
        return connection.execute(select(Payment.state).where(Payment.application_id == case_id)).first()
