"""`make run`: the whole hall in one process — every service, the gateway, the in-memory bus, SQLite, demo data.

The embedded gateway does here what HAProxy does in make up and Kubernetes, from the same route table
(gateway/routes.py): it routes by prefix and hands the request's WSGI environ to the service's app in this process
(no HTTP client), checks tokens on protected routes, counts the rate-limit classes, refuses oversized bodies,
writes X-Forwarded-For and X-Request-ID, and sets the security and CORS headers.
"""

import json
import logging
import os
import re
import signal
import sys
import threading
import uuid
from collections.abc import Callable, Iterable

from waitress.server import create_server

from chassis import clock, metrics, tracing
from chassis.auth import JwksKeys, TokenVerifier
from chassis.config import data_dir
from chassis.errors import ApiError
from chassis.http import ServiceClient, local_app, register_local_app
from chassis.logs import configure_logging
from chassis.runtime import Runtime
from gateway import routes
from gateway.app import create_gateway
from gateway.config import GatewayConfig
from services.registry import all_services

log = logging.getLogger("hall.embedded")

_REQUEST_ID = re.compile(routes.REQUEST_ID_PATTERN)


class WindowCounter:
    """Request rates per (class, key) in this process, counted as HAProxy's stick tables count them at the edge
    (its freq_ctr): this period's count plus the last period's, weighted by how much of it still overlaps the
    sliding window — so a burst across a period boundary is still counted whole."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], tuple[int, int, int]] = {}  # (period number, this, previous)
        self._lock = threading.Lock()

    def hit(self, rate: routes.RateClass, key: str) -> int | None:
        """Count one request; the seconds to wait if the rate is over the class's limit, else None."""
        now = clock.timestamp()
        period = int(now // rate.period_seconds)
        with self._lock:
            if len(self._counts) > 100_000:
                self._counts.clear()
            seen, current, previous = self._counts.get((rate.name, key), (period, 0, 0))
            if seen != period:
                current, previous = 0, current if seen == period - 1 else 0
            current += 1
            self._counts[(rate.name, key)] = (period, current, previous)
        elapsed = now - period * rate.period_seconds
        estimate = current + previous * (1 - elapsed / rate.period_seconds)
        if estimate > rate.requests:
            return max(1, round(rate.period_seconds - elapsed))
        return None


class EmbeddedGateway:
    """WSGI app: the edge of `make run` in front of the services' apps and the web app, all in this process."""

    def __init__(self, config: GatewayConfig, web_app: Callable | None = None):
        self.config = config
        self.web_app = web_app or create_gateway(config, service_checks=True)
        self.cors_origins = set(config.cors_origins)
        self.limits = WindowCounter()
        self.general = {rate.key: rate for rate in routes.GENERAL_CLASSES}
        identity = ServiceClient("identity", config.service_url("identity"))

        def fetch_keys() -> dict:
            reply = identity.get_json("/.well-known/jwks.json")
            if reply.status != 200:
                raise ConnectionError(f"JWKS answered {reply.status}")
            return reply.body

        self.verifier = TokenVerifier(JwksKeys(fetch_keys), config.token_audience, config.token_issuer)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        if not _REQUEST_ID.match(request_id):
            request_id = str(uuid.uuid4())
        environ["HTTP_X_REQUEST_ID"] = request_id
        # only the edge writes X-Forwarded-For: the address it saw, never what the client sent
        for spoofable in ("HTTP_FORWARDED", "HTTP_X_REAL_IP"):
            environ.pop(spoofable, None)
        environ["HTTP_X_FORWARDED_FOR"] = environ.get("REMOTE_ADDR") or ""
        origin = environ.get("HTTP_ORIGIN", "")
        extra = self._headers(environ, request_id, origin if origin in self.cors_origins else "")
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")

        backend = routes.match(method, path, dev=self.config.dev_inbox).service or "web"

        def answer(status: str, headers: list, exc_info=None):
            metrics.edge_responses.labels(backend, status.split(" ", 1)[0]).inc()
            names = {name.lower() for name, _ in headers}
            return start_response(status, headers + [item for item in extra if item[0].lower() not in names], exc_info)

        if method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ and origin in self.cors_origins:
            return _reply(answer, "204 No Content", b"", _preflight_headers())
        refusal = self._refusal(environ, method, path)
        if refusal is not None:
            status, code, detail, headers = refusal
            return _problem(answer, status, code, detail, request_id, headers)
        target = routes.match(method, path, dev=self.config.dev_inbox)
        if target.service is None:
            return self.web_app(environ, answer)
        app = local_app(target.service)
        if app is None:
            status, code, detail = 503, "SERVICE_UNAVAILABLE", routes.unavailable_detail(target.service)
            return _problem(answer, status, code, detail, request_id, {"Retry-After": "5"})
        return app(environ, answer)

    def _refusal(self, environ: dict, method: str, path: str) -> tuple | None:
        """(status, code, detail, headers) when the edge answers itself, else None."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > routes.MAX_BODY_BYTES:
            return (*routes.PROBLEMS["too_large"], {})
        target = routes.match(method, path, dev=self.config.dev_inbox)
        if target.unknown_service:
            return (*routes.PROBLEMS["not_found"], {})
        if target.service is None:
            return None
        client = environ.get("REMOTE_ADDR") or "unknown"
        strict = routes.strict_class(method, path) if path.startswith(routes.API_PREFIX) else None
        if strict is not None:
            wait = self.limits.hit(strict, client)
            if wait:
                return (*routes.PROBLEMS["too_many"], {"Retry-After": str(wait)})
        caller = None
        if target.needs_token:
            token = _bearer(environ)
            if not token:
                return (*routes.PROBLEMS["unauthenticated"], {})
            try:
                caller = self.verifier.verify(token)
            except ApiError as error:
                return (error.status, error.code, error.detail, {})
        rate, key = (self.general["user"], caller.sub) if caller else (self.general["ip"], client)
        wait = self.limits.hit(rate, key)
        if wait:
            return (*routes.PROBLEMS["too_many"], {"Retry-After": str(wait)})
        return None

    def _headers(self, environ: dict, request_id: str, origin: str) -> list[tuple[str, str]]:
        path = environ.get("PATH_INFO", "")
        headers = [("X-Request-ID", request_id), ("Content-Security-Policy", routes.CONTENT_SECURITY_POLICY)]
        headers += list(routes.SECURITY_HEADERS)
        if path.startswith("/api/") or path.startswith("/console/"):
            headers.append(("Cache-Control", "no-store"))
        if origin:
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            headers.append(("Access-Control-Expose-Headers", "X-Request-ID, Retry-After"))
        return headers


def _bearer(environ: dict) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    return header[7:].strip() or None if header.startswith("Bearer ") else None


def _preflight_headers() -> list[tuple[str, str]]:
    return [
        ("Access-Control-Allow-Methods", routes.CORS_ALLOW_METHODS),
        ("Access-Control-Allow-Headers", routes.CORS_ALLOW_HEADERS),
        ("Access-Control-Max-Age", str(routes.CORS_MAX_AGE)),
    ]


def _reply(answer: Callable, status: str, body: bytes, headers: list[tuple[str, str]]) -> list[bytes]:
    answer(status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


def _problem(answer: Callable, status: int, code: str, detail: str, request_id: str, headers: dict) -> list[bytes]:
    body = json.dumps(
        {
            "type": f"https://nx-hall.example/problems/{code.lower().replace('_', '-')}",
            "title": code,
            "status": status,
            "code": code,
            "detail": detail,
            "request_id": request_id,
        },
        ensure_ascii=False,
    ).encode()
    phrase = {
        401: "Unauthorized",
        404: "Not Found",
        411: "Length Required",
        413: "Payload Too Large",
        429: "Too Many Requests",
        503: "Service Unavailable",
    }.get(status, "Error")
    content = [("Content-Type", "application/problem+json; charset=utf-8"), *headers.items()]
    return _reply(answer, f"{status} {phrase}", body, content)


class EmbeddedHall:
    """Builds and runs the hall in this process; tests start it too."""

    def __init__(self, seed: bool = True, **config_overrides):
        # one process for the whole hall: its spans (if OTEL_TRACES_EXPORTER asks for any) are hall-embedded's
        tracing.configure("embedded", embedded=True)
        self.runtimes: list[Runtime] = []
        for service in all_services():
            runtime = service.runtime(service.load_config(**config_overrides))
            runtime.migrate()
            app = service.create_app(runtime=runtime)
            register_local_app(service.name, app)
            self.runtimes.append(runtime)
        # every queue exists before any relay sends: nothing published at start-up is routed nowhere
        for runtime in self.runtimes:
            runtime.start_workers(relay=False)
        for runtime in self.runtimes:
            runtime.start_workers(consumers=False)
        if seed:
            for runtime in self.runtimes:
                if runtime.service.seed:
                    runtime.service.seed(runtime)
        self.gateway = EmbeddedGateway(GatewayConfig.from_env("gateway", **config_overrides))

    def stop(self) -> None:
        for runtime in self.runtimes:
            runtime.stop()


def banner(port: int, hall: EmbeddedHall) -> str:
    base = f"http://127.0.0.1:{port}"
    lines = [
        "",
        "宁夏住房公积金网上业务大厅 (embedded mode)",
        f"  网上业务大厅 web hall : {base}/",
        f"  接口文档 API docs      : {base}/api/docs",
        f"  health                : {base}/readyz   (per service: {base}/api/v1/<service>/livez)",
        f"  data folder           : {data_dir()}",
    ]
    for runtime in hall.runtimes:
        lines.extend(f"  {note}".replace("{base}", base) for note in runtime.service.demo_notes)
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def main() -> int:
    configure_logging(os.environ.get("HALL_LOG_LEVEL", "INFO"), json_lines=False)
    port = int(os.environ.get("PORT", "8000"))
    hall = EmbeddedHall()
    server = create_server(hall.gateway, host=os.environ.get("HOST", "127.0.0.1"), port=port, threads=8)
    stopping = threading.Event()

    def _stop(*_args) -> None:
        if not stopping.is_set():
            stopping.set()
            server.close()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(banner(port, hall), flush=True)
    try:
        server.run()
    except OSError:
        if not stopping.is_set():
            raise
    finally:
        hall.stop()
        print("stopped; data kept in", data_dir(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
