"""Transactional publishing: an event is a row in the caller's transaction, sent later by the relay."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.orm import Session

from chassis import clock
from chassis.bus.envelope import Envelope, EventContract, current_event
from chassis.bus.tables import outbox
from chassis.logs import correlation_id_var, request_id_var

_wakeups: list = []

# PostgreSQL: a transaction that writes the outbox NOTIFYs this channel; it is delivered when (and only if) it
# commits, to the relays LISTENing in any process
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


def mark_outbox_written(session: Session) -> None:
    """For code that fills the outbox with its own set-based SQL: wake the relays when this transaction commits
    (once per transaction: NOTIFY on PostgreSQL, relays of this process on any database)."""
    session.info["outbox_written"] = True


@sa_event.listens_for(Session, "before_commit")
def _notify_relays(session: Session) -> None:
    # at commit rather than at the insert: a NOTIFY inside a savepoint that rolls back would be dropped with it
    if session.info.get("outbox_written") and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))


@sa_event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    if session.info.pop("outbox_written", False):
        for callback in list(_wakeups):
            callback()


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop("outbox_written", None)
