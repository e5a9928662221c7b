"""Idempotent consumers: the handler's effects and an inbox row commit together; failures retry with delay
and are parked in `<queue>.dead` with the error after `max_attempts`."""

import contextlib
import logging
import threading
import time
import traceback

from kombu import Consumer, Message, Producer
from marshmallow import ValidationError
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from chassis import clock, metrics
from chassis.bus.broker import broker_errors, connect
from chassis.bus.envelope import Envelope, current_event
from chassis.bus.subscriptions import Delivery, PermanentFailure, Subscription
from chassis.bus.tables import inbox
from chassis.bus.topology import DEFAULT_EXCHANGE, declare, main_queue
from chassis.config import ServiceConfig
from chassis.db import Database
from chassis.logs import correlation_id_var
from chassis.pii import redact

log = logging.getLogger("chassis.consumer")

ATTEMPTS_HEADER = "x-attempts"
ERROR_HEADER = "x-error"


def _insert_for(dialect: str):
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


class ConsumerWorker:
    """Consumes every subscription of one service on one connection, reconnecting by itself."""

    def __init__(self, db: Database, config: ServiceConfig, subscriptions: list[Subscription]):
        self.db = db
        self.config = config
        self.subscriptions = list(subscriptions)
        self.connected = threading.Event()
        self._pending: list[tuple[Subscription, Message]] = []

    # -- handling messages ---------------------------------------------------------------------------------
    def handle(self, subscription: Subscription, body: bytes) -> str:
        """Apply one message exactly once: "handled" or "duplicate"; raises what failed it."""
        outcome = self.handle_batch([(subscription, body)])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def handle_batch(self, items: list[tuple[Subscription, bytes]]) -> list[str | Exception]:
        """Apply messages in one transaction, each in a savepoint of its own: one commit (one disk flush) for the
        lot, while a failing message rolls back alone. Per message: "handled", "duplicate", or its exception."""
        with self.db.transaction() as session:
            return [self._apply(session, subscription, body) for subscription, body in items]

    def _apply(self, session, subscription: Subscription, body: bytes) -> str | Exception:
        try:
            envelope = Envelope.from_json(body)
        except (ValidationError, ValueError) as error:
            return error
        correlation_token = correlation_id_var.set(envelope.correlation_id)
        event_token = current_event.set(envelope)
        try:
            with session.begin_nested():
                # the inbox row is the claim: a duplicate inserts nothing (and waits for a concurrent copy's
                # transaction to finish first, thanks to the primary key)
                claimed = session.execute(
                    _insert_for(self.db.dialect)(inbox)
                    .values(
                        consumer=subscription.queue,
                        message_id=envelope.id,
                        event_type=envelope.type,
                        handled_at=clock.now(),
                    )
                    .on_conflict_do_nothing()
                    .returning(inbox.c.message_id)
                ).first()
                if claimed is None:
                    return "duplicate"
                data = subscription.load(envelope)
                subscription.handler(Delivery(session, envelope, data, self.config, subscription.queue))
            return "handled"
        except Exception as error:
            return error
        finally:
            current_event.reset(event_token)
            correlation_id_var.reset(correlation_token)

    def _on_message(self, subscription: Subscription, message: Message) -> None:
        self._pending.append((subscription, message))

    def _process_pending(self) -> None:
        batch, self._pending = self._pending, []
        if not batch:
            return
        started = time.perf_counter()
        try:
            outcomes = self.handle_batch([(subscription, message.body) for subscription, message in batch])
        except Exception as error:
            outcomes = [error] * len(batch)
        elapsed = (time.perf_counter() - started) / len(batch)
        for (subscription, message), outcome in zip(batch, outcomes, strict=True):
            result = self._settle(subscription, message, outcome)
            metrics.events_handled.labels(subscription.queue, result).inc()
            metrics.event_handle_seconds.labels(subscription.queue).observe(elapsed)

    def _settle(self, subscription: Subscription, message: Message, outcome: str | Exception) -> str:
        """Acknowledge a message once its fate is sealed: applied, skipped, scheduled for retry, or parked."""
        if isinstance(outcome, Exception):
            attempt = int(dict(message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
            permanent = isinstance(outcome, PermanentFailure | ValidationError | ValueError)
            if permanent or attempt >= self.config.max_attempts:
                self._park(subscription, message, attempt, outcome)
                outcome = "parked"
            else:
                self._retry(subscription, message, attempt, outcome)
                outcome = "retried"
        self._ack(message)
        return outcome

    def _ack(self, message: Message) -> None:
        message.ack()

    def _retry(self, subscription: Subscription, message: Message, attempt: int, error: Exception) -> None:
        delay = self.config.retry_base_seconds * (2 ** (attempt - 1))
        log.warning(
            "handler failed (attempt %s), retrying in %.1fs: %s",
            attempt,
            delay,
            _describe(error),
            extra={"queue": subscription.queue, "attempt": attempt},
        )
        headers = {**(message.headers or {}), ATTEMPTS_HEADER: attempt, ERROR_HEADER: _describe(error)}
        if self.config.uses_memory_bus:
            # kombu's memory transport has no TTL or dead-lettering: wait in process, then put it back
            timer = threading.Timer(
                delay, self._republish, args=(subscription.queue, message.body, message.properties, headers)
            )
            timer.daemon = True
            timer.start()
        else:
            self._republish(f"{subscription.queue}.retry", message.body, message.properties, headers, delay)

    def _park(self, subscription: Subscription, message: Message, attempt: int, error: Exception) -> None:
        log.error(
            "parking message after %s attempts: %s",
            attempt,
            _describe(error),
            extra={"queue": subscription.queue, "attempt": attempt},
        )
        headers = {
            **(message.headers or {}),
            ATTEMPTS_HEADER: attempt,
            ERROR_HEADER: _describe(error),
            "x-error-trace": redact("".join(traceback.format_exception(error))[-4000:]),
            "x-original-queue": subscription.queue,
            "x-failed-at": clock.now().isoformat(),
        }
        self._republish(f"{subscription.queue}.dead", message.body, message.properties, headers)

    def _republish(self, queue: str, body: bytes, properties: dict, headers: dict, delay: float | None = None):
        with connect(self.config) as connection:
            Producer(connection.default_channel).publish(
                body,
                exchange=DEFAULT_EXCHANGE,
                routing_key=queue,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=properties.get("message_id"),
                type=properties.get("type"),
                headers=headers,
                expiration=delay,
                retry=True,
            )

    # -- the loop ------------------------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        backoff = 0.5
        while not stop.is_set():
            connection = connect(self.config)
            try:
                connection.ensure_connection(max_retries=1)
                declare(connection, self.config.exchange, self.subscriptions, self.config.queue_type)
                # unacknowledged ones from a lost connection come again; start empty BEFORE consuming, since
                # py-amqp dispatches deliveries while it waits for the next queue's consume-ok
                self._pending = []
                channel = connection.channel()
                channel.basic_qos(0, self.config.prefetch, False)
                consumers = [
                    Consumer(
                        channel,
                        queues=[main_queue(sub, self.config.exchange, self.config.queue_type)],
                        on_message=lambda message, sub=sub: self._on_message(sub, message),
                        accept=["json", "application/json"],
                        no_ack=False,
                    )
                    for sub in self.subscriptions
                ]
                for consumer in consumers:
                    consumer.consume()
                self.connected.set()
                backoff = 0.5
                while not stop.is_set():
                    try:
                        connection.drain_events(timeout=0.5)
                    except TimeoutError:
                        connection.heartbeat_check()
                    else:
                        # take what has already arrived (up to a batch), then commit it together
                        while len(self._pending) < self.config.consumer_batch_size:
                            try:
                                connection.drain_events(timeout=0.001)
                            except TimeoutError:
                                break
                    self._process_pending()
            except Exception as error:
                self.connected.clear()
                if isinstance(error, broker_errors(connection)):
                    log.warning("consumer lost the broker, reconnecting in %.1fs: %s", backoff, _describe(error))
                else:
                    log.exception("consumer loop failed, restarting in %.1fs", backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                with contextlib.suppress(Exception):
                    connection.release()
        self.connected.clear()


def _describe(error: BaseException) -> str:
    return redact(f"{type(error).__name__}: {error}")[:1000]
