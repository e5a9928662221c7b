"""The gateway app: one port in front of every service, plus the web hall's static pages."""

import time
import uuid
from pathlib import Path

from flask import Flask, Response, abort, g, jsonify, render_template_string, request, send_from_directory

from chassis import metrics
from chassis.auth import JwksKeys, TokenVerifier
from chassis.errors import install_error_handlers
from chassis.http import ServiceClient
from chassis.logs import configure_logging
from gateway.access import check_access
from gateway.config import GatewayConfig
from gateway.protection import install_rate_limits, install_security_headers, limits_for_api
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
    install_security_headers(app, config.cors_origins)
    limiter = install_rate_limits(app, config.rate_limit_storage, config.rate_limit_per_ip, config.rate_limit_per_user)
    verifier = _token_verifier(config)
    app.extensions["hall.token_verifier"] = verifier
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

    def authenticate() -> None:
        if request.path.startswith("/api/v1/"):
            check_access(request, verifier)

    # request id first, then the token, then the rate limits (so the per-user limit knows the user)
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.remove(_request_id)
    hooks[:0] = [_request_id, authenticate]

    @app.route("/api/v1/<service>/", defaults={"rest": ""}, methods=_METHODS)
    @app.route("/api/v1/<service>/<path:rest>", methods=_METHODS)
    @limits_for_api(limiter, config.rate_limit_per_ip, config.rate_limit_per_user)
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
        app.add_url_rule(prefix, f"other{prefix}", other, methods=_METHODS, strict_slashes=False)
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
        documents = {}
        for service in NAMES:
            reply = upstreams.forward(service, app.test_request_context(f"/api/v1/{service}/openapi.json").request)
            documents[service] = reply.get_json(silent=True) if reply.status_code == 200 else None
        return render_template_string(_DOCS_PAGE, documents=documents)

    @app.get("/")
    def index():
        if (web_dir / "index.html").exists():
            return send_from_directory(web_dir, "index.html")
        return jsonify(service="gateway", message="宁夏住房公积金网上业务大厅")

    @app.get("/<path:filename>")
    def web_file(filename: str):
        return send_from_directory(web_dir, filename)

    return app


def _token_verifier(config: GatewayConfig) -> TokenVerifier:
    identity = ServiceClient("identity", config.service_url("identity"))

    def fetch() -> dict:
        reply = identity.get_json("/.well-known/jwks.json")
        if reply.status != 200:
            raise ConnectionError(f"JWKS answered {reply.status}")
        return reply.body

    return TokenVerifier(JwksKeys(fetch), config.token_audience, config.token_issuer)


def _route_label() -> str:
    return request.url_rule.rule if request.url_rule else "unmatched"


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

_DOCS_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>接口文档</title>
<link rel="stylesheet" href="/styles.css"></head><body><main class="docs">
<h1>宁夏住房公积金网上业务大厅 · 接口文档</h1>
{% for name, doc in documents.items() %}<section><h2>{{ name }}
<a href="/api/v1/{{ name }}/openapi.json">openapi.json</a></h2>
{% if doc %}<table><thead><tr><th>方法</th><th>路径</th><th>说明</th></tr></thead><tbody>
{% for path, operations in doc.get("paths", {}).items() %}{% for method, op in operations.items() %}
{% if method in ["get", "post", "put", "patch", "delete"] %}<tr><td>{{ method | upper }}</td>
<td><code>{{ path }}</code></td><td>{{ op.get("summary") or op.get("description", "") }}</td></tr>
{% endif %}{% endfor %}{% endfor %}
</tbody></table>{% else %}<p>服务暂不可用</p>{% endif %}</section>{% endfor %}
</main></body></html>"""
