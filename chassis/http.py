"""Calls from one service (or the gateway) to another: over HTTP in production, in process when embedded."""

from dataclasses import dataclass
from typing import Any

import requests
from werkzeug.test import Client

from chassis import tracing

_local_apps: dict[str, Any] = {}


def register_local_app(service: str, wsgi_app: Any) -> None:
    """Embedded mode: `service` is answered by this WSGI app in the same process."""
    _local_apps[service] = wsgi_app


def local_app(service: str) -> Any | None:
    return _local_apps.get(service)


@dataclass
class Reply:
    status: int
    body: Any


class ServiceClient:
    def __init__(self, service: str, base_url: str | None, timeout: float = 3.0):
        self.service = service
        self.base_url = base_url
        self.timeout = timeout
        self._session = requests.Session() if base_url else None

    def get_json(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_json(self, path: str, body: Any, headers: dict[str, str] | None = None) -> Reply:
        return self.request("POST", path, body=body, headers=headers)

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        if self._session is not None:
            response = self._session.request(
                method, self.base_url + path, json=body, headers=headers, timeout=self.timeout
            )
            try:
                return Reply(response.status_code, response.json() if response.content else None)
            except ValueError:
                return Reply(response.status_code, None)
        app = local_app(self.service)
        if app is None:
            raise ConnectionError(f"service {self.service} is not reachable in this process")
        # requests' instrumentation adds the traceparent to calls over HTTP; this call bypasses requests
        response = Client(app).open(path, method=method, json=body, headers=tracing.inject(dict(headers or {})))
        return Reply(response.status_code, response.get_json(silent=True))
