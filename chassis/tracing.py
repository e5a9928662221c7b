"""OpenTelemetry tracing, set up once per process: off unless the environment names an exporter.

Off (the default, and `make run`): OpenTelemetry is not even imported, there is no provider and no
instrumentation, and every helper here returns at its first line, so a request pays for nothing. On: the Flask
apps, the SQLAlchemy engines, the requests sessions and the chassis' own psycopg connections make spans; the
outbox stores the W3C traceparent of a PRODUCER span in each envelope, and the consumer handles each message in a
CONSUMER span that is its child, so one business flow (a loan application: the request, its events on the bus,
the text message) is one trace across every service.

The environment is OpenTelemetry's own: OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER (otlp, console or none),
OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (OTLP over HTTP/protobuf), OTEL_SERVICE_NAME,
OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_*. See docs/operations.md.
"""

import logging
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger("chassis.tracing")

_TRUE = {"1", "true", "yes", "on"}
# probes and scrapes every few seconds: never worth a span
EXCLUDED_URLS = "/livez,/readyz,/metrics"


class _Tracing:
    """What is switched on in this process: the provider, its tracer and what was instrumented with it."""

    def __init__(self, provider) -> None:
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        self.provider = provider
        self.propagator = TraceContextTextMapPropagator()
        self.tracer = provider.get_tracer("chassis")
        self.engines: weakref.WeakSet = weakref.WeakSet()
        self.apps: weakref.WeakSet = weakref.WeakSet()


_active: _Tracing | None = None
_lock = threading.Lock()


def exporter_from_environment(embedded: bool) -> Any | None:
    """The span exporter the environment asks for, or None (tracing off).

    An endpoint alone turns OTLP on in production; the embedded hall (`make run`) exports only when
    OTEL_TRACES_EXPORTER says so, so a developer's shell that points other programs at a collector changes nothing.
    """
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() in _TRUE:
        return None
    chosen = os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    if chosen in ("", "otlp") and (chosen == "otlp" or (endpoint and not embedded)):
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()  # reads the endpoint, headers, timeout and compression from the environment
    if chosen == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if chosen not in ("", "none", "otlp"):
        log.warning("OTEL_TRACES_EXPORTER=%s is not one the hall knows (otlp, console, none): tracing is off", chosen)
    return None


def configure(service: str, embedded: bool) -> bool:
    """Switch tracing on for this process if the environment asks (once; later calls change nothing)."""
    if _active is not None:
        return True
    exporter = exporter_from_environment(embedded)
    if exporter is None:
        return False
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    _start(service, BatchSpanProcessor(exporter))
    log.info("tracing on: spans of %s go to %s", service, type(exporter).__name__)
    return True


def record_into(exporter: Any, service: str = "nx-hall", batched: bool = False) -> None:
    """Switch tracing on with `exporter` (tests: the SDK's InMemorySpanExporter), each span handed over as it ends,
    or `batched` as production hands them over (a benchmark)."""
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    _start(service, BatchSpanProcessor(exporter) if batched else SimpleSpanProcessor(exporter))


def _start(service: str, processor) -> None:
    global _active
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    with _lock:
        if _active is not None:
            return
        # the environment's resource (OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME) names the service if it says
        named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "")
        resource = Resource.create({} if named else {"service.name": f"hall-{service}"})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(processor)
        RequestsInstrumentor().instrument(tracer_provider=provider, excluded_urls=EXCLUDED_URLS)
        _active = _Tracing(provider)


def stop() -> None:
    """Flush and switch tracing off again (tests; a process that ends flushes through the provider's atexit)."""
    global _active
    from opentelemetry.instrumentation.flask import FlaskInstrumentor
    from opentelemetry.instrumentation.requests import RequestsInstrumentor
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer

    with _lock:
        active, _active = _active, None
    if active is None:
        return
    RequestsInstrumentor().uninstrument()
    for app in list(active.apps):
        FlaskInstrumentor.uninstrument_app(app)
    EngineTracer.remove_all_event_listeners()
    active.provider.shutdown()


def enabled() -> bool:
    return _active is not None


def instrument_app(app) -> None:
    """A service's (or the gateway's) Flask app: a SERVER span per request, continuing the caller's traceparent."""
    active = _active
    if active is None or app in active.apps:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    FlaskInstrumentor.instrument_app(app, tracer_provider=active.provider, excluded_urls=EXCLUDED_URLS)
    active.apps.add(app)


def instrument_engine(engine) -> None:
    """A span per statement of this SQLAlchemy engine (SQLite and PostgreSQL alike)."""
    active = _active
    if active is None or engine in active.engines:
        return
    # the instrumentation's per-engine tracer itself: its instrumentor instruments once per process (the first
    # engine only) and wraps create_engine besides; a process here has an engine per service (five when embedded)
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from opentelemetry.metrics import NoOpUpDownCounter

    tracer = _ChildSpansOnly(active.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__))
    EngineTracer(tracer, engine, NoOpUpDownCounter("db.client.connections.usage"))
    active.engines.add(engine)


class _ChildSpansOnly:
    """A statement is traced inside a request's, a message's or a text's span, never as a trace of its own: the
    relay's and the SMS sender's polls and the inbox claims would otherwise each start a trace, several a second."""

    def __init__(self, tracer) -> None:
        self._tracer = tracer

    def start_span(self, name, context=None, *args, **kwargs):
        from opentelemetry import trace

        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._tracer.start_span(name, context, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._tracer, name)


def instrument_psycopg(connection):
    """A psycopg connection the chassis opens beside SQLAlchemy (the relay's LISTEN): traced like the engines.

    Not psycopg's global instrumentation: SQLAlchemy's connections would then be traced twice, and wrapped."""
    active = _active
    if active is None:
        return connection
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor

    return PsycopgInstrumentor.instrument_connection(connection, tracer_provider=active.provider)


# -- the trace across the bus ------------------------------------------------------------------------------------
def current_traceparent() -> str | None:
    """The W3C traceparent of the span running now, or None (no span, or tracing off)."""
    active = _active
    if active is None:
        return None
    carrier: dict[str, str] = {}
    active.propagator.inject(carrier)
    return carrier.get("traceparent")


def inject(headers: dict[str, str]) -> dict[str, str]:
    """`headers` with the current traceparent added (calls that bypass requests: the embedded in-process client)."""
    active = _active
    if active is not None:
        active.propagator.inject(headers)
    return headers


def published(event_type: str, message_id: str) -> str | None:
    """The traceparent an event written to the outbox now carries: a PRODUCER span's, child of the current span
    (the request, or the handler of the message that caused it); a job's event starts a trace of its own."""
    active = _active
    if active is None:
        return None
    from opentelemetry.trace import SpanKind

    with active.tracer.start_as_current_span(
        f"{event_type} publish",
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "send",
            "messaging.destination.name": event_type,
            "messaging.message.id": message_id,
        },
    ):
        return current_traceparent()


@contextmanager
def continued(traceparent: str | None, name: str, kind: str = "internal", **attributes: Any) -> Iterator[None]:
    """Run the block in a span that is a child of `traceparent` (a message's, a queued text's); no parent starts a
    new trace. `kind`: internal, client, consumer, producer or server. Nothing at all when tracing is off."""
    active = _active
    if active is None:
        yield
        return
    from opentelemetry import context as otel_context
    from opentelemetry.trace import SpanKind

    parent = active.propagator.extract({"traceparent": traceparent}) if traceparent else otel_context.Context()
    span_kind = SpanKind[kind.upper()]
    with active.tracer.start_as_current_span(name, context=parent, kind=span_kind, attributes=attributes):
        yield


@contextmanager
def within(traceparent: str | None) -> Iterator[None]:
    """Log lines of the block name `traceparent`'s trace, without a span of its own (a message being retried)."""
    active = _active
    if active is None or not traceparent:
        yield
        return
    from opentelemetry import context as otel_context

    token = otel_context.attach(active.propagator.extract({"traceparent": traceparent}))
    try:
        yield
    finally:
        otel_context.detach(token)


def consuming(traceparent: str | None, event_type: str, queue: str, message_id: str):
    """The span a consumer handles one message in, a child of the span that published it."""
    return continued(
        traceparent,
        f"{queue} process",
        "consumer",
        **{
            "messaging.system": "rabbitmq",
            "messaging.operation.type": "process",
            "messaging.destination.name": queue,
            "messaging.message.id": message_id,
            "hall.event_type": event_type,
        },
    )


def log_ids() -> tuple[str, str] | None:
    """(trace id, span id) in hex of the span running now, for log lines; None without one."""
    if _active is None:
        return None
    from opentelemetry import trace

    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
