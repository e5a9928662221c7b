"""An absent database is not the handler's failure: the consumer holds its messages and waits, spending none of
their attempts; parked messages whose error is known to pass are re-driven by policy, a bounded number of times."""

import threading
import time
import uuid

import pytest
from sqlalchemy import exc

from chassis import metrics
from chassis.bus import parking
from chassis.bus.broker import connect
from chassis.bus.infrastructure import is_database_failure, is_known_transient
from chassis.config import ServiceConfig
from chassis.testing import wait_until
from tests.chassis.probe import FailurePlan, build_probe, bump, config_from, create_tables, tallies


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


def _operational(message: str, sqlstate: str | None = None, invalidated: bool = False) -> exc.OperationalError:
    return exc.OperationalError("COMMIT", {}, _DriverError(message, sqlstate), connection_invalidated=invalidated)


def _never_asked() -> bool:
    raise AssertionError("the database need not be asked: the error says it all")


def test_a_lost_connection_or_a_server_shutting_down_is_the_databases_failure_without_asking_it():
    assert is_database_failure(_operational("terminating connection", sqlstate="57P01"), _never_asked)
    assert is_database_failure(_operational("connection refused", sqlstate="08006"), _never_asked)
    assert is_database_failure(_operational("server closed the connection", invalidated=True), _never_asked)
    assert is_database_failure(exc.TimeoutError("QueuePool limit reached"), _never_asked)


def test_an_operational_error_counts_against_the_handler_only_while_the_database_answers():
    deadlock = _operational("deadlock detected", sqlstate="40P01")
    assert not is_database_failure(deadlock, lambda: True)  # retried and parked like any handler failure
    assert is_database_failure(_operational("commit failed: no connection"), lambda: False)


def test_the_handlers_own_errors_are_never_infrastructure():
    assert not is_database_failure(RuntimeError("bug"), _never_asked)
    assert not is_database_failure(exc.IntegrityError("INSERT", {}, _DriverError("duplicate key")), _never_asked)


def test_known_transient_errors_are_named_by_their_class():
    assert is_known_transient("OperationalError: (psycopg.OperationalError) connection failed")
    assert is_known_transient("TimeoutError: QueuePool limit of size 5 overflow 5 reached")
    assert not is_known_transient("RuntimeError: planned failure for bug")
    assert not is_known_transient("ValidationError: {'key': ['Missing data']}")


def _handled(queue: str, outcome: str) -> float:
    return metrics.events_handled.labels(queue, outcome)._value.get()


def _ready_messages(config: ServiceConfig, queue: str) -> int:
    with connect(config) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count


@pytest.mark.real
def test_a_consumer_whose_database_stops_mid_stream_waits_parks_nothing_and_applies_everything_once(
    own_postgres, rabbit_vhost, postgres_databases, unique_exchange
):
    consumer_name = f"probe{uuid.uuid4().hex[:6]}"
    shared = {
        "service": "probe",
        "broker_url": rabbit_vhost.url,
        "exchange": unique_exchange,
        "embedded": False,
        "retry_base_seconds": 0.2,
        "max_attempts": 3,
        "heartbeat_seconds": 10,
        "infrastructure_backoff_max_seconds": 2.0,
    }
    # the events come from a service whose database stays up; the consumer's own database is the one that stops
    publisher = build_probe(consumer_name).runtime(
        ServiceConfig(database_url=postgres_databases.create("publisher"), **shared)
    )
    consumer = build_probe(consumer_name).runtime(ServiceConfig(database_url=own_postgres.database("probe"), **shared))
    create_tables(publisher)
    create_tables(consumer)
    consumer.start_workers(relay=False)
    publisher.start_workers(consumers=False)
    queue = consumer.consumer.subscriptions[0].queue
    looks_before = metrics.consumer_infrastructure_retries.labels("probe")._value.get()
    total, sent = 300, []

    def produce() -> None:
        for index in range(total):
            bump(publisher, f"m{index}")
            sent.append(index)
            time.sleep(0.04)

    producer = threading.Thread(target=produce)
    try:
        producer.start()
        wait_until(lambda: len(tallies(consumer)) >= 40, timeout=30, what="messages flowing before the outage")
        own_postgres.stop()
        wait_until(consumer.consumer.waiting_for_infrastructure.is_set, timeout=20, what="the consumer to wait")
        assert metrics.consumer_waiting_for_infrastructure.labels("probe")._value.get() == 1
        handled_while_away = _handled(queue, "handled")
        time.sleep(12)  # the database stays away while the stream goes on
        # it took no new deliveries: they wait in the queue, and nothing was settled meanwhile
        assert _ready_messages(consumer.config, queue) > 0
        assert _handled(queue, "handled") == handled_while_away
        own_postgres.start()
        producer.join(60)
        assert len(sent) == total
        wait_until(lambda: len(tallies(consumer)) == total, timeout=60, what="every message applied after the outage")
        time.sleep(0.5)
        counts = tallies(consumer)
    finally:
        producer.join(60)
        consumer.stop()
        publisher.stop()
    assert set(counts.values()) == {1}, "a message was applied twice"
    assert _handled(queue, "parked") == 0
    assert _handled(queue, "retried") == 0, "waiting for the database spent a message's attempt"
    assert parking.list_parked(consumer.config, queue) == []
    assert metrics.consumer_infrastructure_retries.labels("probe")._value.get() > looks_before
    assert metrics.consumer_waiting_for_infrastructure.labels("probe")._value.get() == 0


def _probe_with_policy(bus_backend, every_seconds: float) -> tuple:
    failures = FailurePlan()
    service = build_probe(f"probe{uuid.uuid4().hex[:6]}", failures)
    config = config_from(
        {
            **bus_backend,
            "retry_base_seconds": 0.1,
            "max_attempts": 2,
            "transient_redrive_every_seconds": every_seconds,
            "transient_redrive_limit": 1,
        }
    )
    runtime = service.runtime(config)
    create_tables(runtime)
    return runtime, failures


def _deadlock() -> Exception:
    # a database error while the database answers: the handler's failure, parked after its attempts
    return exc.OperationalError("UPDATE tallies", {}, _DriverError("deadlock detected", "40P01"))


def test_the_worker_redrives_a_message_parked_with_a_known_transient_error_by_itself(bus_backend):
    runtime, failures = _probe_with_policy(bus_backend, every_seconds=0.3)
    # a database error runs the handler twice per attempt (the batch, then its savepoint): 2 attempts, 4 calls
    failures.remaining["blip"] = 4
    failures.raises["blip"] = _deadlock
    try:
        runtime.start_workers()
        queue = runtime.consumer.subscriptions[0].queue
        redriven_before = metrics.parked_redriven.labels(queue)._value.get()
        bump(runtime, "blip")
        wait_until(lambda: tallies(runtime).get("blip") == 1, timeout=30, what="the parked message re-driven")
        assert _handled(queue, "parked") >= 1, "it was parked first"
        assert parking.list_parked(runtime.config, queue) == []
        assert metrics.parked_redriven.labels(queue)._value.get() - redriven_before == 1
    finally:
        runtime.stop()


def test_the_transient_policy_redrives_a_message_a_bounded_number_of_times_and_never_a_handlers_bug(bus_backend):
    runtime, failures = _probe_with_policy(bus_backend, every_seconds=3600)  # rounds by hand below
    failures.remaining.update({"blip-forever": 999, "bug": 999})
    failures.raises["blip-forever"] = _deadlock
    try:
        runtime.start_workers()
        queue = runtime.consumer.subscriptions[0].queue
        redriven_before = metrics.parked_redriven.labels(queue)._value.get()
        bump(runtime, "blip-forever", "bug")

        def parked_now() -> dict[str, int]:
            return {_key(item.body): item.redriven for item in parking.list_parked(runtime.config, queue)}

        wait_until(lambda: set(parked_now()) == {"blip-forever", "bug"}, timeout=30, what="both parked")
        assert parking.redrive_transient(runtime.config, [queue], times=1) == 1
        wait_until(lambda: parked_now() == {"blip-forever": 1, "bug": 0}, timeout=30, what="parked again once")
        # its limit reached, the next rounds leave it for a person, as they leave the bug
        assert parking.redrive_transient(runtime.config, [queue], times=1) == 0
        assert parked_now() == {"blip-forever": 1, "bug": 0}
        assert metrics.parked_redriven.labels(queue)._value.get() - redriven_before == 1
        assert tallies(runtime) == {}
    finally:
        runtime.stop()


def _key(body: bytes) -> str:
    from chassis.bus.envelope import Envelope

    return Envelope.from_json(body).data["key"]
