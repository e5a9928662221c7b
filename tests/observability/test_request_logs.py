"""Every log line of a request or a message names its request, correlation and trace; each request writes one
access line (method, route, status, duration) that never holds what the path or query carried."""

import json
import logging
import uuid

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from chassis import tracing
from chassis.logs import JsonFormatter
from chassis.testing import wait_until
from tests.chassis.probe import FailurePlan, build_probe, bump, config_from, create_tables, tallies

ID_NUMBER, MOBILE = "640105198506153219", "13895000001"


class _Lines(logging.Handler):
    """Keeps each JSON line as it is emitted, in the thread and context that logs (as the console handler writes
    it); not a StreamHandler, which chassis.logs.configure_logging replaces by its own."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines():
    """The JSON lines the hall writes."""
    handler = _Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in handler.lines]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def spans():
    assert not tracing.enabled(), "tracing was left on by an earlier test"
    exporter = InMemorySpanExporter()
    tracing.record_into(exporter)
    yield exporter
    tracing.stop()


def _request_with_personal_data(hall) -> tuple[str, str]:
    accounts = hall.client("accounts")
    request_id, correlation_id = f"req-{uuid.uuid4().hex}", f"cor-{uuid.uuid4().hex}"
    headers = {"X-Request-ID": request_id, "X-Correlation-ID": correlation_id}
    # an ID number and a mobile in the query and in the path: neither may reach the log
    assert accounts.get(f"/api/v1/accounts/centers?id_number={ID_NUMBER}&phone={MOBILE}", headers=headers).status_code
    assert accounts.get(f"/api/v1/accounts/certificates/{MOBILE}", headers=headers).status_code
    return request_id, correlation_id


def test_each_request_writes_one_access_line_with_its_ids_and_no_personal_data(spans, start_hall, log_lines):
    hall = start_hall(["accounts"])
    request_id, correlation_id = _request_with_personal_data(hall)
    lines = [line for line in log_lines() if line.get("request_id") == request_id]
    access = [line for line in lines if line["logger"] == "hall.access"]
    assert [(line["method"], line["route"]) for line in access] == [
        ("GET", "/api/v1/accounts/centers"),
        ("GET", "/api/v1/accounts/certificates/<code>"),
    ]
    assert access[0]["status"] == 200 and access[1]["status"] in (400, 404)
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in access)
    assert all(line["service"] == "accounts" for line in access)
    servers = {
        format(span.context.trace_id, "032x"): format(span.context.span_id, "016x")
        for span in spans.get_finished_spans()
        if span.kind == SpanKind.SERVER
    }
    for line in lines:  # the access lines and whatever else the requests logged
        assert line["correlation_id"] == correlation_id
        assert servers.get(line["trace_id"]) == line["span_id"], "the line names the request's own span"
    written = json.dumps(log_lines(), ensure_ascii=False)
    assert ID_NUMBER not in written and MOBILE not in written


def test_with_tracing_off_the_access_line_still_names_the_request_and_no_trace(start_hall, log_lines):
    hall = start_hall(["accounts"])
    request_id, correlation_id = _request_with_personal_data(hall)
    access = [line for line in log_lines() if line["logger"] == "hall.access" and line.get("request_id") == request_id]
    assert len(access) == 2
    assert all(line["correlation_id"] == correlation_id and "trace_id" not in line for line in access)


def test_probes_and_scrapes_write_no_access_line(start_hall, log_lines):
    hall = start_hall(["accounts"])
    client = hall.client("accounts")
    for path in ("/livez", "/readyz", "/metrics", "/api/v1/accounts/livez"):
        assert client.get(path).status_code in (200, 503)
    assert not [line for line in log_lines() if line["logger"] == "hall.access"]


def test_a_consumers_log_line_names_the_message_correlation_and_the_publishers_trace(spans, tmp_path, log_lines):
    failures = FailurePlan()
    failures.remaining["once"] = 1
    runtime = build_probe(f"probe{uuid.uuid4().hex[:6]}", failures).runtime(
        config_from(
            {"broker_url": "memory://", "database_url": f"sqlite:///{tmp_path / 'p.db'}", "retry_base_seconds": 0.1}
        )
    )
    create_tables(runtime)
    tracing.instrument_engine(runtime.db.engine)
    runtime.start_workers()
    try:
        with tracing._active.provider.get_tracer("tests").start_as_current_span("a request") as request:
            bump(runtime, "once")
        wait_until(lambda: tallies(runtime).get("once") == 1, what="the retried message to be handled")
    finally:
        runtime.stop()
    trace_id = format(request.get_span_context().trace_id, "032x")
    [retry] = [
        line for line in log_lines() if line["logger"] == "chassis.consumer" and line["msg"].startswith("handler")
    ]
    assert retry["trace_id"] == trace_id and retry["queue"] == runtime.subscriptions[0].queue
    assert retry["correlation_id"]
