"""The outbox relay: claims unsent rows in batches, publishes them with publisher confirms, marks them sent.

A relay that dies after publishing but before marking publishes the batch again; consumers' inboxes absorb
the duplicates.

On PostgreSQL the relay sleeps until woken: every transaction that writes the outbox also sends
`NOTIFY hall_outbox` (chassis.bus.outbox), delivered when it commits, so a relay in any process hears of it at once;
a slow safety poll (`relay_safety_poll_seconds`) covers a lost listening connection. Several relays may run (one
per worker pod): a batch is published under a transaction-level advisory lock, so one relay publishes at a time and
the events of any one aggregate go out in the order they were written; the others are hot standbys.
"""

import contextlib
import json
import logging
import threading
import time

import amqp
import psycopg
from kombu import Connection, Producer
from sqlalchemy import func, select, text, update

from chassis import clock, metrics, tracing
from chassis.bus.broker import broker_errors, connect
from chassis.bus.outbox import NOTIFY_CHANNEL, envelopes_of, on_outbox_commit
from chassis.bus.tables import outbox
from chassis.bus.topology import events_exchange
from chassis.config import ServiceConfig
from chassis.db import Database

log = logging.getLogger("chassis.relay")

# pg_try_advisory_xact_lock key of "the relay publishing now" (any fixed 64-bit number; one per database)
RELAY_LOCK_KEY = 0x68616C6C5F6F7574  # "hall_out"


class PublishFailed(Exception):
    pass


class AmqpBatchPublisher:
    """Publishes a batch without waiting message by message, then waits once for all the broker's confirms."""

    def __init__(self, config: ServiceConfig, confirm_timeout: float = 10.0):
        self.config = config
        self.confirm_timeout = confirm_timeout
        self.connection: Connection | None = None

    def _open(self) -> None:
        self.connection = connect(self.config)
        self.connection.ensure_connection(max_retries=1)
        self.channel = self.connection.channel()
        events_exchange(self.config.exchange)(self.channel).declare()
        self.channel.confirm_select()
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)
        self._next_tag = 1
        self._unconfirmed: set[int] = set()
        self._nacked: set[int] = set()
        self._returned: list[str] = []

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        for tag in self._settle(delivery_tag, multiple):
            self._nacked.add(tag)

    def _settle(self, delivery_tag: int, multiple: bool) -> list[int]:
        tags = [t for t in self._unconfirmed if t <= delivery_tag] if multiple else [delivery_tag]
        self._unconfirmed.difference_update(tags)
        return tags

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        self._returned.append(routing_key)

    def publish(self, rows: list) -> list[str]:
        """Publish and confirm every row; returns the routing keys the broker could route nowhere."""
        if self.connection is None:
            self._open()
        self._nacked.clear()
        self._returned = []
        published = 0
        for row in rows:
            for text_ in envelopes_of(row.envelope):
                envelope = json.loads(text_)
                message = amqp.Message(
                    text_.encode(),
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=envelope.get("id", row.message_id),
                    type=row.type,
                    correlation_id=envelope.get("correlation_id"),
                    application_headers={"x-source": envelope.get("source", "")},
                )
                self._unconfirmed.add(self._next_tag)
                self._next_tag += 1
                self.channel.basic_publish(message, exchange=self.config.exchange, routing_key=row.type, mandatory=True)
                published += 1
        # a row may carry many envelopes (envelopes_of): allow time in proportion
        deadline = time.monotonic() + self.confirm_timeout + published / 1000
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishFailed(f"{len(self._unconfirmed)} messages not confirmed in time")
            self.connection.drain_events(timeout=remaining)
        if self._nacked:
            raise PublishFailed(f"broker refused {len(self._nacked)} messages")
        return self._returned

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.release()
        self.connection = None


class MemoryPublisher:
    """The embedded mode's bus: kombu's in-process transport has no confirms to wait for."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.connection: Connection | None = None

    def publish(self, rows: list) -> list[str]:
        if self.connection is None:
            self.connection = connect(self.config)
            self.producer = Producer(self.connection.channel(), exchange=events_exchange(self.config.exchange))
            self.producer.exchange.declare()
        for row in rows:
            for text_ in envelopes_of(row.envelope):
                self.producer.publish(
                    text_.encode(),
                    routing_key=row.type,
                    content_type="application/json",
                    content_encoding="utf-8",
                    delivery_mode=2,
                    message_id=json.loads(text_).get("id", row.message_id) if "\n" in row.envelope else row.message_id,
                    type=row.type,
                )
        return []

    def close(self) -> None:
        if self.connection is not None:
            self.connection.release()
        self.connection = None


class OutboxListener:
    """A connection of its own that LISTENs on the outbox channel; `wait` returns once a notification came or
    `timeout` passed. It reconnects by itself; while it cannot, `wait` just sleeps (the safety poll)."""

    def __init__(self, db: Database):
        self.conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.connection: psycopg.Connection | None = None

    def _listen(self) -> psycopg.Connection:
        if self.connection is None or self.connection.closed:
            self.connection = tracing.instrument_psycopg(
                psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            )
            self.connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return self.connection

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """True if woken by a notification (every one that queued up is taken), False after `timeout`."""
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                connection = self._listen()
                # wake at least twice a second to see `stop`
                woken = any(True for _ in connection.notifies(timeout=min(remaining, 0.5), stop_after=1))
                if woken:
                    for _ in connection.notifies(timeout=0):
                        pass
                    return True
            except psycopg.Error as error:
                log.warning("relay lost its LISTEN connection, polling until it is back: %s", error)
                self.close()
                stop.wait(min(remaining, 1.0))
        return False

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


class OutboxRelay:
    def __init__(self, db: Database, config: ServiceConfig):
        self.db = db
        self.config = config
        self.publisher = MemoryPublisher(config) if config.uses_memory_bus else AmqpBatchPublisher(config)
        self._wake = threading.Event()
        self.listener = OutboxListener(db) if db.is_postgres else None
        if self.listener is None:
            on_outbox_commit(self.wake)  # SQLite: every writer is in this process

    def wake(self) -> None:
        """Look at the outbox now, not at the next poll (a commit wrote to it; the process is stopping)."""
        self._wake.set()

    def run_once(self) -> int:
        """Publish one batch of unsent events; returns how many were sent (0 also when another relay is
        publishing: it holds the lock and will take them)."""
        with self.db.transaction() as session:
            if self.db.is_postgres and not session.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RELAY_LOCK_KEY}
            ):
                metrics.relay_standby.labels(self.config.service).inc()
                return 0
            query = select(outbox.c.id, outbox.c.message_id, outbox.c.type, outbox.c.envelope).where(
                outbox.c.sent_at.is_(None)
            )
            query = query.order_by(outbox.c.id).limit(self.config.relay_batch_size)
            rows = session.execute(query).all()
            if not rows:
                self._observe_backlog(session, full=False)
                return 0
            unroutable = self.publisher.publish(rows)
            session.execute(update(outbox).where(outbox.c.id.in_([row.id for row in rows])).values(sent_at=clock.now()))
            self._observe_backlog(session, full=len(rows) >= self.config.relay_batch_size)
        for row in rows:
            metrics.events_published.labels(self.config.service, row.type).inc(row.envelope.count("\n") + 1)
        for routing_key in unroutable:
            metrics.events_unroutable.labels(self.config.service, routing_key).inc()
            log.info("no queue is bound for %s: nobody subscribes to it", routing_key)
        return len(rows)

    def _observe_backlog(self, session, full: bool) -> None:
        """Unsent rows left after this batch and the age of the oldest: counted only after a full batch (the
        partial index keeps that cheap), since a batch that was not full took everything there was."""
        backlog, oldest = 0, None
        if full:
            backlog, oldest = session.execute(
                select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
            ).one()
        metrics.outbox_backlog.labels(self.config.service).set(backlog)
        age = (clock.now() - clock.to_utc(oldest)).total_seconds() if oldest is not None else 0.0
        metrics.outbox_oldest_unsent_seconds.labels(self.config.service).set(max(age, 0.0))

    @property
    def poll_seconds(self) -> float:
        if self.listener is not None:
            # woken by NOTIFY: the poll is only a safety net for a lost listening connection
            return self.config.relay_safety_poll_seconds
        # SQLite is the embedded mode: every writer shares this process and wakes the relay on commit, so
        # polling is only a safety net (and each poll would take SQLite's single write lock)
        return max(self.config.relay_poll_seconds, 1.0)

    def _sleep(self, stop: threading.Event) -> None:
        if self.listener is not None:
            woken = self.listener.wait(self.poll_seconds, stop)
        else:
            woken = self._wake.wait(self.poll_seconds)
            self._wake.clear()
        metrics.relay_wakeups.labels(self.config.service, "notified" if woken else "poll").inc()

    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        if self.listener is not None:
            self.listener.wait(0, stop)  # LISTEN before the first look, so no commit after it goes unheard
        while not stop.is_set():
            try:
                sent = self.run_once()
                backoff = 0.5
            except Exception as error:
                metrics.relay_errors.labels(self.config.service).inc()
                log.warning("relay batch failed, will retry: %s", type(error).__name__ + ": " + str(error))
                self.publisher.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            if sent < self.config.relay_batch_size:
                self._sleep(stop)
        self.publisher.close()
        if self.listener is not None:
            self.listener.close()


__all__ = ["OutboxRelay", "PublishFailed", "broker_errors"]
