"""Scrape the hall and find every metric docs/metrics.md documents: embedded (memory bus, SQLite) and real
(RabbitMQ, PostgreSQL). The state gauges (outbox, queues, sagas, pools) must carry values for every service."""

import re

import pytest

from chassis import metrics
from chassis.metrics import render_metrics
from services.registry import NAMES
from tests.observability.catalogue import hall_metrics

SAGAS = {
    ("withdrawals", "withdrawal_payment"),
    ("loans", "loan_bank_steps"),
    ("loans", "fund_deduction"),
    ("loans", "entrusted_withdrawal"),
    ("notifications", "sms_delivery"),
}


def _families(text: str) -> dict[str, str]:
    found = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE))
    return {name: kind for name, kind in found.items() if not name.endswith("_created")}  # the client's own


def _samples(text: str, name: str) -> list[str]:
    return re.findall(rf"^{name}\{{([^}}]*)\}} \S+$", text, re.MULTILINE)


@pytest.fixture
def only_this_halls_state(monkeypatch):
    """The state gauges of this test's hall alone: a runtime an earlier test in this process built and never stopped
    still has its pool registered in the process-wide registry."""
    monkeypatch.setattr(metrics, "_state_collectors", {})


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_every_documented_metric_is_on_metrics(only_this_halls_state, start_hall, mode):
    hall = start_hall(list(NAMES), mode=mode)
    identity = hall.client("identity")
    identity.post("/api/v1/identity/sessions", json={"username": "nobody", "password": "Wrong12345", "center": "yc"})
    reply = hall.client("loans").get("/metrics")
    assert reply.status_code == 200
    text = reply.get_data(as_text=True)
    families = _families(text)
    missing = {name for name in hall_metrics() if name not in families}
    assert not missing, f"documented in docs/metrics.md but not on /metrics ({mode}): {sorted(missing)}"
    for name, kind in hall_metrics().items():
        assert families[name] == kind, (name, families[name], kind)
    # nothing named hall_* that the documentation does not list
    undocumented = {name for name in families if name.startswith("hall_")} - set(hall_metrics())
    assert not undocumented, f"on /metrics but not in docs/metrics.md: {sorted(undocumented)}"
    assert not re.search(r'^hall_\w+\{[^}]*\bservice="', text, re.MULTILINE), "a `service` label collides"

    for name in ("hall_outbox_unsent", "hall_outbox_oldest_unsent_age_seconds"):
        services = {re.search(r'hall_service="(\w+)"', labels).group(1) for labels in _samples(text, name)}
        assert services == set(NAMES), (name, services)
    queues = {re.search(r'queue="([^"]+)"', labels).group(1) for labels in _samples(text, "hall_queue_parked_messages")}
    assert queues == {
        subscription.queue for runtime in hall.runtimes.values() for subscription in runtime.subscriptions
    }
    assert len(_samples(text, "hall_queue_ready_messages")) == len(queues)
    sagas = {
        tuple(re.search(rf'{key}="([^"]+)"', labels).group(1) for key in ("hall_service", "saga"))
        for labels in _samples(text, "hall_saga_oldest_waiting_age_seconds")
    }
    assert sagas == SAGAS
    pools = {labels for labels in _samples(text, "hall_db_pool_max_connections")}
    expected_pools = 2 if mode == "real" else 1  # PostgreSQL: a write and an autocommit read pool per service
    assert len(pools) == expected_pools * len(NAMES), pools
    assert re.search(r'^hall_logins_total\{kind="depositor",result="bad_password"\} [1-9]', text, re.MULTILINE)


def test_an_unsent_row_shows_at_once(start_hall):
    """The gauges read the state on scrape: with the relay stopped, an outbox row is counted and aged."""
    from datetime import timedelta

    from sqlalchemy import insert

    from chassis import clock, metrics
    from chassis.bus.tables import outbox

    hall = start_hall(["accounts"], mode="embedded")
    runtime = hall.runtime("accounts")
    runtime.stop_event.set()  # the relay stops (its collector stays registered until stop())
    for thread in runtime.threads:
        thread.join(5)
    with runtime.db.transaction() as session:
        session.execute(
            insert(outbox).values(
                message_id="00000000-0000-0000-0000-00000000dead",
                type="accounts.nothing",
                envelope="{}",
                created_at=clock.now() - timedelta(minutes=10),
            )
        )
    for collector in list(metrics._state_collectors.values()):
        collector.ttl_seconds = 0
    text = render_metrics()[0].decode()
    age = re.search(r'^hall_outbox_oldest_unsent_age_seconds\{hall_service="accounts"\} (\S+)$', text, re.MULTILINE)
    assert age and float(age.group(1)) >= 600, text[:2000]
    assert re.search(r'^hall_outbox_unsent\{hall_service="accounts"\} [1-9]', text, re.MULTILINE)
