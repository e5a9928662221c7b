"""One trace per business flow: a loan application's request, its event across the bus and the text message that
tells the applicant share one trace id; the traceparent survives the real RabbitMQ; tracing is off by default."""

import json
import uuid

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select
from werkzeug.test import Client

from chassis import tracing
from chassis.auth import TokenVerifier
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from gateway.config import GatewayConfig
from gateway.embedded import EmbeddedGateway
from tests.chassis.probe import BUMPED, build_probe, bump, config_from, create_tables, tallies
from tests.loans.conftest import LI_NA, LoansWorld, make_application_body

# what the browser (or the edge) sends: the trace the whole application must stay in
BROWSER_TRACE = uuid.uuid4().hex
BROWSER_TRACEPARENT = f"00-{BROWSER_TRACE}-{uuid.uuid4().hex[:16]}-01"


@pytest.fixture
def spans():
    """Tracing on for this test, every span kept in the SDK's own in-memory exporter; off again afterwards."""
    assert not tracing.enabled(), "tracing was left on by an earlier test"
    exporter = InMemorySpanExporter()
    tracing.record_into(exporter)
    yield exporter
    tracing.stop()


def _of_trace(exporter: InMemorySpanExporter, trace_id: str) -> list:
    return [span for span in exporter.get_finished_spans() if format(span.context.trace_id, "032x") == trace_id]


def _parent_of(span) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def test_a_loan_application_is_one_trace_from_the_browser_through_the_bus_to_the_text_message(
    spans, start_hall, test_tokens
):
    hall = start_hall(
        ["loans", "notifications"],
        settings={"notifications": {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00", "sms_rate_limit": 1000}},
    )
    # accounts' events about 李娜 (notifications learns her mobile from the registration too)
    world = LoansWorld(hall, test_tokens)
    world.feed_depositor(LI_NA)
    _apply_and_follow_the_trace(hall, spans, world.depositor_headers(LI_NA))


def _apply_and_follow_the_trace(hall, spans: InMemorySpanExporter, me: dict) -> None:
    # through the embedded gateway, as the browser's request comes in make run
    gateway = EmbeddedGateway(GatewayConfig.from_env("gateway", dev_inbox=True))
    tokens = hall.runtime("loans").token_verifier
    gateway.verifier = TokenVerifier(tokens.keys, tokens.audience, tokens.issuer)
    submitted = Client(gateway).post(
        "/api/v1/loans/applications", json=make_application_body(), headers={**me, "traceparent": BROWSER_TRACEPARENT}
    )
    assert submitted.status_code == 201, submitted.get_json()

    def sms_sent():
        return [span for span in _of_trace(spans, BROWSER_TRACE) if span.name == "sms send"]

    wait_until(sms_sent, timeout=30, what="the submitted text to be sent in the browser's trace")
    trace = _of_trace(spans, BROWSER_TRACE)
    by_id = {span.context.span_id: span for span in trace}
    request = next(s for s in trace if s.kind == SpanKind.SERVER and s.attributes.get("http.route", "").endswith("s"))
    assert request.parent.span_id == int(BROWSER_TRACEPARENT.split("-")[2], 16), "the browser's span is its parent"
    produced = [s for s in trace if s.kind == SpanKind.PRODUCER and s.name == "loans.application.submitted publish"]
    assert produced and by_id[_parent_of(produced[0])] is request, "the event was written within the request"
    consumed = [s for s in trace if s.kind == SpanKind.CONSUMER and _parent_of(s) == produced[0].context.span_id]
    assert any(s.attributes["messaging.destination.name"].endswith("notifications.notices") for s in consumed), [
        s.attributes["messaging.destination.name"] for s in consumed
    ]
    notice = next(s for s in consumed if s.attributes["messaging.destination.name"].endswith("notifications.notices"))
    [text] = sms_sent()
    assert by_id[_parent_of(text)] is notice, "the text is sent in the trace of the message that asked for it"
    statements = [s for s in trace if s.kind == SpanKind.CLIENT and s.attributes.get("db.system") == "sqlite"]
    assert any(_parent_of(s) == request.context.span_id for s in statements), "the request's SQL is in its trace"
    assert any(_parent_of(s) == notice.context.span_id for s in statements), "so is the handler's"
    # what the text's sending published (delivered) goes on in the same trace
    delivered = [s for s in trace if s.name == "notifications.sms.delivered publish"]
    assert delivered and _parent_of(delivered[0]) == text.context.span_id


def test_the_traceparent_survives_the_real_broker(spans, rabbit_vhost, postgres_databases, unique_exchange):
    service = build_probe(f"probe{uuid.uuid4().hex[:6]}")
    runtime = service.runtime(
        config_from(
            {
                "broker_url": rabbit_vhost.url,
                "database_url": postgres_databases.create("svc"),
                "exchange": unique_exchange,
            }
        )
    )
    create_tables(runtime)
    tracing.instrument_engine(runtime.db.engine)
    runtime.start_workers()
    try:
        tracer = spans_tracer()
        with tracer.start_as_current_span("a request") as request:
            bump(runtime, "traced")
        wait_until(lambda: tallies(runtime).get("traced") == 1, what="the event handled through RabbitMQ")
        trace_id = format(request.get_span_context().trace_id, "032x")
        with runtime.db.read() as connection:
            stored = json.loads(connection.scalar(select(outbox.c.envelope).where(outbox.c.type == BUMPED)))
        [producer] = [s for s in _of_trace(spans, trace_id) if s.kind == SpanKind.PRODUCER]
        assert stored["traceparent"].startswith(f"00-{trace_id}-{format(producer.context.span_id, '016x')}-")
        wait_until(
            lambda: [s for s in _of_trace(spans, trace_id) if s.kind == SpanKind.CONSUMER],
            what="the consumer's span to end",
        )
        [consumer] = [s for s in _of_trace(spans, trace_id) if s.kind == SpanKind.CONSUMER]
        assert _parent_of(consumer) == producer.context.span_id
        assert consumer.attributes["messaging.destination.name"] == runtime.subscriptions[0].queue
        assert any(s.attributes.get("db.system") == "postgresql" for s in _of_trace(spans, trace_id))
    finally:
        runtime.stop()


def spans_tracer():
    """A tracer of the provider chassis.tracing switched on (a test's stand-in for the request's span)."""
    return tracing._active.provider.get_tracer("tests")


def test_tracing_is_off_by_default_and_an_envelope_then_carries_no_traceparent(monkeypatch, tmp_path):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert tracing.exporter_from_environment(embedded=False) is None
    assert tracing.exporter_from_environment(embedded=True) is None
    runtime = build_probe("probeoff").runtime(
        config_from({"broker_url": "memory://", "database_url": f"sqlite:///{tmp_path / 'off.db'}"})
    )
    create_tables(runtime)
    bump(runtime, "untraced")
    with runtime.db.read() as connection:
        stored = json.loads(connection.scalar(select(outbox.c.envelope)))
    assert "traceparent" not in stored and stored["data"] == {"key": "untraced"}
    runtime.stop()


def test_the_environment_chooses_the_exporter_and_make_run_needs_it_said_outright(monkeypatch):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.observability:4318")
    assert isinstance(tracing.exporter_from_environment(embedded=False), OTLPSpanExporter)
    assert tracing.exporter_from_environment(embedded=True) is None, "an endpoint alone leaves make run untraced"
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    assert isinstance(tracing.exporter_from_environment(embedded=True), OTLPSpanExporter)
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert tracing.exporter_from_environment(embedded=False) is None
    monkeypatch.delenv("OTEL_SDK_DISABLED")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert tracing.exporter_from_environment(embedded=False) is None


def test_the_spans_name_the_hall_service_unless_the_environment_names_it(monkeypatch):
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    for environment, expected in (({}, "hall-loans"), ({"OTEL_SERVICE_NAME": "loans-web"}, "loans-web")):
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        tracing.record_into(InMemorySpanExporter(), "loans")
        try:
            assert tracing._active.provider.resource.attributes["service.name"] == expected
        finally:
            tracing.stop()


def test_a_statement_outside_any_span_starts_no_trace_of_its_own(spans, tmp_path):
    runtime = build_probe("probepoll").runtime(
        config_from({"broker_url": "memory://", "database_url": f"sqlite:///{tmp_path / 'poll.db'}"})
    )
    create_tables(runtime)
    tracing.instrument_engine(runtime.db.engine)
    try:
        tallies(runtime)  # as the relay's and the sender's polls query, with no span around them
        assert not spans.get_finished_spans()
        with spans_tracer().start_as_current_span("a request"):
            tallies(runtime)
        statements = [s for s in spans.get_finished_spans() if s.attributes.get("db.system") == "sqlite"]
        assert statements and all(s.parent is not None for s in statements)
    finally:
        runtime.stop()
