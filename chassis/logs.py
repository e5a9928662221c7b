"""JSON logs that carry the request, correlation and trace ids and never personal data."""

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

from chassis import tracing
from chassis.pii import redact

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
service_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("service", default=None)


# what a call may add with `extra=`: the message's (consumers), the request's (the access log)
_EXTRA_KEYS = ("event_id", "event_type", "queue", "attempt", "method", "route", "status", "duration_ms")


def context_ids() -> dict[str, str]:
    """The ids of what is running now (request, correlation, trace, span), for a log line."""
    found = {}
    for key, var in (("request_id", request_id_var), ("correlation_id", correlation_id_var)):
        value = var.get()
        if value:
            found[key] = value
    ids = tracing.log_ids()
    if ids:
        found["trace_id"], found["span_id"] = ids
    return found


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            # defence in depth: a stray ID number or mobile in a message is masked before it is written
            "msg": redact(record.getMessage()),
        }
        service = service_var.get()
        if service:
            entry["service"] = service
        entry.update(context_ids())
        for key in _EXTRA_KEYS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """`make run`'s console: the line, then the ids of its request and trace."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = context_ids()
        if ids:
            line += " [" + " ".join(f"{key}={value}" for key, value in ids.items() if key != "span_id") + "]"
        return redact(line)


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    root = logging.getLogger()
    if getattr(root, "_hall_configured", False):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else PlainFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    # keep handlers others installed (pytest's capture, a platform agent); replace only a console handler
    handler._hall = True  # type: ignore[attr-defined]
    root.handlers[:] = [existing for existing in root.handlers if type(existing) is not logging.StreamHandler] + [
        handler
    ]
    root.setLevel(level)
    for noisy in ("amqp", "kombu", "pika", "werkzeug", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    root._hall_configured = True  # type: ignore[attr-defined]
