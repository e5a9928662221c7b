"""The outbox and inbox tables every service database holds (same names and shape in each)."""

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

from chassis.db import BigId, UtcDateTime

bus_metadata = MetaData()

outbox = Table(
    "outbox",
    bus_metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("type", String(120), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("publish_attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text, nullable=True),
)
# the relay only ever looks for unsent rows: keep that index tiny
Index(
    "ix_outbox_unsent",
    outbox.c.id,
    postgresql_where=outbox.c.sent_at.is_(None),
    sqlite_where=outbox.c.sent_at.is_(None),
)

inbox = Table(
    "inbox",
    bus_metadata,
    Column("consumer", String(120), nullable=False),
    Column("message_id", String(36), nullable=False),
    Column("event_type", String(120), nullable=False),
    Column("handled_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("consumer", "message_id", name="pk_inbox"),
)

# replies to writes sent with an Idempotency-Key: the same key from the same caller gets the same answer
idempotency_keys = Table(
    "idempotency_keys",
    bus_metadata,
    Column("caller", String(64), nullable=False),
    Column("key", String(64), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("caller", "key", name="pk_idempotency_keys"),
)
