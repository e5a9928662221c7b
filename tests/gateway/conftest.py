"""The gateway contract suite runs every test against both gateways made from gateway/routes.py: the embedded one
of `make run` (in process) and a real HAProxy started here from the generated config, in front of the same
services served over HTTP."""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.test import Client

from chassis.http import _local_apps, local_app, register_local_app
from gateway import routes
from gateway.app import create_gateway
from gateway.config import GatewayConfig
from gateway.edge_keys import write_keys
from gateway.embedded import EmbeddedGateway
from gateway.haproxy_config import EdgeSettings, render

CORS_ORIGIN = "https://hall.example.cn"
STARTED = ("identity", "accounts", "loans")  # withdrawals and notifications stay down: their 503 is tested


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    def json(self):
        import json

        return json.loads(self.body)


@dataclass
class Recorder:
    """Wraps a service's WSGI app and keeps the environ of each request that reached it."""

    app: object
    seen: list = field(default_factory=list)

    def __call__(self, environ, start_response):
        self.seen.append({key: value for key, value in environ.items() if key.startswith(("HTTP_", "REMOTE_"))})
        return self.app(environ, start_response)


class EmbeddedEdge:
    kind = "embedded"

    def __init__(self, hall):
        self.hall = hall
        config = GatewayConfig(service="gateway", database_url="sqlite://", cors_origins=(CORS_ORIGIN,))
        self.client = Client(EmbeddedGateway(config))

    def request(self, method: str, path: str, headers: dict | None = None, json=None) -> Reply:
        reply = self.client.open(
            path, method=method, headers=headers or {}, json=json, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        return Reply(reply.status_code, {k.lower(): v for k, v in reply.headers.items()}, reply.get_data())

    def oversized(self, path: str, length: int) -> Reply:
        reply = self.client.open(
            path,
            method="POST",
            data=b"{}",
            content_type="application/json",
            environ_overrides={"CONTENT_LENGTH": str(length)},
        )
        return Reply(reply.status_code, {k.lower(): v for k, v in reply.headers.items()}, reply.get_data())

    def rotate_keys(self) -> None:
        """Nothing to do: the embedded gateway fetches identity's JWKS again when it meets a new kid."""

    def stop(self) -> None:
        pass


class HaproxyEdge:
    kind = "haproxy"

    def __init__(self, hall, tmp_path: Path, started: tuple[str, ...] = STARTED):
        if not shutil.which("haproxy"):
            pytest.fail("haproxy is not installed: apt-get install haproxy (Debian's 2.6)", pytrace=False)
        self.hall = hall
        self.tmp = tmp_path
        self.servers = []
        addresses = {name: f"127.0.0.1:{free_port()}" for name in routes.SERVICES}  # the others: closed ports
        for name in started:
            addresses[name] = self._serve(local_app(name))
        web = create_gateway(GatewayConfig(service="gateway", database_url="sqlite://"))
        self.keys = tmp_path / "keys"
        self.refresh_keys()
        self.port = free_port()
        # the revocation list starts empty; gateway/revocation_feeder.py fills it (tests/gateway/test_edge_revocation)
        self.revoked_map = tmp_path / "revoked-sessions.map"
        self.revoked_map.touch()
        self.admin_socket = tmp_path / "admin.sock"
        self.settings = EdgeSettings(
            services=addresses,
            web=self._serve(web),
            keys_dir=str(self.keys),
            revoked_map=str(self.revoked_map),
            admin_socket=str(self.admin_socket),
            bind=f"127.0.0.1:{self.port}",
            metrics_bind=f"127.0.0.1:{free_port()}",
            cors_origins=(CORS_ORIGIN,),
            dev=True,
            clock_shift_seconds=EdgeSettings.from_env(
                {"HALL_SERVICE_URLS": ",".join(f"{n}=http://{a}" for n, a in addresses.items())}
            ).clock_shift_seconds,
        )
        self.config = tmp_path / "haproxy.cfg"
        self.config.write_text(render(self.settings), encoding="utf-8")
        check = subprocess.run(["haproxy", "-c", "-f", str(self.config)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        self.log = tmp_path / "haproxy.log"
        self.process = self._start()
        self.base = f"http://127.0.0.1:{self.port}"
        self.session = requests.Session()
        try:
            self._wait_up()
        except BaseException:
            self.stop()
            raise

    def refresh_keys(self) -> list[str]:
        return write_keys(self.hall.client("identity").get("/.well-known/jwks.json").get_json(), self.keys)

    def _serve(self, app) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.servers.append(server)
        return f"127.0.0.1:{server.server_port}"

    def _start(self, *extra: str) -> subprocess.Popen:
        with open(self.log, "ab") as log:
            return subprocess.Popen(
                ["haproxy", "-db", "-f", str(self.config), *extra], stdout=log, stderr=subprocess.STDOUT
            )

    def _wait_up(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.session.get(f"{self.base}/api/v1/identity/livez", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError("haproxy did not come up: " + self.log.read_text(errors="replace")[-2000:])

    def rotate_keys(self) -> None:
        """What deploy/edge-rotate-keys.sh does after identity published the new key: write the PEM files from
        the JWKS and reload."""
        self.refresh_keys()
        self.reload()

    def reload(self) -> None:
        """What deploy/edge-rotate-keys.sh does: a new process takes over the port, the old one finishes."""
        old = self.process
        self.process = self._start("-sf", str(old.pid))
        old.wait(20)
        self._wait_up()

    def request(self, method: str, path: str, headers: dict | None = None, json=None) -> Reply:
        reply = self.session.request(method, self.base + path, headers=headers or {}, json=json, timeout=10)
        return Reply(reply.status_code, {k.lower(): v for k, v in reply.headers.items()}, reply.content)

    def oversized(self, path: str, length: int) -> Reply:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(
                f"POST {path} HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n"
                f"Content-Length: {length}\r\n\r\n{{}}".encode()
            )
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < 10:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        return Reply(int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(20)
        for server in self.servers:
            server.shutdown()


@pytest.fixture
def hall(start_hall, monkeypatch):
    hall = start_hall(list(STARTED), mode="embedded")
    hall.seed()
    for name in routes.SERVICES:
        if name not in STARTED:
            monkeypatch.delitem(_local_apps, name, raising=False)
    recorder = Recorder(local_app("identity"))
    register_local_app("identity", recorder)
    hall.identity_recorder = recorder
    return hall


@pytest.fixture(params=["embedded", "haproxy"])
def edge(request, hall, tmp_path):
    edge = EmbeddedEdge(hall) if request.param == "embedded" else HaproxyEdge(hall, tmp_path)
    yield edge
    edge.stop()


def pytest_configure(config):
    os.environ.setdefault("HALL_TRUSTED_PROXIES", "127.0.0.1/32,::1/128")
