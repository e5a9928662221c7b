"""Transactional publishing: an event is a row in the caller's transaction, sent later by the relay."""

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from chassis import clock, tracing
from chassis.bus.envelope import Envelope, EventContract, current_event
from chassis.bus.tables import outbox
from chassis.logs import correlation_id_var, request_id_var

log = logging.getLogger("chassis.outbox")

_wakeups: list = []

# PostgreSQL: after a transaction that wrote the outbox commits, this channel is NOTIFYed, to the relays
# LISTENing in any process
NOTIFY_CHANNEL = "hall_outbox"


def on_outbox_commit(callback) -> None:
    """Call `callback()` after any commit that wrote outbox rows (in-process relays wake up at once)."""
    _wakeups.append(callback)


# set while history is told afterwards (demo data): what is published in the block happened then, not now
_history_moment: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("history_moment", default=None)


@contextmanager
def history_at(moment: datetime) -> Iterator[None]:
    """Events published in this block (this thread only) carry `moment` as their occurred_at: a seed telling
    what happened on a past day, so that a message about it is dated that day."""
    token = _history_moment.set(clock.to_utc(moment))
    try:
        yield
    finally:
        _history_moment.reset(token)


def event_moment() -> datetime:
    """The occurred_at of what is published now: the moment history is told at (`history_at`), else now."""
    return _history_moment.get() or clock.now()


def publish(
    session: Session,
    contract: EventContract | str,
    data: Any,
    *,
    version: int | None = None,
) -> Envelope:
    """Write the event to the outbox within `session`'s transaction; it is sent only if that commits."""
    if isinstance(contract, EventContract):
        event_type, payload, version = contract.type, contract.payload(data), contract.version
    else:
        event_type, payload, version = contract, dict(data), version or 1
    cause = current_event.get()
    correlation = (cause.correlation_id if cause else None) or correlation_id_var.get() or request_id_var.get() or ""
    envelope = Envelope(
        type=event_type,
        data=payload,
        version=version,
        source=session.info.get("service", "unknown"),
        correlation_id=correlation,
        causation_id=cause.id if cause else None,
        occurred_at=event_moment(),
    )
    if not envelope.correlation_id:
        envelope = Envelope(**{**envelope.__dict__, "correlation_id": envelope.id})
    traceparent = tracing.published(envelope.type, envelope.id)
    if traceparent:
        envelope = Envelope(**{**envelope.__dict__, "traceparent": traceparent})
    session.execute(
        outbox.insert().values(
            message_id=envelope.id,
            type=envelope.type,
            envelope=envelope.to_json(),
            created_at=clock.now(),
        )
    )
    mark_outbox_written(session)
    return envelope


def envelopes_of(stored: str) -> list[str]:
    """The envelopes an outbox row carries: one, or for set-based writers (the interest settlement) many, one JSON
    document per line (JSON text never holds a raw newline). Each is published as a message of its own."""
    return stored.split("\n")


def mark_outbox_written(session: Session) -> None:
    """For code that fills the outbox with its own set-based SQL: wake the relays when this transaction commits
    (once per transaction: NOTIFY on PostgreSQL, relays of this process on any database)."""
    session.info["outbox_written"] = True


@sa_event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            _notify(bind)
        for callback in list(_wakeups):
            callback()


def _notify(engine) -> None:
    notifier = _notifiers.get(engine)
    if notifier is None:
        with _notifiers_lock:
            notifier = _notifiers.setdefault(engine, _Notifier(engine))
    notifier.wake()


class _Notifier:
    """Sends `NOTIFY hall_outbox` after commits, on a thread and connection of its own.

    Not inside the transaction: one that notifies holds PostgreSQL's notify lock across its commit's disk flush,
    which serialises every such commit (no group commit: it halved the write rate measured here). Alone, a NOTIFY
    writes no WAL and holds the lock for a moment; the thread also folds a burst of commits into one NOTIFY, and
    keeps the round trip off the request. If the process dies in between, the relay's safety poll finds the row."""

    def __init__(self, engine):
        self.engine = engine
        self.pending = threading.Event()
        threading.Thread(target=self._run, name="outbox-notifier", daemon=True).start()

    def wake(self) -> None:
        self.pending.set()

    def _run(self) -> None:
        connection = None
        while True:
            self.pending.wait()
            self.pending.clear()
            try:
                if connection is None:
                    connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql(f"NOTIFY {NOTIFY_CHANNEL}")
            except Exception as error:  # the change is committed; the safety poll will publish it
                log.warning("could not wake the relays (they will poll): %s", type(error).__name__)
                if connection is not None:
                    with contextlib.suppress(Exception):
                        connection.invalidate()
                        connection.close()
                connection = None
                time.sleep(0.5)


_notifiers: dict = {}
_notifiers_lock = threading.Lock()


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("outbox_written", None)
