"""Test helpers (a pytest plugin): a fresh PostgreSQL database per service, a RabbitMQ vhost per test run,
the embedded bus, and waiting until an event has been handled.

A test that needs PostgreSQL or RabbitMQ fails with a clear message when it is not running; it never skips.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chassis import clock

PG_ADMIN_URL = os.environ.get("HALL_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RABBIT_HOST = os.environ.get("HALL_TEST_RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("HALL_TEST_RABBIT_PORT", "5672"))
RABBIT_USER = os.environ.get("HALL_TEST_RABBIT_USER", "guest")
RABBIT_PASSWORD = os.environ.get("HALL_TEST_RABBIT_PASSWORD", "guest")

REDIS_PORT = int(os.environ.get("HALL_TEST_REDIS_PORT", "6379"))
START_REDIS = 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no'
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_RABBITMQ = "rabbitmq-server -detached"


def wait_until(
    predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.02, what: str = ""
) -> object:
    """Poll `predicate` until it returns something truthy; fail the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if not _port_open("127.0.0.1", 5432):
        pytest.fail(f"PostgreSQL is not running on 127.0.0.1:5432 — start it with: {START_POSTGRES}", pytrace=False)


def require_rabbitmq() -> None:
    if not _port_open(RABBIT_HOST, RABBIT_PORT):
        pytest.fail(
            f"RabbitMQ is not running on {RABBIT_HOST}:{RABBIT_PORT} — start it with: {START_RABBITMQ}",
            pytrace=False,
        )


def require_redis() -> None:
    if not _port_open("127.0.0.1", REDIS_PORT):
        pytest.fail(f"Redis is not running on 127.0.0.1:{REDIS_PORT} — start it with: {START_REDIS}", pytrace=False)


@pytest.fixture
def redis_url() -> str:
    """The gateway's shared rate-limit counters in make up live in Redis; tests use database 13 with keys of
    their own (every limit key carries the test's unique caller or path)."""
    require_redis()
    return f"redis://127.0.0.1:{REDIS_PORT}/13"


class PostgresDatabases:
    """Creates throw-away databases `hall_t_<run>_<name>` and drops them at the end of the run."""

    def __init__(self) -> None:
        require_postgres()
        self.run = uuid.uuid4().hex[:8]
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self, name: str) -> str:
        database = f"hall_t_{self.run}_{name}_{len(self.created)}".lower()
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        self.created.append(database)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for database in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self.admin.dispose()


def rabbitmqctl(*args: str, timeout: float = 60) -> str:
    tool = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    result = subprocess.run([tool, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        pytest.fail(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


class OwnRabbitNode:
    """A RabbitMQ node of a test's own, on ports of its own: a fault test stops, restarts and kills it without
    touching the machine's shared broker (which other test runs may be using)."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.name = f"halltest{self.port}@localhost"
        # outside pytest's private temporary folder: Debian's rabbitmq-server runs the node as the rabbitmq user
        folder = self.folder = Path(tempfile.mkdtemp(prefix="hall-rabbit-"))
        folder.chmod(0o755)
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n")
        (folder / "enabled_plugins").write_text("[].")
        (folder / "env.conf").write_text("")
        if _user_exists("rabbitmq"):
            for path in (folder, *folder.iterdir()):
                shutil.chown(path, "rabbitmq")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(_free_port()),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_PID_FILE": str(folder / "node.pid"),
        }

    @property
    def url(self) -> str:
        return f"amqp://{RABBIT_USER}:{RABBIT_PASSWORD}@127.0.0.1:{self.port}/"

    def start(self, timeout: float = 90) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, capture_output=True, timeout=60)
        wait_until(lambda: _port_open("127.0.0.1", self.port), timeout=timeout, what=f"RabbitMQ node {self.name}")

    def ctl(self, *args: str) -> str:
        return rabbitmqctl("-n", self.name, *args)

    def stop(self) -> None:
        subprocess.run(
            ["rabbitmqctl", "-n", self.name, "stop"], env=self.env, capture_output=True, timeout=60, check=False
        )
        shutil.rmtree(self.folder, ignore_errors=True)


class OwnPostgresCluster:
    """A PostgreSQL cluster of a test's own (Debian's pg_createcluster, trust on 127.0.0.1, a port of its own): a
    fault test stops and starts it while its consumers work, touching no one else's database."""

    def __init__(self, port: int | None = None) -> None:
        self.version = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else ""
        self.port = port or _free_port()
        self.name = f"halltest{self.port}"

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _cluster(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"pg_ctlcluster {self.name} {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def create(self) -> None:
        if not self.version or shutil.which("pg_createcluster") is None:
            pytest.fail("this test starts a PostgreSQL cluster of its own and needs Debian's postgresql-common")
        subprocess.run(
            ["pg_createcluster", self.version, self.name, "-p", str(self.port), "--", "--auth=trust"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        # a fast restart is part of the test: no fsync, no long checkpoints
        options = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        self._cluster("start", "-o", options)
        self.options = options
        wait_until(lambda: _port_open("127.0.0.1", self.port), timeout=60, what=f"PostgreSQL cluster {self.name}")

    def database(self, name: str) -> str:
        """Creates database `name`; its SQLAlchemy URL."""
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        """The server goes away: sessions are cut, new connections refused."""
        self._cluster("stop", "-m", "fast")

    def start(self) -> None:
        self._cluster("start", "-o", self.options)
        wait_until(lambda: _port_open("127.0.0.1", self.port), timeout=60, what=f"PostgreSQL cluster {self.name}")

    def remove(self) -> None:
        subprocess.run(
            ["pg_dropcluster", "--stop", self.version, self.name], capture_output=True, timeout=120, check=False
        )


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgresCluster]:
    """A PostgreSQL cluster started for this test alone, dropped (files and all) afterwards."""
    cluster = OwnPostgresCluster()
    cluster.create()
    try:
        yield cluster
    finally:
        cluster.remove()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def own_rabbitmq() -> Iterator[OwnRabbitNode]:
    """A RabbitMQ node started for this test alone, stopped (and its files removed) afterwards."""
    if shutil.which("rabbitmq-server") is None:
        pytest.fail(
            f"this test starts a RabbitMQ node of its own and needs rabbitmq-server installed ({START_RABBITMQ})"
        )
    node = OwnRabbitNode()
    node.start()
    try:
        yield node
    finally:
        node.stop()


@dataclass
class RabbitVhost:
    name: str

    @property
    def url(self) -> str:
        return f"amqp://{RABBIT_USER}:{RABBIT_PASSWORD}@{RABBIT_HOST}:{RABBIT_PORT}/{self.name}"


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def rabbit_vhost() -> Iterator[RabbitVhost]:
    """One RabbitMQ vhost for the whole test run, deleted at the end."""
    require_rabbitmq()
    vhost = RabbitVhost(f"hall-test-{uuid.uuid4().hex[:8]}")
    rabbitmqctl("add_vhost", vhost.name)
    rabbitmqctl("set_permissions", "-p", vhost.name, RABBIT_USER, ".*", ".*", ".*")
    yield vhost
    rabbitmqctl("delete_vhost", vhost.name)


@pytest.fixture
def unique_exchange() -> str:
    """Each test publishes on its own exchange, so tests sharing a vhost never see each other's events."""
    return f"hall.events.t{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["embedded", "real"])
def bus_backend(request, tmp_path, unique_exchange) -> dict:
    """Config overrides for one of the two modes: memory bus + SQLite, or RabbitMQ + PostgreSQL."""
    if request.param == "embedded":
        return {
            "mode": "embedded",
            "broker_url": "memory://",
            "database_url": f"sqlite:///{tmp_path / 'service.db'}",
            "exchange": unique_exchange,
        }
    vhost = request.getfixturevalue("rabbit_vhost")
    databases = request.getfixturevalue("postgres_databases")
    return {
        "mode": "real",
        "broker_url": vhost.url,
        "database_url": databases.create("svc"),
        "exchange": unique_exchange,
    }


def pytest_sessionstart(session) -> None:
    # CI sets HALL_REQUIRE_SERVICES: stop at once, with the reason, rather than fail test after test
    if os.environ.get("HALL_REQUIRE_SERVICES") == "1":
        missing = []
        if not _port_open("127.0.0.1", 5432):
            missing.append(f"PostgreSQL (start: {START_POSTGRES})")
        if not _port_open(RABBIT_HOST, RABBIT_PORT):
            missing.append(f"RabbitMQ (start: {START_RABBITMQ})")
        if not _port_open("127.0.0.1", REDIS_PORT):
            missing.append(f"Redis (start: {START_REDIS})")
        if missing:
            raise pytest.UsageError("required services are not running: " + "; ".join(missing))


class TestTokens:
    """Signs access tokens the way identity does (RS256, kid, aud, iss) with a throw-away key, for services'
    tests that run without identity. Install with `tokens.install(runtime)`."""

    __test__ = False  # not a test class

    def __init__(self, audience: str = "nx-hall", issuer: str = "nx-hall-identity"):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"test-{uuid.uuid4().hex[:8]}"
        self.audience = audience
        self.issuer = issuer

    def jwks(self) -> dict:
        import json

        from jwt.algorithms import RSAAlgorithm

        jwk = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def install(self, runtime) -> None:
        from chassis.auth import JwksKeys, TokenVerifier

        runtime.token_verifier = TokenVerifier(
            JwksKeys(self.jwks), self.audience, self.issuer, getattr(runtime, "revocations", None)
        )

    def token(self, sub: str, roles: tuple[str, ...] = (), ttl: int = 900, **claims) -> str:
        import jwt

        now = int(clock.timestamp())
        payload = {
            "sub": sub,
            "roles": list(roles),
            "aud": self.audience,
            "iss": self.issuer,
            "iat": now,
            "exp": now + ttl,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": self.kid})

    def depositor(self, sub: str, center: str = "yinchuan", acct: str | None = None, name: str = "测试") -> dict:
        return {"Authorization": "Bearer " + self.token(sub, center=center, acct=acct, name=name)}

    def staff(self, sub: str, *roles: str, center: str = "yinchuan") -> dict:
        return {"Authorization": "Bearer " + self.token(sub, roles=roles, center=center, name=sub)}


@pytest.fixture(scope="session")
def test_tokens() -> TestTokens:
    return TestTokens()


class Hall:
    """Several real services in this process on one bus (memory + SQLite, or RabbitMQ + PostgreSQL), each with
    its own fresh database, migrated, with relays and consumers running. `hall.client("loans")`."""

    def __init__(
        self,
        names: list[str],
        backend: dict,
        databases: "PostgresDatabases | None",
        tmp_path,
        settings: dict[str, dict] | None = None,
        **overrides,
    ):
        self.runtimes = {}
        self.apps = {}
        self.embedded = backend["mode"] != "real"
        self._backend = backend
        self._settings = settings or {}
        self._overrides = overrides
        self._seeded = False
        # queues of their own: nothing else on the broker (another test, a hall left running) takes their messages
        self._queue_prefix = f"t{uuid.uuid4().hex[:8]}."
        self._database_urls = {
            name: databases.create(name) if not self.embedded else f"sqlite:///{tmp_path / (name + '.db')}"
            for name in names
        }
        self._open()

    def _open(self) -> None:
        from chassis.http import register_local_app
        from services.registry import load

        for name, database_url in self._database_urls.items():
            service = load(name)
            own = {"dev_inbox": True, "retry_base_seconds": 0.2, **self._overrides, **self._settings.get(name, {})}
            config = service.load_config(
                broker_url=self._backend["broker_url"],
                database_url=database_url,
                exchange=self._backend["exchange"],
                embedded=self.embedded,
                queue_prefix=self._queue_prefix,
                **own,
            )
            runtime = service.runtime(config)
            runtime.migrate()
            app = service.create_app(runtime=runtime)
            app.testing = True
            register_local_app(name, app)
            self.runtimes[name] = runtime
            self.apps[name] = app
        for runtime in self.runtimes.values():
            runtime.start_workers(relay=False)
        for runtime in self.runtimes.values():
            runtime.start_workers(consumers=False)

    def client(self, name: str):
        return self.apps[name].test_client()

    def runtime(self, name: str):
        return self.runtimes[name]

    def seed(self) -> None:
        """Each service's demo data, as `make run` loads it.

        The demo history is hundreds of deposit batches: seconds of CPU for every hall. An embedded hall seeded
        for the first time therefore starts from copies of the databases of the first hall of its shape seeded
        in this test process on the same day and hour, taken once that hall's events had all been handled; the
        seed itself runs for that first hall, and again whenever a hall is seeded a second time.
        """
        key = self._seed_key()
        template = _seeded_databases.get(key) if key and not self._seeded else None
        self._seeded = True
        if template:
            self._restart_from(template)
            return
        for runtime in self.runtimes.values():
            if runtime.service.seed:
                runtime.service.seed(runtime)
        if key and key not in _seeded_databases:
            self._wait_until_settled()
            _seeded_databases[key] = self._copy_databases()

    def _seed_key(self) -> tuple | None:
        if not self.embedded:
            return None
        now = clock.now()
        return (
            tuple(self._database_urls),
            repr(sorted(self._settings.items())),
            repr(sorted(self._overrides.items())),
            now.date(),
            now.hour,
        )

    def _wait_until_settled(self, timeout: float = 120) -> None:
        """Until every outbox row is sent, no message waits in a queue or for its retry, and no handler has
        applied anything for a second."""
        from kombu.transport.memory import Channel

        def handled_and_unsent() -> list[int]:
            counts = []
            for runtime in self.runtimes.values():
                with runtime.db.read() as connection:
                    counts.append(connection.scalar(text("select count(*) from inbox")))
                    counts.append(-connection.scalar(text("select count(*) from outbox where sent_at is null")))
            return counts

        quiet_since, last = None, None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            counts = handled_and_unsent()
            queued = sum(queue.qsize() for name, queue in Channel.queues.items() if name.startswith(self._queue_prefix))
            retrying = [thread for thread in threading.enumerate() if isinstance(thread, threading.Timer)]
            if any(count < 0 for count in counts) or queued or retrying or counts != last:
                quiet_since, last = None, counts
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 1.0:
                return
            time.sleep(0.1)
        raise AssertionError(
            f"the seeded hall did not settle in {timeout:.0f}s (inbox rows, -unsent outbox rows): {last}"
        )

    def _copy_databases(self) -> dict[str, Path]:
        folder = Path(tempfile.mkdtemp(prefix="seeded-", dir=_seeded_folder()))
        copies = {}
        for name, url in self._database_urls.items():
            copies[name] = folder / f"{name}.db"
            with closing(sqlite3.connect(_sqlite_path(url))) as live, closing(sqlite3.connect(copies[name])) as copy:
                live.backup(copy)
        return copies

    def _restart_from(self, copies: dict[str, Path]) -> None:
        """Like restarting every process of the hall on the seeded databases."""
        self.stop()
        self.runtimes, self.apps = {}, {}
        for name, url in self._database_urls.items():
            path = _sqlite_path(url)
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copyfile(copies[name], path)
        self._open()

    def stop(self) -> None:
        for runtime in self.runtimes.values():
            runtime.signal_stop()  # every loop at once: each notices within its poll, not one after another
        for runtime in self.runtimes.values():
            runtime.stop()


# the seeded databases of this test process, by the hall's shape and the hour they were seeded in (Hall.seed)
_seeded_databases: dict[tuple, dict[str, Path]] = {}


def _seeded_folder() -> str:
    global _seeded_tempdir
    if _seeded_tempdir is None:
        _seeded_tempdir = tempfile.TemporaryDirectory(prefix="hall-seeded-")
    return _seeded_tempdir.name


_seeded_tempdir: tempfile.TemporaryDirectory | None = None


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def start_hall(request, tmp_path, unique_exchange):
    """`start_hall(["accounts", "identity"], mode="embedded"|"real", settings={"loans": {...}})` → a running Hall
    (settings: per-service config overrides; keyword overrides apply to every service), stopped after the test."""
    started: list[Hall] = []

    def start(names: list[str], mode: str = "embedded", settings: dict[str, dict] | None = None, **overrides) -> Hall:
        databases = None
        if mode == "real":
            vhost = request.getfixturevalue("rabbit_vhost")
            databases = request.getfixturevalue("postgres_databases")
            backend = {"mode": "real", "broker_url": vhost.url, "exchange": unique_exchange}
        else:
            backend = {"mode": "embedded", "broker_url": "memory://", "exchange": unique_exchange}
        hall = Hall(names, backend, databases, tmp_path, settings, **overrides)
        started.append(hall)
        return hall

    yield start
    for hall in started:
        hall.stop()
