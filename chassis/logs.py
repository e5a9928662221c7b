"""JSON logs that carry the request and correlation ids and never personal data."""

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime

from chassis.pii import redact

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
service_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("service", default=None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            # defence in depth: a stray ID number or mobile in a message is masked before it is written
            "msg": redact(record.getMessage()),
        }
        for key, var in (("service", service_var), ("request_id", request_id_var)):
            value = var.get()
            if value:
                entry[key] = value
        correlation = correlation_id_var.get()
        if correlation:
            entry["correlation_id"] = correlation
        for key in ("event_id", "event_type", "queue", "attempt"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


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
