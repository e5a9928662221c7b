"""The edge's revocation list: revoked sessions (sid -> until) in HAProxy's map, fed from identity's events.

    python -m gateway.revocation_feeder

identity publishes `identity.session.revoked` {sid, until} on logout, password change, password reset and lock.
This process, one beside each HAProxy (make up: a Procfile line; Kubernetes: a sidecar of the edge pod):
  1. binds a queue of its own (exclusive: one per edge replica, gone with the process) to that event;
  2. then loads identity's current list (GET <identity>/internal/revoked-sessions), so nothing revoked before it
     started, or while it was away from the broker, is missing — a restarted edge is complete;
  3. writes the map file HAProxy loads when it starts (EDGE_REVOKED_MAP), and changes the running HAProxy through
     its runtime API (EDGE_ADMIN_SOCKET: `add map`, `set map`, `del map`);
  4. applies each event as it comes (idempotent: a sid keeps the latest `until`; a copy changes nothing);
  5. removes each entry once its `until` has passed (no token of that session can be valid any more), and every
     RESYNC_SECONDS compares HAProxy's map with its own (`show map`) and repairs it (an HAProxy restarted or
     reloaded meanwhile).
HAProxy refuses a listed sid with 401 TOKEN_REVOKED only while `until` is in the future, so an entry the feeder has
not removed yet refuses nothing it should not.

On EDGE_REVOCATIONS_METRICS_BIND: /readyz (200 once identity's list is in the map file: the edge pod starts
HAProxy after it), /livez, and /metrics: hall_edge_revoked_sessions, hall_edge_revocation_events_total,
hall_edge_revocation_last_event_age_seconds, hall_edge_revocation_last_sync_timestamp_seconds (the alert
HallEdgeRevocationFeederStuck watches the last one).

Settings (environment): HALL_BROKER_URL, HALL_EXCHANGE (hall.events), HALL_SERVICE_URLS (identity's address) or
EDGE_IDENTITY_URL, EDGE_REVOKED_MAP, EDGE_ADMIN_SOCKET, EDGE_REVOCATIONS_METRICS_BIND (127.0.0.1:9131),
EDGE_REVOCATIONS_QUEUE (a name prefix; the host name and process id are added), EDGE_REVOCATIONS_RESYNC_SECONDS
(30).
"""

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import requests
from kombu import Connection, Consumer, Exchange, Queue
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

from chassis import clock

log = logging.getLogger("gateway.revocation_feeder")

EVENT = "identity.session.revoked"
RESYNC_SECONDS = 30.0
# how long to wait for the broker or identity before trying again (doubling up to the cap)
RETRY_SECONDS, RETRY_CAP_SECONDS = 1.0, 30.0


@dataclass(frozen=True)
class FeederSettings:
    broker_url: str
    identity_url: str
    map_file: str
    admin_socket: str
    exchange: str = "hall.events"
    metrics_bind: str = "127.0.0.1:9131"
    queue_prefix: str = "edge.revoked-sessions"
    resync_seconds: float = RESYNC_SECONDS

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "FeederSettings":
        env = dict(os.environ if environ is None else environ)
        identity = env.get("EDGE_IDENTITY_URL", "")
        for item in env.get("HALL_SERVICE_URLS", "").split(","):
            name, _, url = item.strip().partition("=")
            if name == "identity" and not identity:
                identity = url
        if not identity:
            raise SystemExit("set EDGE_IDENTITY_URL or name identity in HALL_SERVICE_URLS")
        return cls(
            broker_url=env.get("HALL_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
            identity_url=identity.rstrip("/"),
            # absolute, as gateway.haproxy_config writes it: the runtime API names a map by that path
            map_file=os.path.abspath(env.get("EDGE_REVOKED_MAP", "var/edge/revoked-sessions.map")),
            admin_socket=os.path.abspath(env.get("EDGE_ADMIN_SOCKET", "var/edge/admin.sock")),
            exchange=env.get("HALL_EXCHANGE", "hall.events"),
            metrics_bind=env.get("EDGE_REVOCATIONS_METRICS_BIND", "127.0.0.1:9131"),
            queue_prefix=env.get("EDGE_REVOCATIONS_QUEUE", "edge.revoked-sessions"),
            resync_seconds=float(env.get("EDGE_REVOCATIONS_RESYNC_SECONDS", RESYNC_SECONDS)),
        )


class RuntimeApi:
    """HAProxy's runtime API over its Unix socket: one command per connection."""

    def __init__(self, path: str, timeout: float = 5.0):
        self.path, self.timeout = path, timeout

    def command(self, line: str) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(self.timeout)
            connection.connect(self.path)
            connection.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def entries(self, map_file: str) -> dict[str, int]:
        """`show map`: one line per entry, `<id> <key> <value>`."""
        found = {}
        for line in self.command(f"show map {map_file}").splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2].lstrip("-").isdigit():
                found[parts[1]] = int(parts[2])
        return found


def _timestamp(value: str) -> int:
    """An ISO 8601 moment (identity's `until`) as Unix time."""
    return int(clock.to_utc(datetime.fromisoformat(value)).timestamp())


def _safe_sid(sid: str) -> bool:
    # a runtime-API argument and a map-file key: no spaces, no line breaks, no quoting needed
    return 0 < len(sid) <= 64 and all(char.isalnum() or char in "-_." for char in sid)


class Feeder:
    def __init__(self, settings: FeederSettings, registry: CollectorRegistry | None = None):
        self.settings = settings
        self.api = RuntimeApi(settings.admin_socket)
        self.until: dict[str, int] = {}  # sid -> Unix time (the hall's clock) until which it is refused
        self._lock = threading.Lock()
        self.stop_event = threading.Event()
        # set once identity's list is loaded and written to the map file (/readyz; the edge pod's startup probe)
        self.loaded = threading.Event()
        self.started_at = clock.wall_clock_timestamp()
        self.last_event_at: float | None = None
        self.registry = registry or CollectorRegistry()
        self.entries_gauge = Gauge(
            "hall_edge_revoked_sessions", "Revoked sessions on the edge's list", registry=self.registry
        )
        self.entries_gauge.set_function(lambda: len(self.until))
        self.events = Counter(
            "hall_edge_revocation_events_total",
            "identity.session.revoked events the edge's feeder applied",
            ["outcome"],
            registry=self.registry,
        )
        age = Gauge(
            "hall_edge_revocation_last_event_age_seconds",
            "Seconds since the feeder's last identity.session.revoked event (since its start when none yet)",
            registry=self.registry,
        )
        age.set_function(lambda: clock.wall_clock_timestamp() - (self.last_event_at or self.started_at))
        self.last_sync = Gauge(
            "hall_edge_revocation_last_sync_timestamp_seconds",
            "Unix time the feeder last found HAProxy's map equal to its list while consuming the events",
            registry=self.registry,
        )

    # the list -------------------------------------------------------------------------------------------------

    def remember(self, sid: str, until: int) -> bool:
        """Listed until `until` (a later one wins). True when the list changed."""
        if not _safe_sid(sid) or until <= clock.timestamp():
            return False
        with self._lock:
            if self.until.get(sid, 0) >= until:
                return False
            self.until[sid] = until
        return True

    def expire(self) -> list[str]:
        now = clock.timestamp()
        with self._lock:
            gone = [sid for sid, until in self.until.items() if until <= now]
            for sid in gone:
                del self.until[sid]
        return gone

    def load_from_identity(self) -> int:
        reply = requests.get(f"{self.settings.identity_url}/internal/revoked-sessions", timeout=10)
        reply.raise_for_status()
        sessions = reply.json()["sessions"]
        for item in sessions:
            self.remember(item["sid"], _timestamp(item["until"]))
        return len(sessions)

    def write_map_file(self) -> None:
        """Atomically: HAProxy reads it whole when it starts or reloads."""
        path = Path(self.settings.map_file)
        with self._lock:
            text = "".join(f"{sid} {until}\n" for sid, until in sorted(self.until.items()))
        path.parent.mkdir(parents=True, exist_ok=True)  # the edge pod's shared volume starts empty
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_text(text, encoding="ascii")
        os.replace(temporary, path)

    # HAProxy --------------------------------------------------------------------------------------------------

    def push(self, sid: str) -> None:
        until = self.until.get(sid)
        if until is None:
            return
        answer = self.api.command(f"set map {self.settings.map_file} {sid} {until}")
        if answer.strip():  # "entry not found": not there yet
            self.api.command(f"add map {self.settings.map_file} {sid} {until}")

    def withdraw(self, sid: str) -> None:
        self.api.command(f"del map {self.settings.map_file} {sid}")

    def sync(self) -> bool:
        """Make HAProxy's map equal to the list. False when HAProxy cannot be reached (the file is still written:
        an HAProxy that starts reads it)."""
        self.expire()
        self.write_map_file()
        try:
            running = self.api.entries(self.settings.map_file)
            with self._lock:
                wanted = dict(self.until)
            for sid, until in wanted.items():
                if running.get(sid) != until:
                    self.push(sid)
            for sid in running.keys() - wanted.keys():
                self.withdraw(sid)
        except OSError as error:
            log.warning("edge runtime API unreachable (%s): %s", self.settings.admin_socket, error)
            return False
        return True

    # the events -----------------------------------------------------------------------------------------------

    def apply(self, body) -> str:
        envelope = json.loads(body) if isinstance(body, (str, bytes)) else body
        data = envelope.get("data") or {}
        try:
            sid, until = str(data["sid"]), _timestamp(data["until"])
        except (KeyError, TypeError, ValueError):
            log.warning("identity.session.revoked without a usable sid/until: %s", envelope.get("id"))
            self.events.labels("invalid").inc()
            return "invalid"
        self.last_event_at = clock.wall_clock_timestamp()
        if not self.remember(sid, until):
            self.events.labels("unchanged").inc()
            return "unchanged"
        self.write_map_file()
        try:
            self.push(sid)
        except OSError as error:  # the next sync puts it there
            log.warning("edge runtime API unreachable, %s kept for the next sync: %s", sid, error)
        self.events.labels("listed").inc()
        return "listed"

    def _queue(self) -> Queue:
        # passive: the hall's topology declares the exchange; the edge's broker user may not configure it
        exchange = Exchange(self.settings.exchange, type="topic", durable=True, passive=True)
        name = f"{self.settings.queue_prefix}.{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        return Queue(name, exchange=exchange, routing_key=EVENT, exclusive=True, auto_delete=True, durable=False)

    def run_once(self, connection: Connection) -> None:
        """One broker connection: bind first, then load identity's list (nothing revoked in between is missed),
        then follow the events until the connection fails or the feeder stops."""
        queue = self._queue()

        def on_message(body, message):
            self.apply(body)
            message.ack()

        with Consumer(connection.channel(), queues=[queue], callbacks=[on_message], accept=["json"], no_ack=False):
            loaded = self.load_from_identity()
            self.write_map_file()
            self.loaded.set()
            log.info("revocation list loaded from identity: %d sessions; following %s", loaded, EVENT)
            next_sync = 0.0
            while not self.stop_event.is_set():
                if time.monotonic() >= next_sync:
                    # expired entries leave the file and HAProxy; missing ones are put back
                    if self.sync():
                        self.last_sync.set(clock.wall_clock_timestamp())
                    next_sync = time.monotonic() + self.settings.resync_seconds
                try:
                    connection.drain_events(timeout=1.0)
                except TimeoutError:
                    connection.heartbeat_check()

    def run(self) -> None:
        delay = RETRY_SECONDS
        # the file exists before anything else, so an HAProxy started beside the feeder can load it
        if not Path(self.settings.map_file).exists():
            self.write_map_file()
        while not self.stop_event.is_set():
            try:
                with Connection(self.settings.broker_url, heartbeat=30, connect_timeout=5) as connection:
                    connection.ensure_connection(max_retries=1)
                    delay = RETRY_SECONDS
                    self.run_once(connection)
            except Exception as error:  # the broker or identity is away: try again, the list stays in HAProxy
                if self.stop_event.is_set():
                    break
                log.warning("revocation feeder: %s; again in %.0f s", error, delay)
                self.stop_event.wait(delay)
                delay = min(delay * 2, RETRY_CAP_SECONDS)

    # metrics --------------------------------------------------------------------------------------------------

    def metrics_app(self, environ, start_response):
        if environ.get("PATH_INFO") == "/metrics":
            body = generate_latest(self.registry)
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [body]
        if environ.get("PATH_INFO") == "/livez":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if environ.get("PATH_INFO") == "/readyz":  # identity's list is in the map file: HAProxy may start
            ready = self.loaded.is_set()
            start_response("200 OK" if ready else "503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"ok\n" if ready else b"loading the revoked sessions\n"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # scrapes are not worth a line each
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--metrics-port", type=int, help="serve /metrics here (the host of EDGE_REVOCATIONS_METRICS_BIND)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    feeder = Feeder(FeederSettings.from_env())
    host, _, port = feeder.settings.metrics_bind.rpartition(":")
    port = args.metrics_port or port
    server = make_server(host or "0.0.0.0", int(port), feeder.metrics_app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: feeder.stop_event.set())
    feeder.run()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
