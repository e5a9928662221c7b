"""`create_service_app`: the Flask app every service gets — errors, request ids, health, metrics, OpenAPI, CLI."""

import logging
import time
import uuid
from collections.abc import Callable, Mapping

from flask import Blueprint, Flask, Response, g, jsonify, request
from flask_smorest import Blueprint as ApiBlueprint

from chassis import metrics, tracing
from chassis.errors import ApiError, install_error_handlers
from chassis.input_guard import install_input_guard
from chassis.logs import configure_logging, correlation_id_var, request_id_var, service_var
from chassis.openapi import HallApi, document_truthfully, spec_options
from chassis.runtime import Runtime

log = logging.getLogger("chassis.app")
# one line per request (chassis.logs formats it): method, route template, status, duration, the ids
access_log = logging.getLogger("hall.access")
# probes and scrapes every few seconds from each kubelet and Prometheus: counted in metrics, not logged
_QUIET_PATHS = ("/livez", "/readyz", "/metrics")

_REQUEST_ID = "X-Request-ID"
# no form of the hall comes near this; a larger body is refused before any worker reads it
MAX_BODY_BYTES = 256 * 1024


def create_service_app(
    runtime: Runtime, blueprints: list[Blueprint], title: str, error_statuses: Mapping[str, int] | None = None
) -> Flask:
    config = runtime.config
    name = runtime.name
    configure_logging(config.log_level, config.log_json)
    tracing.configure(name, embedded=config.embedded)
    tracing.instrument_engine(runtime.db.engine)
    app = Flask(f"services.{name}")
    app.config.update(
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=f"/api/v1/{name}",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS=spec_options(),
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        HALL_CONFIG=config,
    )
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["hall.runtime"] = runtime

    api = HallApi(app)
    document_truthfully(api)
    for blueprint in blueprints:
        if isinstance(blueprint, ApiBlueprint):
            api.register_blueprint(blueprint)
        else:
            app.register_blueprint(blueprint)
    install_error_handlers(app, error_statuses)  # after Api, so problem+json wins over flask-smorest's own error format
    install_request_context(app, name)
    install_input_guard(app)  # after the request context, so a refusal carries its request id
    readiness = Readiness(runtime)
    install_health(app, name, readiness.check, prefixes=("", f"/api/v1/{name}"), informational=("broker",))
    _refuse_on_an_old_schema(app, runtime)

    from chassis.cli import register_commands

    register_commands(app, runtime)
    tracing.instrument_app(app)
    return app


def install_request_context(app: Flask, service: str) -> None:
    """Request id (kept from X-Request-ID when sane, else new) in g, the logs and the reply; latency metrics; the
    access log line. The line names the route template, never the path or the query: those may hold an ID number,
    a mobile or a certificate code."""

    @app.before_request
    def _begin() -> None:
        incoming = request.headers.get(_REQUEST_ID, "")
        g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else str(uuid.uuid4())
        g.started = time.perf_counter()
        g.tokens = (
            request_id_var.set(g.request_id),
            correlation_id_var.set(request.headers.get("X-Correlation-ID") or g.request_id),
            service_var.set(service),
        )

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[_REQUEST_ID] = getattr(g, "request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        if hasattr(g, "started"):
            elapsed = time.perf_counter() - g.started
            metrics.http_latency.labels(service, endpoint).observe(elapsed)
            if not request.path.endswith(_QUIET_PATHS):
                _log_access(request.method, endpoint, response.status_code, elapsed)
        metrics.http_requests.labels(service, endpoint, request.method, str(response.status_code)).inc()
        if response.status_code == 429:
            metrics.rate_limited.labels(service, endpoint).inc()
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def _reset(_error) -> None:
        tokens = getattr(g, "tokens", None)
        if tokens:
            request_id_var.reset(tokens[0])
            correlation_id_var.reset(tokens[1])
            service_var.reset(tokens[2])


def _log_access(method: str, route: str, status: int, elapsed: float) -> None:
    duration_ms = round(elapsed * 1000, 1)
    access_log.info(
        "%s %s %s %.1fms",
        method,
        route,
        status,
        duration_ms,
        extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
    )


def install_health(
    app: Flask,
    name: str,
    check: Callable[[], dict[str, str]],
    prefixes: tuple[str, ...] = ("",),
    informational: tuple[str, ...] = (),
) -> None:
    """/livez (the process answers), /readyz (every `check()` value is "ok", else 503) and /metrics."""

    def livez():
        return jsonify(status="ok", service=name)

    def readyz():
        checks = check()
        # what `informational` names is reported, not fatal: a web pod whose broker is away stays ready, because the
        # outbox keeps what it writes until the relay can send it
        ok = all(value == "ok" for key, value in checks.items() if key not in informational)
        return jsonify(status="ok" if ok else "unavailable", service=name, checks=checks), (200 if ok else 503)

    def metrics_view():
        body, content_type = metrics.render_metrics()
        return Response(body, mimetype=content_type.split(";")[0], content_type=content_type)

    for prefix in prefixes:
        app.add_url_rule(f"{prefix}/livez", f"livez{prefix}", livez)
        app.add_url_rule(f"{prefix}/readyz", f"readyz{prefix}", readyz)
    app.add_url_rule("/metrics", "metrics", metrics_view)


def _refuse_on_an_old_schema(app: Flask, runtime: Runtime) -> None:
    """A pod whose database is behind this release's migrations answers 503 rather than half-work."""

    @app.before_request
    def _refuse_on_an_old_schema():
        if not request.path.startswith("/api/") or request.path.endswith(("/livez", "/readyz")):
            return None
        try:
            problem = runtime.schema_problem()
        except Exception:
            return None  # the database is down: the request meets that itself (a 503)
        if problem:
            raise ApiError("SCHEMA_NOT_AT_HEAD", "系统正在升级，请稍后再试", 503)
        return None


class Readiness:
    """Database and broker reachable. Cached for a few seconds so probes do not hammer either."""

    def __init__(self, runtime: Runtime, ttl_seconds: float = 3.0):
        self.runtime = runtime
        self.ttl = ttl_seconds
        self._cached: tuple[float, dict[str, str]] | None = None

    def check(self) -> dict[str, str]:
        now = time.monotonic()
        if self._cached and now - self._cached[0] < self.ttl:
            return self._cached[1]
        checks = {"database": self._database(), "broker": _probe(self._broker)}
        self._cached = (now, checks)
        return checks

    def _database(self) -> str:
        state = _probe(self.runtime.db.ping)
        if state != "ok":
            return state
        try:
            problem = self.runtime.schema_problem()
        except Exception as error:
            return f"error: {type(error).__name__}"
        if problem:
            log.error("not serving: %s", problem)
            return f"behind: {problem}"
        return "ok"

    def _broker(self) -> None:
        if self.runtime.config.uses_memory_bus:
            return
        from chassis.bus.broker import connect

        with connect(self.runtime.config) as connection:
            connection.ensure_connection(max_retries=1, timeout=2)


def _probe(check) -> str:
    try:
        check()
        return "ok"
    except Exception as error:
        return f"error: {type(error).__name__}"
