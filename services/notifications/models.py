"""Tables of the notifications service (its own database; nothing else reads it)."""

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis import clock
from chassis.db import UtcDateTime


class Base(DeclarativeBase):
    pass


def _new_id() -> str:
    return str(uuid.uuid4())


class Recipient(Base):
    """Replica of accounts' depositors: who gets a notice about an account, and on which mobile."""

    __tablename__ = "recipients"

    account_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), index=True)
    mobile: Mapped[str] = mapped_column(String(20), default="")
    center: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64), default="")
    # occurred_at of the event the mobile came from: an older event never overwrites a newer number
    contact_as_of: Mapped[datetime] = mapped_column(UtcDateTime)


class SmsDelivery(Base):
    """One text to one number for one event (`delivery_key` is unique), and how sending it went."""

    __tablename__ = "sms_deliveries"
    __table_args__ = (
        UniqueConstraint("delivery_key", name="uq_sms_deliveries_key"),
        Index("ix_sms_deliveries_due", "status", "next_attempt_at"),
        Index("ix_sms_deliveries_mobile_planned", "mobile", "planned_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    delivery_key: Mapped[str] = mapped_column(String(64))
    source_event_id: Mapped[str] = mapped_column(String(36), index=True)
    source_event_type: Mapped[str] = mapped_column(String(120))
    correlation_id: Mapped[str] = mapped_column(String(64), default="")
    account_no: Mapped[str | None] = mapped_column(String(32), index=True)
    template: Mapped[str] = mapped_column(String(64))
    # the full number is needed to send; every response and event shows it masked
    mobile: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # queued | deferred (quiet hours, rate limit, waiting to retry) | sending | sent | failed
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # when it was first planned to go: what the per-number rate limit counts
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stale_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    # the trace of the event that asked for it (chassis.tracing): sending continues it, whenever that happens
    traceparent: Mapped[str | None] = mapped_column(String(128))


class InAppMessage(Base):
    """A notice in the depositor's message centre (消息中心)."""

    __tablename__ = "in_app_messages"
    __table_args__ = (UniqueConstraint("source_event_id", "account_no", name="uq_in_app_messages_source"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    source_event_id: Mapped[str] = mapped_column(String(64))
    template: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class DevInboxText(Base):
    """What the `inbox` provider 'sent': read on the dev SMS page instead of a phone."""

    __tablename__ = "dev_inbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    mobile: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=clock.now)
