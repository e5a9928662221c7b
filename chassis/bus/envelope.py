"""The event envelope of ARCHITECTURE.md and the contract of one event type (its marshmallow schema)."""

import contextvars
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from chassis import clock

# set while a message is being handled, so what the handler publishes carries its causation
current_event: contextvars.ContextVar["Envelope | None"] = contextvars.ContextVar("current_event", default=None)


class EnvelopeSchema(Schema):
    id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z_]+\.[a-z_]+\.[a-z_]+$"))
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    source = fields.String(required=True)
    correlation_id = fields.String(required=True)
    causation_id = fields.String(load_default=None, allow_none=True)
    data = fields.Dict(required=True)


_ENVELOPE_SCHEMA = EnvelopeSchema()


@dataclass(frozen=True)
class Envelope:
    type: str
    data: dict[str, Any]
    source: str
    version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=clock.now)
    correlation_id: str = ""
    causation_id: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "type": self.type,
                "version": self.version,
                "occurred_at": self.occurred_at.isoformat(),
                "source": self.source,
                "correlation_id": self.correlation_id or self.id,
                "causation_id": self.causation_id,
                "data": self.data,
            },
            ensure_ascii=False,
            default=_json_default,
        )

    @classmethod
    def from_json(cls, body: str | bytes) -> "Envelope":
        """Parse and validate; raises ValidationError (or ValueError) for a malformed message."""
        raw = json.loads(body)
        loaded = _ENVELOPE_SCHEMA.load(raw)
        return cls(
            id=str(loaded["id"]),
            type=loaded["type"],
            version=loaded["version"],
            occurred_at=loaded["occurred_at"],
            source=loaded["source"],
            correlation_id=loaded["correlation_id"],
            causation_id=loaded["causation_id"],
            data=loaded["data"],
        )


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class EventContract:
    """One event type: its routing key, version and payload schema, declared once in the producer's events.py.

    Producers call `contract.payload(obj)` (dump + validate); consumers call `contract.load(envelope)`.
    """

    def __init__(self, type: str, schema: type[Schema], version: int = 1):
        self.type = type
        self.schema = schema
        self.version = version

    def payload(self, data: Any) -> dict[str, Any]:
        dumped = self.schema().dump(data)
        errors = self.schema().validate(dumped)
        if errors:
            raise ValidationError(errors, data=dumped)
        return json.loads(json.dumps(dumped, default=_json_default))

    def load(self, envelope: Envelope) -> dict[str, Any]:
        return self.schema().load(envelope.data)

    def __repr__(self) -> str:
        return f"EventContract({self.type!r}, v{self.version})"
