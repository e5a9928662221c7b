"""The outbox relay: claims unsent rows in batches, publishes them with publisher confirms, marks them sent.

A relay that dies after publishing but before marking publishes the batch again; consumers' inboxes absorb
the duplicates. On PostgreSQL several relays may run: rows are claimed with FOR UPDATE SKIP LOCKED.
"""

import contextlib
import json
import logging
import threading
import time

import amqp
from kombu import Connection, Producer
from sqlalchemy import select, update

from chassis import clock, metrics
from chassis.bus.broker import broker_errors, connect
from chassis.bus.outbox import on_outbox_commit
from chassis.bus.tables import outbox
from chassis.bus.topology import events_exchange
from chassis.config import ServiceConfig
from chassis.db import Database

log = logging.getLogger("chassis.relay")


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
        for row in rows:
            envelope = json.loads(row.envelope)
            message = amqp.Message(
                row.envelope.encode(),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=row.message_id,
                type=row.type,
                correlation_id=envelope.get("correlation_id"),
                application_headers={"x-source": envelope.get("source", "")},
            )
            self._unconfirmed.add(self._next_tag)
            self._next_tag += 1
            self.channel.basic_publish(message, exchange=self.config.exchange, routing_key=row.type, mandatory=True)
        deadline = time.monotonic() + self.confirm_timeout
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
            self.producer.publish(
                row.envelope.encode(),
                routing_key=row.type,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=row.message_id,
                type=row.type,
            )
        return []

    def close(self) -> None:
        if self.connection is not None:
            self.connection.release()
        self.connection = None


class OutboxRelay:
    def __init__(self, db: Database, config: ServiceConfig):
        self.db = db
        self.config = config
        self.publisher = MemoryPublisher(config) if config.uses_memory_bus else AmqpBatchPublisher(config)
        self._wake = threading.Event()
        on_outbox_commit(self._wake.set)

    def run_once(self) -> int:
        """Publish one batch of unsent events; returns how many were sent."""
        with self.db.transaction() as session:
            query = select(outbox.c.id, outbox.c.message_id, outbox.c.type, outbox.c.envelope).where(
                outbox.c.sent_at.is_(None)
            )
            query = query.order_by(outbox.c.id).limit(self.config.relay_batch_size)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if not rows:
                return 0
            unroutable = self.publisher.publish(rows)
            session.execute(update(outbox).where(outbox.c.id.in_([row.id for row in rows])).values(sent_at=clock.now()))
        for row in rows:
            metrics.events_published.labels(self.config.service, row.type).inc()
        for routing_key in unroutable:
            metrics.events_unroutable.labels(self.config.service, routing_key).inc()
            log.info("no queue is bound for %s: nobody subscribes to it", routing_key)
        return len(rows)

    @property
    def poll_seconds(self) -> float:
        # SQLite is the embedded mode: every writer shares this process and wakes the relay on commit, so
        # polling is only a safety net (and each poll would take SQLite's single write lock)
        if self.db.is_postgres:
            return self.config.relay_poll_seconds
        return max(self.config.relay_poll_seconds, 1.0)

    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
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
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
        self.publisher.close()


__all__ = ["OutboxRelay", "PublishFailed", "broker_errors"]
