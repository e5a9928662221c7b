"""Where each service answers: a WSGI app in this process (embedded) or a base URL (make up, Kubernetes)."""

from collections.abc import Iterable
from urllib.parse import quote

from flask import Request, Response

from chassis.errors import problem_response
from chassis.http import local_app
from gateway.breaker import CircuitBreaker
from gateway.upstream_client import UpstreamClient, UpstreamError

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}


class Upstreams:
    def __init__(self, base_urls: dict[str, str], timeout: float = 10.0):
        self.clients = {name: UpstreamClient(url.rstrip("/"), timeout) for name, url in base_urls.items()}
        self.breakers = {name: CircuitBreaker() for name in self.clients}

    @classmethod
    def from_config(cls, service_urls: Iterable[str], timeout: float) -> "Upstreams":
        urls = {}
        for item in service_urls:
            name, _, url = item.partition("=")
            urls[name] = url
        return cls(urls, timeout)

    def forward(self, service: str, request: Request) -> Response:
        app = local_app(service)
        if service not in self.clients:
            if app is None:
                return _unavailable(service)
            # same process: hand the untouched WSGI environ to the service
            return Response.from_app(app, request.environ)
        return self._proxy(service, request)

    def _proxy(self, service: str, request: Request) -> Response:
        breaker = self.breakers[service]
        if not breaker.allow():
            return _unavailable(service)
        target = _target_of(request.environ)
        headers = [(name, value) for name, value in request.headers.items() if name.lower() not in _HOP_BY_HOP]
        headers.append(("X-Forwarded-For", request.remote_addr or ""))
        try:
            reply = self.clients[service].request(request.method, target, headers, request.get_data())
        except UpstreamError:
            breaker.failed()
            return _unavailable(service)
        if reply.status in (502, 503, 504):
            breaker.failed()
        else:
            breaker.succeeded()
        response_headers = [(name, value) for name, value in reply.headers if name.lower() not in _HOP_BY_HOP]
        return Response(reply.body, status=reply.status, headers=response_headers)


def _target_of(environ: dict) -> str:
    """The path the gateway checked (never the raw URI, whose `%2F` or `//` a service might read differently),
    quoted again, and the query string as it came."""
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe=_PATH_SAFE, encoding="latin-1")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path


_PATH_SAFE = "/:@!$&'()*+,;=-._~"

_NAMES = {
    "identity": "登录认证",
    "accounts": "个人账户",
    "loans": "贷款",
    "withdrawals": "提取",
    "notifications": "消息",
}


def _unavailable(service: str) -> Response:
    return problem_response(
        503, "SERVICE_UNAVAILABLE", f"{_NAMES.get(service, service)}服务暂不可用，请稍后再试", service=service
    )
