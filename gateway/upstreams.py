"""Where each service answers: a WSGI app in this process (embedded) or a base URL (make up, Kubernetes)."""

from collections.abc import Iterable

import requests
from flask import Request, Response

from chassis.errors import problem_response
from chassis.http import local_app
from gateway.breaker import CircuitBreaker

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
        self.base_urls = {name: url.rstrip("/") for name, url in base_urls.items()}
        self.timeout = timeout
        self._session = requests.Session()
        # no proxy variables to consult on every call: upstreams are addressed directly
        self._session.trust_env = False
        adapter = requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=64)
        self._session.mount("http://", adapter)
        self.breakers = {name: CircuitBreaker() for name in self.base_urls}

    @classmethod
    def from_config(cls, service_urls: Iterable[str], timeout: float) -> "Upstreams":
        urls = {}
        for item in service_urls:
            name, _, url = item.partition("=")
            urls[name] = url
        return cls(urls, timeout)

    def forward(self, service: str, request: Request) -> Response:
        app = local_app(service)
        if service not in self.base_urls:
            if app is None:
                return _unavailable(service)
            # same process: hand the untouched WSGI environ to the service
            return Response.from_app(app, request.environ)
        return self._proxy(service, request)

    def _proxy(self, service: str, request: Request) -> Response:
        url = self.base_urls[service] + request.full_path.rstrip("?")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote_addr or ""
        breaker = self.breakers[service]
        if not breaker.allow():
            return _unavailable(service)
        try:
            upstream = self._session.request(
                request.method,
                url,
                headers=headers,
                data=request.get_data(),
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException:
            breaker.failed()
            return _unavailable(service)
        if upstream.status_code in (502, 503, 504):
            breaker.failed()
        else:
            breaker.succeeded()
        response_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP]
        return Response(upstream.content, status=upstream.status_code, headers=response_headers)


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
