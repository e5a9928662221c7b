"""The relay on PostgreSQL: woken by NOTIFY from the committing transaction instead of polling, and with several
relays running the events of each aggregate still go out in the order they were written."""

import contextlib
import dataclasses
import threading
import uuid

import pytest
from kombu import Consumer, Queue

from chassis.bus import publish
from chassis.bus.broker import connect
from chassis.bus.relay import OutboxRelay
from chassis.bus.topology import events_exchange
from chassis.metrics import relay_wakeups
from chassis.testing import wait_until
from tests.chassis.probe import BUMPED, build_probe, config_from, create_tables


@pytest.fixture
def real_probe(rabbit_vhost, postgres_databases, unique_exchange):
    service = build_probe(f"probe{uuid.uuid4().hex[:6]}")
    config = config_from(
        {
            "broker_url": rabbit_vhost.url,
            "database_url": postgres_databases.create("svc"),
            "exchange": unique_exchange,
            # a poll this slow cannot be what delivers within the test's seconds
            "relay_safety_poll_seconds": 60.0,
            "relay_batch_size": 3,
        }
    )
    runtime = service.runtime(config)
    create_tables(runtime)
    yield runtime
    runtime.stop()


class Received:
    """A plain queue bound to every bumped event: what the broker got, in its order."""

    def __init__(self, config):
        self.connection = connect(config)
        exchange = events_exchange(config.exchange)
        self.queue = Queue(f"order-{uuid.uuid4().hex[:6]}", exchange=exchange, routing_key=BUMPED)
        self.bodies: list[dict] = []
        self.consumer = Consumer(
            self.connection.channel(), queues=[self.queue], callbacks=[self._on], accept=["json", "application/json"]
        )
        self.consumer.consume()

    def _on(self, body, message) -> None:
        self.bodies.append(body if isinstance(body, dict) else message.decode())
        message.ack()

    def _drain(self) -> None:
        with contextlib.suppress(TimeoutError):
            self.connection.drain_events(timeout=0.2)

    def has(self, key: str) -> bool:
        self._drain()
        return any(body["data"]["key"] == key for body in self.bodies)

    def drain_until(self, count: int, timeout: float = 20) -> list[dict]:
        def enough():
            self._drain()
            return len(self.bodies) >= count

        wait_until(enough, timeout=timeout, interval=0, what=f"{count} events at the broker")
        return self.bodies

    def close(self) -> None:
        self.consumer.cancel()  # first: deleting the queue under it would cancel it from the broker's side
        self.queue(self.connection.default_channel).delete()
        self.connection.release()


def _run(relay: OutboxRelay, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    thread.start()
    return thread


def test_a_commit_wakes_the_sleeping_relay_by_notify(real_probe):
    received = Received(real_probe.config)
    relay, stop = OutboxRelay(real_probe.db, real_probe.config), threading.Event()
    thread = _run(relay, stop)
    try:
        wait_until(lambda: relay.listener.connection is not None, what="the relay listening")
        notified = relay_wakeups.labels("probe", "notified")._value.get()
        polled = relay_wakeups.labels("probe", "poll")._value.get()
        # the relay looked once, found nothing, and now sleeps for up to a minute unless notified
        for key in ("n1", "n2"):
            with real_probe.db.transaction() as session:
                publish(session, BUMPED, {"key": key})
            wait_until(lambda k=key: received.has(k), timeout=5, what=f"{key} published well before the safety poll")
        assert relay_wakeups.labels("probe", "notified")._value.get() >= notified + 2
        assert relay_wakeups.labels("probe", "poll")._value.get() == polled
    finally:
        stop.set()
        thread.join(5)
        received.close()


def test_several_relays_keep_the_order_of_each_aggregate(real_probe):
    received = Received(real_probe.config)
    stop = threading.Event()
    relays = [OutboxRelay(real_probe.db, dataclasses.replace(real_probe.config)) for _ in range(3)]
    threads = [_run(relay, stop) for relay in relays]
    aggregates, per_aggregate = [f"agg{n}" for n in range(4)], 30

    def write(aggregate: str) -> None:
        # one aggregate's changes follow one another (in the services a row lock orders them)
        for seq in range(per_aggregate):
            with real_probe.db.transaction() as session:
                publish(session, BUMPED, {"key": f"{aggregate}:{seq}"})

    writers = [threading.Thread(target=write, args=(aggregate,)) for aggregate in aggregates]
    try:
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        bodies = received.drain_until(len(aggregates) * per_aggregate)
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        received.close()
    seen: dict[str, list[int]] = {aggregate: [] for aggregate in aggregates}
    for body in bodies:
        aggregate, seq = body["data"]["key"].split(":")
        seen[aggregate].append(int(seq))
    assert seen == {aggregate: list(range(per_aggregate)) for aggregate in aggregates}
