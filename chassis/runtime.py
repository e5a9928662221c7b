"""A running service: its configuration, database, token verifier and background workers (relay, consumers)."""

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app

from chassis.auth import JwksKeys, TokenVerifier
from chassis.bus.consumer import ConsumerWorker
from chassis.bus.relay import OutboxRelay
from chassis.bus.subscriptions import Subscription
from chassis.config import ServiceConfig
from chassis.db import Database
from chassis.http import ServiceClient

if TYPE_CHECKING:
    from chassis.service import Service

log = logging.getLogger("chassis.runtime")


class Runtime:
    def __init__(self, service: "Service", config: ServiceConfig):
        self.service = service
        self.config = config
        pool = {"pool_size": config.db_pool_size, "max_overflow": config.db_max_overflow}
        self.db = Database(config.database_url, service=service.name, **pool)
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.consumer: ConsumerWorker | None = None
        self.relay: OutboxRelay | None = None
        # threads that ended (by an exception or a return) before stop(); on_thread_death hears of each
        self.dead_threads: list[str] = []
        self.on_thread_death: Callable[[str], None] | None = None
        self._schema_ok = False
        self._schema_checked: tuple[float, str | None] = (-1e9, None)
        from chassis import state_metrics

        state_metrics.register(self, business=False)

    @property
    def name(self) -> str:
        return self.service.name

    def client(self, service: str) -> ServiceClient:
        return ServiceClient(service, self.config.service_url(service))

    @property
    def subscriptions(self) -> list[Subscription]:
        """The service's subscriptions, their queues named with this runtime's queue prefix."""
        prefix = self.config.queue_prefix
        return [replace(item, queue=prefix + item.queue) for item in self.service.subscriptions or []]

    @cached_property
    def token_verifier(self) -> TokenVerifier:
        if self.config.jwks_url:
            import requests

            def fetch() -> dict:
                response = requests.get(self.config.jwks_url, timeout=3)
                response.raise_for_status()
                return response.json()
        else:
            identity = self.client("identity")

            def fetch() -> dict:
                reply = identity.get_json("/.well-known/jwks.json")
                if reply.status != 200:
                    raise ConnectionError(f"JWKS answered {reply.status}")
                return reply.body

        return TokenVerifier(JwksKeys(fetch), self.config.token_audience, self.config.token_issuer, self.revocations)

    @cached_property
    def revocations(self):
        """Revoked sessions (chassis.revocation), for services whose tables include revoked_sessions."""
        from chassis.revocation import TABLE, RevocationList

        revoked = self.service.metadata.tables.get(TABLE)
        return RevocationList(self.db, revoked) if revoked is not None else None

    def migrate(self) -> None:
        from chassis.migrations import upgrade

        upgrade(self.service, self.config.database_url)

    def start_workers(self, relay: bool = True, consumers: bool = True) -> None:
        """Relay and consumers on daemon threads (embedded mode, the worker process, tests).

        Queues are declared before this returns, so nothing published afterwards finds them missing.
        """
        subscriptions = self.subscriptions
        if consumers and subscriptions:
            self.declare_topology()
            self.consumer = ConsumerWorker(self.db, self.config, subscriptions)
            self._spawn(f"{self.name}-consumer", self.consumer.run)
            from chassis.bus.parking import redrive_transient_loop

            queues = [item.queue for item in subscriptions]
            self._spawn(
                f"{self.name}-transient-redrive", lambda stop: redrive_transient_loop(self.config, queues, stop)
            )
        if relay:
            from chassis import state_metrics

            state_metrics.register(self, business=True)
            self.relay = OutboxRelay(self.db, self.config)
            self._spawn(f"{self.name}-relay", self.relay.run)
            for index, loop in enumerate(self.service.background_loops):
                self._spawn(f"{self.name}-loop{index}", lambda stop, loop=loop: loop(self, stop))

    def declare_topology(self) -> None:
        from chassis.bus import topology
        from chassis.bus.broker import connect

        with connect(self.config) as connection:
            connection.ensure_connection(max_retries=3)
            topology.declare(
                connection,
                self.config.exchange,
                self.subscriptions,
                self.config.queue_type,
            )

    def wait_for_outbox_sent(self, timeout: float) -> bool:
        """True once every outbox row is sent (the relay must be running); False if `timeout` passes first."""
        from sqlalchemy import func, select

        from chassis.bus.tables import outbox

        deadline = time.monotonic() + timeout
        while True:
            with self.db.read() as connection:
                unsent = connection.scalar(select(func.count()).where(outbox.c.sent_at.is_(None)))
            if not unsent:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def _spawn(self, name: str, target) -> None:
        def guarded(stop: threading.Event) -> None:
            try:
                target(stop)
            except BaseException:
                log.exception("thread %s died", name)
            finally:
                if not stop.is_set():
                    log.critical("thread %s ended while the process runs: it cannot do its job any more", name)
                    self.dead_threads.append(name)
                    if self.on_thread_death is not None:
                        self.on_thread_death(name)

        thread = threading.Thread(target=guarded, args=(self.stop_event,), name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def schema_problem(self) -> str | None:
        """Why this process must not serve on its database (behind this release's migrations), or None."""
        if self._schema_ok or self.config.embedded:
            return None
        from chassis.migrations import schema_status

        checked_at, problem = self._schema_checked
        if time.monotonic() - checked_at > 5.0:  # behind: look again every few seconds, until the Job has run
            problem = schema_status(self.service, self.db.engine)
            self._schema_checked = (time.monotonic(), problem)
            self._schema_ok = problem is None
        return problem

    def liveness(self) -> dict[str, str]:
        """Each background thread alive (a worker's loops)."""
        checks = {thread.name: "ok" if thread.is_alive() else "dead" for thread in self.threads}
        checks.update({name: "dead" for name in self.dead_threads})
        return checks

    def readiness(self) -> dict[str, str]:
        checks = self.liveness()
        try:
            self.db.ping()
            checks["database"] = self.schema_problem() or "ok"
        except Exception as error:
            checks["database"] = f"unavailable: {type(error).__name__}"
        if self.consumer is not None:
            checks["broker"] = "ok" if self.consumer.connected.is_set() else "consumer not connected"
        return checks

    def signal_stop(self) -> None:
        """Tell every loop to finish; a relay waiting for its next look is woken so that it notices at once."""
        self.stop_event.set()
        if self.relay is not None:
            self.relay.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self.signal_stop()
        for thread in self.threads:
            thread.join(timeout)
        self.threads.clear()
        from chassis import state_metrics

        state_metrics.unregister(self)
        self.db.dispose()


def current_runtime() -> Runtime:
    return current_app.extensions["hall.runtime"]


class WorkerThreadDied(RuntimeError):
    """A worker's relay, consumer or loop ended: the process exits so that Kubernetes restarts the pod."""


class HealthServer:
    """/livez, /readyz and /metrics of a process that is not a web app (a worker), on its own port."""

    def __init__(self, runtime: Runtime, port: int, host: str = "0.0.0.0"):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from chassis import metrics

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    body, content_type = metrics.render_metrics()
                    return self._answer(200, body, content_type)
                if path in ("/livez", "/readyz"):
                    checks = runtime.liveness() if path == "/livez" else runtime.readiness()
                    # the broker is reported, not required: a worker waiting for RabbitMQ reconnects by itself, and
                    # an unready pod would only block node drains (its disruption budget) while the broker is away
                    ok = all(value == "ok" for key, value in checks.items() if key != "broker")
                    document = {"status": "ok" if ok else "unavailable", "service": runtime.name, "checks": checks}
                    body = json.dumps(document, ensure_ascii=False).encode()
                    return self._answer(200 if ok else 503, body, "application/json")
                return self._answer(404, b"{}", "application/json")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args) -> None:  # probes every few seconds: not worth a log line
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="health", daemon=True)

    def start(self) -> "HealthServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_worker(runtime: Runtime, relay: bool = True, consumers: bool = True, health_port: int | None = None) -> None:
    """The worker process: relay, consumers and loops until SIGTERM; a thread that dies ends the process (raises
    WorkerThreadDied) so the pod restarts instead of idling while it reports itself running."""
    from chassis import metrics, tracing
    from chassis.migrations import SchemaNotAtHead

    tracing.configure(runtime.name, embedded=runtime.config.embedded)
    tracing.instrument_engine(runtime.db.engine)
    problem = runtime.schema_problem()
    if problem:
        raise SchemaNotAtHead(problem)
    done = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: done.set()) for signum in (signal.SIGINT, signal.SIGTERM)}
    runtime.on_thread_death = lambda _name: done.set()
    metrics.reset_multiprocess_folder()
    port = runtime.config.worker_health_port if health_port is None else health_port
    health = HealthServer(runtime, port).start() if port else None
    try:
        runtime.start_workers(relay=relay, consumers=consumers)
        log.info("%s: worker running (health on port %s)", runtime.name, health.port if health else "none")
        done.wait()
    finally:
        if health:
            health.stop()
        runtime.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if runtime.dead_threads:
        raise WorkerThreadDied(f"{runtime.name}: thread {', '.join(runtime.dead_threads)} died; the worker exits")
