"""The production shape of the money path for the fault suite: accounts, loans and withdrawals each under gunicorn
plus its worker (as deploy/Procfile starts them in make up), on a RabbitMQ node and a PostgreSQL cluster of the
suite's own (a database each), every process supervised (restarted when it dies) so the suite can kill any of them by
PID. Loans' scheduled jobs (`job loop`) are not started: the driver calls the repayment run itself, for the months it
chooses, as the scheduler would on each due date."""

import http.server
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from chassis.testing import OwnPostgresCluster, OwnRabbitNode, TestTokens, _free_port

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "loans", "withdrawals")
BIN = Path(sys.executable).parent


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    health_url: str
    log: Path
    popen: subprocess.Popen | None = None
    restarts: int = 0

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.command, env=self.env, cwd=REPO, stdout=out, stderr=out)

    def ready(self) -> bool:
        try:
            return requests.get(self.health_url, timeout=2).status_code == 200
        except requests.RequestException:
            return False


class _Jwks(http.server.BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args) -> None:
        pass


@dataclass
class ChaosHall:
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="hall-chaos-")))
    tokens: TestTokens = field(default_factory=TestTokens)
    processes: dict[str, Process] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder.chmod(0o755)
        # a production-shaped process refuses the development key; this process (the driver) signs nothing either
        os.environ.setdefault("HALL_CERTIFICATE_KEY", secrets.token_urlsafe(32))
        self.postgres = OwnPostgresCluster(port=_port_from_env("CHAOS_PG_PORT"))
        self.rabbit = OwnRabbitNode()
        if os.environ.get("CHAOS_RABBIT_PORT"):
            self.rabbit.port = int(os.environ["CHAOS_RABBIT_PORT"])
            self.rabbit.env["RABBITMQ_NODE_PORT"] = str(self.rabbit.port)
            (self.rabbit.folder / "rabbitmq.conf").write_text(
                f"listeners.tcp.local = 127.0.0.1:{self.rabbit.port}\nloopback_users = none\n"
            )
            self.rabbit.name = f"chaos{self.rabbit.port}@localhost"
            self.rabbit.env["RABBITMQ_NODENAME"] = self.rabbit.name
        self.bank_ledger = self.folder / "development-bank.sqlite"
        self._stop = threading.Event()
        self._supervisor: threading.Thread | None = None
        self._jwks_server: http.server.ThreadingHTTPServer | None = None

    # -- start ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        broker = threading.Thread(target=self.rabbit.start)  # the two take their time: side by side
        broker.start()
        self.postgres.create()
        for name in SERVICES:
            self.database_urls[name] = self.postgres.database(f"hall_{name}")
        broker.join()
        self._serve_jwks()
        for name in SERVICES:
            self.ports[name] = _free_port()
            self.ports[f"{name}-worker"] = _free_port()
        for name in SERVICES:  # what make up's `flask migrate` and `declare-topology` do, in this process
            runtime = self.runtime(name)
            runtime.migrate()
            runtime.declare_topology()
            runtime.db.dispose()
        for name in SERVICES:
            self._add(name, self._gunicorn(name), f"http://127.0.0.1:{self.ports[name]}/readyz")
            port = self.ports[f"{name}-worker"]
            worker = [str(BIN / "flask"), "--app", f"services.{name}.app", "worker", "--health-port", str(port)]
            self._add(f"{name}-worker", worker, f"http://127.0.0.1:{port}/readyz")
        for process in self.processes.values():
            process.start()
        self.wait_ready(timeout=300)  # six Python processes importing the hall at once; slow on a busy machine
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def env(self, process: str = "") -> dict[str, str]:
        keep = ("HALL_CLOCK_SHIFT", "HALL_STAGING_RUN", "HALL_CERTIFICATE_KEY")
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(("HALL_", "ACCOUNTS_", "LOANS_", "WITHDRAWALS_"))
        }
        env.update({k: os.environ[k] for k in keep if k in os.environ})
        urls = ",".join(f"{name}=http://127.0.0.1:{self.ports[name]}" for name in SERVICES)
        env.update(
            {
                "PATH": f"{BIN}:{env.get('PATH', '')}",
                "PYTHONPATH": str(REPO),
                "HALL_BROKER_URL": self.rabbit.url,
                "HALL_EMBEDDED": "false",
                "HALL_WORKSTATION": "true",
                "HALL_DEV_INBOX": "true",
                "HALL_LOG_JSON": "false",
                "HALL_JWKS_URL": f"http://127.0.0.1:{self.ports['jwks']}/jwks.json",
                "HALL_SERVICE_URLS": urls,
                "HALL_TRUSTED_PROXIES": "127.0.0.1/32",
                "HALL_HEARTBEAT_SECONDS": "10",
                "HALL_RETRY_BASE_SECONDS": "0.5",
                "HALL_INFRASTRUCTURE_BACKOFF_MAX_SECONDS": "2",
                "HALL_TRANSIENT_REDRIVE_EVERY_SECONDS": "10",
                "WITHDRAWALS_BANK_LEDGER_PATH": str(self.bank_ledger),
                "WITHDRAWALS_PAYMENT_RESEND_SECONDS": "5",
                "WITHDRAWALS_PAYMENT_POLL_SECONDS": "0.5",
                "WEB_CONCURRENCY": "2",
                **{f"{name.upper()}_DATABASE_URL": url for name, url in self.database_urls.items()},
            }
        )
        if process:
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.folder / "prom" / process)
        return env

    def _serve_jwks(self) -> None:
        _Jwks.body = json.dumps(self.tokens.jwks()).encode()
        self._jwks_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
        self.ports["jwks"] = self._jwks_server.server_address[1]
        threading.Thread(target=self._jwks_server.serve_forever, daemon=True).start()

    def runtime(self, service: str):
        """A runtime of `service` in this process on the hall's database and broker (no workers started)."""
        from services.registry import load

        loaded = load(service)
        settings = {"broker_url": self.rabbit.url, "database_url": self.database_urls[service], "embedded": False}
        return loaded.runtime(loaded.load_config(workstation=True, **settings))

    def _gunicorn(self, name: str) -> list[str]:
        bind = f"127.0.0.1:{self.ports[name]}"
        config = str(REPO / "deploy" / "gunicorn.conf.py")
        return [str(BIN / "gunicorn"), "-c", config, "-b", bind, f"services.{name}.app:create_app()"]

    def _add(self, name: str, command: list[str], health_url: str) -> None:
        self.processes[name] = Process(name, command, self.env(name), health_url, self.folder / f"{name}.log")

    # -- supervision and faults ----------------------------------------------------------------------------
    def _supervise(self) -> None:
        """What honcho or Kubernetes does: a process that died is started again (after a second)."""
        while not self._stop.wait(0.5):
            for process in self.processes.values():
                if process.popen is not None and process.popen.poll() is not None:
                    time.sleep(1.0)
                    if self._stop.is_set():
                        return
                    process.restarts += 1
                    process.start()

    def kill(self, name: str) -> int:
        """kill -9 of the process (a gunicorn master: its workers leave by themselves once it is gone)."""
        process = self.processes[name]
        pid = process.pid
        os.kill(pid, 9)
        return pid

    def metric(self, process: str, name: str) -> float:
        """The sum of a metric's samples on a process's /metrics (0 when absent)."""
        url = self.processes[process].health_url.replace("/readyz", "/metrics")
        total = 0.0
        for line in requests.get(url, timeout=5).text.splitlines():
            if line.startswith(name) and not line.startswith("#"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def ready(self) -> bool:
        return all(process.ready() for process in self.processes.values())

    def wait_ready(self, timeout: float) -> float:
        """Seconds until every process answers /readyz 200."""
        started = time.monotonic()
        while not self.ready():
            if time.monotonic() - started > timeout:
                states = {name: process.ready() for name, process in self.processes.items()}
                raise TimeoutError(f"the hall not ready after {timeout}s: {states}; logs in {self.folder}")
            time.sleep(0.2)
        return time.monotonic() - started

    def restart_broker(self) -> None:
        self.rabbit.ctl("stop_app")
        time.sleep(1.0)
        self.rabbit.ctl("start_app")

    def restart_database(self) -> None:
        self.postgres.stop()
        time.sleep(1.0)
        self.postgres.start()

    def take_database_away(self, service: str, seconds: float) -> None:
        """Only `service`'s database refuses connections (and loses the ones it had) for `seconds`."""
        database = f"hall_{service}"
        admin = create_engine(self.postgres.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": database},
                )
            time.sleep(seconds)
        finally:
            _retry(lambda: _allow(admin, database), 60)
            admin.dispose()

    # -- the end -------------------------------------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is None:
                process.popen.terminate()
        for process in self.processes.values():
            if process.popen is not None:
                try:
                    process.popen.wait(25)
                except subprocess.TimeoutExpired:
                    process.popen.kill()
        if self._jwks_server is not None:
            self._jwks_server.shutdown()
        self.rabbit.stop()
        self.postgres.remove()
        if not os.environ.get("CHAOS_KEEP_LOGS"):
            shutil.rmtree(self.folder, ignore_errors=True)


def _allow(admin, database: str) -> None:
    with admin.connect() as connection:
        connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))


def _retry(action, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            action()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _port_from_env(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else None
