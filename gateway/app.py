"""The hall's web app, behind the edge (HAProxy in make up and Kubernetes, gateway/embedded.py in make run): the
web hall's static files, /api/docs, /livez and /readyz. It forwards nothing: routing, tokens, rate limits and the
security headers are the edge's (gateway/routes.py)."""

import hashlib
import json
import re
from pathlib import Path

from flask import Flask, Response, jsonify, render_template_string, request, send_from_directory
from werkzeug.exceptions import NotFound

from chassis import tracing
from chassis.app import install_health, install_request_context
from chassis.errors import install_error_handlers
from chassis.http import ServiceClient
from chassis.logs import configure_logging
from gateway.config import GatewayConfig
from gateway.routes import SERVICES

# index.html names its stylesheet, icon and entry script with `?v=<content hash>`: under that URL a file never
# changes, so browsers keep it a year; the page itself is never cached, so a release is seen at once
_ASSET_LINK = re.compile(r'(href|src)="((?:assets/|app/)?[A-Za-z0-9_./-]+\.(?:css|js|svg|png))"')
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"

# the installable app (gateway/web/sw.js): the service worker's script is asked for on every visit, so a release
# reaches an installed app at once; it is written with the release's version and the list of files it keeps offline
SERVICE_WORKER = "sw.js"
MANIFEST = "manifest.webmanifest"
MANIFEST_TYPE = "application/manifest+json"
_BUILD_LINE = re.compile(r"^const BUILD = .*;$", re.MULTILINE)
# what the web folder holds that the app never loads: the worker itself and the folder's notes
_NOT_IN_SHELL = {SERVICE_WORKER, "README.md", "index.html"}


def create_gateway(config: GatewayConfig | None = None, service_checks: bool = False) -> Flask:
    """`service_checks`: /readyz also asks every service's /readyz (make run, where this process is the hall);
    behind HAProxy the edge checks the services itself and /readyz is this app's own."""
    config = config or GatewayConfig.from_env("gateway")
    configure_logging(config.log_level, config.log_json)
    tracing.configure("gateway", embedded=config.embedded)
    app = Flask("gateway", static_folder=None)
    app.json.ensure_ascii = False
    install_error_handlers(app)
    install_request_context(app, "gateway")
    clients = {name: ServiceClient(name, config.service_url(name)) for name in SERVICES}

    def readiness() -> dict[str, str]:
        if not service_checks:
            return {"web": "ok"}
        checks = {}
        for name, client in clients.items():
            try:
                status = client.get_json(f"/api/v1/{name}/readyz").status
            except (ConnectionError, OSError):
                status = 0
            checks[name] = "ok" if status == 200 else f"status {status}"
        return checks

    install_health(app, "gateway", readiness)
    web_dir = Path(config.web_dir)

    @app.get("/api/docs")
    def api_docs():
        documents = {}
        for name, client in clients.items():
            try:
                reply = client.get_json(f"/api/v1/{name}/openapi.json")
            except (ConnectionError, OSError):
                reply = None
            documents[name] = reply.body if reply is not None and reply.status == 200 else None
        return render_template_string(_DOCS_PAGE, documents=documents)

    @app.get("/")
    def index():
        page = web_dir / "index.html"
        if not page.exists():
            return jsonify(service="gateway", message="宁夏住房公积金网上业务大厅")
        return _no_cache(Response(_versioned_links(page.read_text(encoding="utf-8"), web_dir), mimetype="text/html"))

    @app.get("/" + SERVICE_WORKER)
    def service_worker():
        if not (web_dir / SERVICE_WORKER).is_file():
            raise NotFound()
        script = (web_dir / SERVICE_WORKER).read_text(encoding="utf-8")
        build = json.dumps(shell_build(web_dir), ensure_ascii=False, separators=(",", ":"))
        response = Response(_BUILD_LINE.sub(lambda _: f"const BUILD = {build};", script, count=1))
        response.mimetype = "text/javascript"
        response.headers["Service-Worker-Allowed"] = "/"
        return _no_cache(response)

    @app.get("/<path:filename>")
    def web_file(filename: str):
        if filename == "index.html":
            return index()
        try:
            response = send_from_directory(web_dir, filename)
        except NotFound:
            if filename.startswith("api/") or not request.accept_mimetypes.accept_html:
                raise  # a program asked: problem+json, as every API answers
            # a person typed or followed a wrong address: the hall's own page, in Chinese
            return _no_cache(Response(_NOT_FOUND_PAGE, status=404, mimetype="text/html"))
        if filename.endswith(".html"):
            return _no_cache(response)
        if filename == MANIFEST:
            response.mimetype = MANIFEST_TYPE
            return _no_cache(response)
        response.headers["Cache-Control"] = LONG_CACHE if request.args.get("v") else SHORT_CACHE
        return response

    tracing.instrument_app(app)
    return app


def _versioned_links(page: str, web_dir: Path) -> str:
    def add_version(found: re.Match) -> str:
        asset = web_dir / found.group(2)
        if not asset.is_file():
            return found.group(0)
        digest = hashlib.sha256(asset.read_bytes()).hexdigest()[:12]
        return f'{found.group(1)}="{found.group(2)}?v={digest}"'

    return _ASSET_LINK.sub(add_version, page)


def shell_build(web_dir: Path) -> dict:
    """What the service worker keeps for offline use: the page ("/") and every file it loads (styles, modules,
    assets, the manifest, the offline page), and a version made from all their contents — any change to any of
    them is a new version, which the worker installs whole beside the old one before it takes over."""
    files = sorted(
        path.relative_to(web_dir).as_posix()
        for path in web_dir.rglob("*")
        if path.is_file() and path.relative_to(web_dir).as_posix() not in _NOT_IN_SHELL
    )
    digest = hashlib.sha256()
    for name in ["index.html", SERVICE_WORKER, *files]:
        content = (web_dir / name).read_bytes() if (web_dir / name).is_file() else b""
        digest.update(name.encode() + b"\0" + content + b"\0")
    return {"version": digest.hexdigest()[:16], "files": ["/", *(f"/{name}" for name in files)]}


def _no_cache(response: Response) -> Response:
    # the page names the versioned assets: a browser must ask again each time to pick up a new release
    response.headers["Cache-Control"] = "no-cache"
    return response


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


_NOT_FOUND_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>页面不存在 - 宁夏住房公积金网上业务大厅</title>
<link rel="stylesheet" href="/styles.css"></head><body><main id="main" class="container">
<section class="card" id="not-found"><h1>页面不存在</h1><p>您访问的页面不存在，请检查地址是否正确。</p>
<p><a class="btn btn-primary" id="not-found-home" href="/">返回网上业务大厅首页</a></p>
<p class="hint">如需帮助请拨打12329住房公积金服务热线。</p></section></main></body></html>"""
