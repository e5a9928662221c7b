"""The gateway app: one port in front of every service, plus the web hall's static pages."""

import time
import uuid
from pathlib import Path

from flask import Flask, Response, abort, g, jsonify, render_template_string, request, send_from_directory

from chassis import metrics
from chassis.errors import install_error_handlers
from chassis.logs import configure_logging
from gateway.config import GatewayConfig
from gateway.upstreams import Upstreams
from services.registry import NAMES

# paths outside /api/v1/<service>/ that a service answers
_OTHER_ROUTES = {
    "/.well-known/jwks.json": "identity",
    "/console/loans": "loans",
    "/console/withdrawals": "withdrawals",
    "/dev/sms": "notifications",
}


def create_gateway(config: GatewayConfig | None = None, upstreams: Upstreams | None = None) -> Flask:
    config = config or GatewayConfig.from_env("gateway")
    configure_logging(config.log_level, config.log_json)
    upstreams = upstreams or Upstreams.from_config(config.service_urls, config.upstream_timeout_seconds)
    app = Flask("gateway", static_folder=None)
    app.json.ensure_ascii = False
    app.extensions["hall.upstreams"] = upstreams
    install_error_handlers(app)
    web_dir = Path(config.web_dir)

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else str(uuid.uuid4())
        # services read the same id, so one request is one id across every log line
        request.environ["HTTP_X_REQUEST_ID"] = g.request_id
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if hasattr(g, "started"):
            metrics.http_latency.labels("gateway", _route_label()).observe(time.perf_counter() - g.started)
        return response

    @app.route("/api/v1/<service>/", defaults={"rest": ""}, methods=_METHODS)
    @app.route("/api/v1/<service>/<path:rest>", methods=_METHODS)
    def api(service: str, rest: str) -> Response:
        if service not in NAMES:
            abort(404)
        return upstreams.forward(service, request)

    def other(**_kwargs) -> Response:
        for prefix, service in _OTHER_ROUTES.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return upstreams.forward(service, request)
        abort(404)

    for prefix in _OTHER_ROUTES:
        app.add_url_rule(prefix, f"other{prefix}", other, methods=_METHODS)
        app.add_url_rule(f"{prefix}/<path:rest>", f"other{prefix}/rest", other, methods=_METHODS)

    @app.get("/livez")
    def livez():
        return jsonify(status="ok", service="gateway")

    @app.get("/readyz")
    def readyz():
        checks = {}
        for service in NAMES:
            environ_request = app.test_request_context(f"/api/v1/{service}/readyz").request
            reply = upstreams.forward(service, environ_request)
            checks[service] = "ok" if reply.status_code == 200 else f"status {reply.status_code}"
        ok = all(value == "ok" for value in checks.values())
        return jsonify(status="ok" if ok else "unavailable", checks=checks), 200 if ok else 503

    @app.get("/metrics")
    def metrics_view():
        body, content_type = metrics.render_metrics()
        return Response(body, content_type=content_type)

    @app.get("/api/docs")
    def api_docs():
        return render_template_string(_DOCS_PAGE, services=NAMES)

    @app.get("/")
    def index():
        if (web_dir / "index.html").exists():
            return send_from_directory(web_dir, "index.html")
        return jsonify(service="gateway", message="宁夏住房公积金网上业务大厅")

    @app.get("/<path:filename>")
    def web_file(filename: str):
        return send_from_directory(web_dir, filename)

    return app


def _route_label() -> str:
    return request.url_rule.rule if request.url_rule else "unmatched"


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

_DOCS_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>接口文档</title></head>
<body><h1>宁夏住房公积金网上业务大厅 · 接口文档 (OpenAPI)</h1><ul>
{% for s in services %}<li><a href="/api/v1/{{ s }}/openapi.json">{{ s }}</a></li>{% endfor %}
</ul></body></html>"""
