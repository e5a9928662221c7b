"""Idempotent consumers: the handler's effects and an inbox row commit together; failures retry with delay
and are parked in `<queue>.dead` with the error after `max_attempts`. An absent database is no failure of the
handler: the consumer holds the batch, stops taking deliveries and waits for it (chassis.bus.infrastructure)."""

import contextlib
import functools
import json
import logging
import threading
import time
import traceback

from kombu import Consumer, Message, Producer
from marshmallow import ValidationError
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from chassis import clock, metrics, tracing
from chassis.bus.broker import broker_errors, connect
from chassis.bus.envelope import Envelope, current_event
from chassis.bus.infrastructure import is_database_failure
from chassis.bus.subscriptions import Delivery, PermanentFailure, Subscription
from chassis.bus.tables import inbox
from chassis.bus.topology import DEFAULT_EXCHANGE, declare, main_queue
from chassis.config import ServiceConfig
from chassis.db import Database
from chassis.logs import correlation_id_var
from chassis.pii import redact

log = logging.getLogger("chassis.consumer")

ATTEMPTS_HEADER = "x-attempts"
BATCH_GATHER_SECONDS = 0.005
# an idle consumer looks up this often (heartbeats, the stop of its process): a stopping worker waits no longer
IDLE_LOOK_SECONDS = 0.1
ERROR_HEADER = "x-error"


@contextlib.contextmanager
def _context_of(body: bytes):
    """The message's correlation and trace on the log lines of its retry or parking (a failure: parsed again)."""
    try:
        raw = json.loads(body)
        correlation, traceparent = raw.get("correlation_id"), raw.get("traceparent")
    except (ValueError, AttributeError):
        correlation = traceparent = None
    token = correlation_id_var.set(correlation if isinstance(correlation, str) else None)
    try:
        with tracing.within(traceparent if isinstance(traceparent, str) else None):
            yield
    finally:
        correlation_id_var.reset(token)


def _insert_for(dialect: str):
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


class ConsumerWorker:
    """Consumes every subscription of one service on one connection, reconnecting by itself."""

    def __init__(self, db: Database, config: ServiceConfig, subscriptions: list[Subscription]):
        self.db = db
        self.config = config
        self.subscriptions = list(subscriptions)
        self.connected = threading.Event()
        self.waiting_for_infrastructure = threading.Event()
        self._pending: list[tuple[Subscription, Message]] = []
        self._stop = threading.Event()
        self._connection = None
        self._consumers: list[Consumer] = []
        metrics.consumer_waiting_for_infrastructure.labels(config.service).set(0)  # on /metrics from the start

    # -- handling messages ---------------------------------------------------------------------------------
    def handle(self, subscription: Subscription, body: bytes) -> str:
        """Apply one message exactly once: "handled" or "duplicate"; raises what failed it."""
        outcome = self.handle_batch([(subscription, body)])[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def handle_batch(self, items: list[tuple[Subscription, bytes]]) -> list[str | Exception]:
        """Apply messages in one transaction: one statement claims the inbox rows of the whole batch, the handlers
        run without savepoints and their changes are flushed together, one commit. Per message: "handled",
        "duplicate", or its exception.

        A message whose handler raises is isolated: the transaction rolls back and the rest is applied again
        without it (the failed one takes the retry/park path). A failure that names no message (a database error,
        which autoflush may raise in one handler for another's change, or the commit itself) makes the batch run
        again with each message in a savepoint of its own, as strong as handling them one by one. Handlers must
        therefore keep every effect in `delivery.session` (they may run again when their batch is retried)."""
        outcomes: list[str | Exception | None] = [None] * len(items)
        parsed: list[tuple[int, Subscription, Envelope]] = []
        for index, (subscription, body) in enumerate(items):
            try:
                parsed.append((index, subscription, Envelope.from_json(body)))
            except (ValidationError, ValueError) as error:
                outcomes[index] = error
        pending = parsed
        # each isolated failure costs one more pass; past a few the savepoint path is cheaper
        for _pass in range(3):
            if not pending:
                break
            try:
                with self.db.transaction() as session:
                    results = self._apply_together(session, pending)
            except _MessageFailed as failed:
                outcomes[failed.index] = failed.error
                pending = [item for item in pending if item[0] != failed.index]
                continue
            except Exception:
                break
            for index, outcome in results.items():
                outcomes[index] = outcome
            pending = []
        if pending:
            with self.db.transaction() as session:
                for index, subscription, envelope in pending:
                    outcomes[index] = self._apply_alone(session, subscription, envelope)
        return outcomes  # type: ignore[return-value]

    def _claim(self, session, items: list[tuple[int, Subscription, Envelope]]) -> set[tuple[str, str]]:
        """Insert the inbox rows of a batch in one statement; returns the (queue, message id) pairs it claimed.
        A copy already handled inserts nothing (and one being handled concurrently waits for that transaction,
        thanks to the primary key). Rows go in key order so that two consumers never wait on each other in a
        cycle."""
        now = clock.now()
        rows = sorted(
            {
                (subscription.queue, envelope.id): {
                    "consumer": subscription.queue,
                    "message_id": envelope.id,
                    "event_type": envelope.type,
                    "handled_at": now,
                }
                for _index, subscription, envelope in items
            }.items()
        )
        # executemany of one cached statement: SQLAlchemy sends it as one multi-row INSERT (insertmanyvalues)
        statement = (
            _insert_for(self.db.dialect)(inbox).on_conflict_do_nothing().returning(inbox.c.consumer, inbox.c.message_id)
        )
        return {(row.consumer, row.message_id) for row in session.execute(statement, [row for _key, row in rows])}

    def _apply_together(self, session, items: list[tuple[int, Subscription, Envelope]]) -> dict[int, str]:
        claimed = self._claim(session, items)
        outcomes: dict[int, str] = {}
        for index, subscription, envelope in items:
            key = (subscription.queue, envelope.id)
            if key not in claimed:
                outcomes[index] = "duplicate"
                continue
            claimed.discard(key)  # a second copy in the same batch is a duplicate too
            try:
                self._run_handler(session, subscription, envelope)
            except SQLAlchemyError:
                raise  # may be another message's change flushed here: the savepoint path tells them apart
            except Exception as error:
                raise _MessageFailed(index, error) from error
            outcomes[index] = "handled"
        session.flush()
        return outcomes

    def _apply_alone(self, session, subscription: Subscription, envelope: Envelope) -> str | Exception:
        try:
            with session.begin_nested():
                if not self._claim(session, [(0, subscription, envelope)]):
                    return "duplicate"
                self._run_handler(session, subscription, envelope)
            return "handled"
        except Exception as error:
            return error

    def _run_handler(self, session, subscription: Subscription, envelope: Envelope) -> None:
        correlation_token = correlation_id_var.set(envelope.correlation_id)
        event_token = current_event.set(envelope)
        try:
            with tracing.consuming(envelope.traceparent, envelope.type, subscription.queue, envelope.id):
                data = subscription.load(envelope)
                subscription.handler(Delivery(session, envelope, data, self.config, subscription.queue))
        finally:
            current_event.reset(event_token)
            correlation_id_var.reset(correlation_token)

    def _on_message(self, subscription: Subscription, message: Message) -> None:
        self._pending.append((subscription, message))

    def _process_pending(self) -> None:
        batch, self._pending = self._pending, []
        while batch and not self._stop.is_set():
            started = time.perf_counter()
            try:
                outcomes = self.handle_batch([(subscription, message.body) for subscription, message in batch])
            except Exception as error:
                outcomes = [error] * len(batch)
            elapsed = (time.perf_counter() - started) / len(batch)
            database_answers = functools.cache(self._database_answers)  # asked at most once per batch

            held, cause = [], None
            for (subscription, message), outcome in zip(batch, outcomes, strict=True):
                if isinstance(outcome, Exception) and is_database_failure(outcome, database_answers):
                    held.append((subscription, message))
                    cause = outcome
                    continue
                result = self._settle(subscription, message, outcome)
                metrics.events_handled.labels(subscription.queue, result).inc()
                metrics.event_handle_seconds.labels(subscription.queue).observe(elapsed)
            if held:
                self._wait_for_database(cause, len(held))
            batch = held
        # stopped while waiting: the held messages stay unacknowledged and come again to the next consumer

    def _database_answers(self) -> bool:
        try:
            self.db.ping()
        except Exception:
            return False
        return True

    def _wait_for_database(self, cause: BaseException, held: int) -> None:
        """Hold the batch: take no new deliveries (the consumers are cancelled, the connection kept alive) and look
        at the database with capped backoff until it answers. No attempt is spent: the messages are not settled."""
        service = self.config.service
        log.warning(
            "consumer's database is away; holding %s messages and waiting for it: %s",
            held,
            _describe(cause),
            extra={"queue": ",".join(sub.queue for sub in self.subscriptions)},
        )
        self.waiting_for_infrastructure.set()
        metrics.consumer_waiting_for_infrastructure.labels(service).set(1)
        waited_from = time.monotonic()
        self._pause_deliveries()
        backoff = 0.5
        try:
            while not self._stop.is_set():
                self._keep_connection_alive(backoff)
                metrics.consumer_infrastructure_retries.labels(service).inc()
                if self._database_answers():
                    log.warning("consumer's database is back after %.1fs", time.monotonic() - waited_from)
                    self._resume_deliveries()
                    return
                backoff = min(backoff * 2, self.config.infrastructure_backoff_max_seconds)
        finally:
            # a broker error meanwhile goes up to the reconnect loop: the held messages come again there
            self.waiting_for_infrastructure.clear()
            metrics.consumer_waiting_for_infrastructure.labels(service).set(0)

    def _pause_deliveries(self) -> None:
        # cancelled consumers get nothing more; a delivery already on its way is requeued by the client library
        for consumer in self._consumers:
            consumer.cancel()

    def _resume_deliveries(self) -> None:
        for consumer in self._consumers:
            consumer.consume()

    def _keep_connection_alive(self, seconds: float) -> None:
        """Wait `seconds` while answering the broker's heartbeats (a broker error goes up to the reconnect loop)."""
        if self._connection is None:
            self._stop.wait(seconds)
            return
        until = time.monotonic() + seconds
        while not self._stop.is_set() and time.monotonic() < until:
            try:
                self._connection.drain_events(timeout=min(0.5, max(0.01, until - time.monotonic())))
            except TimeoutError:
                self._connection.heartbeat_check()

    def _settle(self, subscription: Subscription, message: Message, outcome: str | Exception) -> str:
        """Acknowledge a message once its fate is sealed: applied, skipped, scheduled for retry, or parked."""
        if isinstance(outcome, Exception):
            attempt = int(dict(message.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
            permanent = isinstance(outcome, PermanentFailure | ValidationError | ValueError)
            with _context_of(message.body):
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
        self._stop = stop
        backoff = 0.5
        while not stop.is_set():
            connection = self._connection = connect(self.config)
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
                self._consumers = consumers
                self.connected.set()
                backoff = 0.5
                while not stop.is_set():
                    try:
                        connection.drain_events(timeout=IDLE_LOOK_SECONDS)
                    except TimeoutError:
                        connection.heartbeat_check()
                    else:
                        # take what has already arrived (up to a batch, for at most a few ms: a steady trickle
                        # must not keep the first message waiting), then commit it together
                        gather_until = time.monotonic() + BATCH_GATHER_SECONDS
                        while len(self._pending) < self.config.consumer_batch_size and time.monotonic() < gather_until:
                            try:
                                connection.drain_events(timeout=0.001)
                            except TimeoutError:
                                break
                    self._process_pending()
            except Exception as error:
                self.connected.clear()
                self._consumers = []
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


class _MessageFailed(Exception):
    """One message of a batch failed in its own handler: roll back and apply the others without it."""

    def __init__(self, index: int, error: Exception):
        super().__init__(str(error))
        self.index = index
        self.error = error


def _describe(error: BaseException) -> str:
    return redact(f"{type(error).__name__}: {error}")[:1000]
