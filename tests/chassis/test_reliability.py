"""Against the real RabbitMQ and PostgreSQL: killed consumers and a restarted broker lose nothing and apply
nothing twice."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from chassis.config import ServiceConfig
from chassis.testing import wait_until
from tests.chassis.probe import build_probe, bump, create_tables, tallies

REPO = Path(__file__).resolve().parents[2]


def _probe_on(broker_url: str, postgres_databases, exchange: str):
    service = build_probe(f"probe{uuid.uuid4().hex[:6]}")
    config = ServiceConfig(
        service="probe",
        broker_url=broker_url,
        database_url=postgres_databases.create("probe"),
        exchange=exchange,
        embedded=False,
        retry_base_seconds=0.2,
        heartbeat_seconds=10,
    )
    runtime = service.runtime(config)
    create_tables(runtime)
    runtime.declare_topology()
    return runtime


@pytest.fixture
def real_probe(rabbit_vhost, postgres_databases, unique_exchange):
    runtime = _probe_on(rabbit_vhost.url, postgres_databases, unique_exchange)
    yield runtime
    runtime.stop()


@pytest.fixture
def probe_on_own_broker(own_rabbitmq, postgres_databases, unique_exchange):
    """A probe whose broker is a node of this test's own: restarting it stops no one else's tests."""
    runtime = _probe_on(own_rabbitmq.url, postgres_databases, unique_exchange)
    runtime.broker = own_rabbitmq
    yield runtime
    runtime.stop()


def _start_consumer_process(runtime, mode: str, marker: Path) -> subprocess.Popen:
    consumer = runtime.service.subscriptions.consumer
    config = runtime.config
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.chassis.probe",
            consumer,
            config.broker_url,
            config.database_url,
            config.exchange,
            mode,
        ],
        cwd=REPO,
        env={**os.environ, "PROBE_MARKER": str(marker), "PYTHONPATH": str(REPO)},
    )


@pytest.mark.real
def test_a_consumer_killed_in_the_middle_of_a_message_gets_it_again_and_applies_it_once(real_probe, tmp_path):
    marker = tmp_path / "handling"
    process = _start_consumer_process(real_probe, "normal", marker)
    try:
        bump(real_probe, "slow-1")
        real_probe.start_workers(consumers=False)
        wait_until(marker.exists, timeout=60, what="the child to start handling the message")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    assert tallies(real_probe) == {}  # its transaction died with it
    # a fresh consumer (without the slow path) receives the unacknowledged message again
    real_probe.service = build_probe(real_probe.service.subscriptions.consumer)
    real_probe.start_workers(relay=False)
    wait_until(lambda: tallies(real_probe).get("slow-1") == 1, timeout=60, what="redelivery handled")
    time.sleep(0.5)
    assert tallies(real_probe) == {"slow-1": 1}


@pytest.mark.real
def test_a_consumer_killed_after_commit_but_before_ack_does_not_apply_the_message_twice(real_probe, tmp_path):
    marker = tmp_path / "committed"
    process = _start_consumer_process(real_probe, "die-before-ack", marker)
    bump(real_probe, "k1")
    real_probe.start_workers(consumers=False)
    assert process.wait(30) == 3, "the child should have died right after committing"
    assert marker.read_text() == "committed"
    assert tallies(real_probe) == {"k1": 1}
    real_probe.start_workers(relay=False)  # gets the unacknowledged message again
    from chassis.metrics import events_handled

    queue = real_probe.service.subscriptions.items[0].queue
    wait_until(
        lambda: events_handled.labels(queue, "duplicate")._value.get() >= 1,
        timeout=60,
        what="the redelivered copy to be skipped by the inbox",
    )
    assert tallies(real_probe) == {"k1": 1}


@pytest.mark.real
@pytest.mark.slow(seconds=25)
def test_rabbitmq_restarted_under_load_loses_nothing_and_applies_nothing_twice(probe_on_own_broker):
    probe_on_own_broker.start_workers()
    total, sent = 600, []
    stop = threading.Event()

    def produce() -> None:
        for index in range(total):
            if stop.is_set():
                return
            key = f"e{index}"
            bump(probe_on_own_broker, key)
            sent.append(key)
            time.sleep(0.005)

    producer = threading.Thread(target=produce)
    producer.start()
    wait_until(lambda: len(tallies(probe_on_own_broker)) >= 50, timeout=30, what="traffic flowing before the restart")
    probe_on_own_broker.broker.ctl("stop_app")
    time.sleep(1.0)
    probe_on_own_broker.broker.ctl("start_app")
    producer.join(120)
    assert len(sent) == total
    wait_until(
        lambda: len(tallies(probe_on_own_broker)) == total, timeout=90, what="every event handled after the restart"
    )
    counts = tallies(probe_on_own_broker)
    assert set(counts) == set(sent)
    assert set(counts.values()) == {1}, "an event was applied twice"
