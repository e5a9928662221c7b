"""Boot what the production overlay renders, here: every container command with its rendered environment, against
the real PostgreSQL and RabbitMQ, under the pod's filesystem constraints as far as a process can emulate them
(working directory the image's /app with only the gunicorn settings, HOME and TMPDIR an empty folder like the
/tmp emptyDir, nothing written to the source tree). Each migration Job completes; each web and worker process stays
up and answers its probes; the accounts relay publishes and the consumers of the four others consume; every
CronJob's command completes. Only what a cluster would provide differently is changed: the Secrets' values (a
database per service, the broker), ports (one machine, many pods) and the service DNS names (127.0.0.1 ports)."""

import base64
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from chassis.testing import wait_until
from tests.deploy.rendered import ROOT, SERVICES, of_kind, pod_spec, render

BIN = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin"
if not (BIN / "flask").exists():
    BIN = ROOT / ".venv" / "bin"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


class Pods:
    """Processes started as a pod would start them, each with its own empty /tmp."""

    def __init__(self, root: Path, config: dict, secrets_of: dict[str, dict], ports: dict[str, int]):
        self.root = root
        self.config = config
        self.secrets_of = secrets_of
        self.ports = ports
        self.running: dict[str, subprocess.Popen] = {}
        self.app_dir = root / "app"  # the image's WORKDIR: the gunicorn settings and nothing else
        (self.app_dir / "deploy").mkdir(parents=True)
        shutil.copy(ROOT / "deploy" / "gunicorn.conf.py", self.app_dir / "deploy" / "gunicorn.conf.py")

    def env(self, name: str, service: str, extra: dict | None = None) -> dict:
        tmp = self.root / "tmp" / name
        tmp.mkdir(parents=True)
        urls = ",".join(f"{svc}=http://127.0.0.1:{self.ports[svc]}" for svc in SERVICES)
        environment = {
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(tmp),
            "TMPDIR": str(tmp),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            **self.config,
            **self.secrets_of[service],
            # what cluster DNS and the emptyDir give a pod, spelled for one machine
            "PROMETHEUS_MULTIPROC_DIR": self.config["PROMETHEUS_MULTIPROC_DIR"].replace("/tmp", str(tmp), 1),
            "HALL_SERVICE_URLS": urls,
            "HALL_JWKS_URL": f"http://127.0.0.1:{self.ports['identity']}/.well-known/jwks.json",
            **(extra or {}),
        }
        assert "HALL_WORKSTATION" not in environment
        return environment

    def run(self, name: str, service: str, argv: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv, cwd=self.app_dir, env=self.env(name, service), capture_output=True, text=True, timeout=timeout
        )

    def start(self, name: str, service: str, argv: list[str], extra: dict | None = None) -> None:
        log = open(self.root / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        self.running[name] = subprocess.Popen(
            argv, cwd=self.app_dir, env=self.env(name, service, extra), stdout=log, stderr=subprocess.STDOUT
        )

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text()[-3000:]

    def stop(self) -> dict[str, int]:
        for process in self.running.values():
            process.terminate()
        codes = {}
        for name, process in self.running.items():
            try:
                codes[name] = process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = -9
        return codes


def _container(doc: dict) -> dict:
    (container,) = pod_spec(doc)["containers"]
    return container


def _web_argv(container: dict, port: int) -> list[str]:
    argv = list(container["args"])
    argv[argv.index("0.0.0.0:8000")] = f"127.0.0.1:{port}"
    return argv


@pytest.mark.slow(seconds=60)
@pytest.mark.timeout(600)
def test_every_rendered_process_boots_stays_up_and_does_its_job(tmp_path, own_postgres, rabbit_vhost):
    """Every process of the production render on a PostgreSQL cluster of its own: with each pool at its production
    size, the whole hall would take a large share of the shared server's connections from the other tests."""
    docs = render("production")
    (config_map,) = [
        doc for doc in docs if doc["kind"] == "ConfigMap" and doc["metadata"]["name"].startswith("hall-config-")
    ]
    config = dict(config_map["data"])
    config["WEB_CONCURRENCY"] = "1"  # five services on a shared two-core machine; the pod runs two
    config["HALL_EXCHANGE"] = f"boot.{uuid.uuid4().hex[:8]}"
    config["HALL_QUEUE_PREFIX"] = f"boot{uuid.uuid4().hex[:6]}."
    databases = {service: own_postgres.database(service) for service in SERVICES}
    kek = base64.b64encode(secrets.token_bytes(32)).decode()
    secrets_of = {
        service: {f"{service.upper()}_DATABASE_URL": databases[service], "HALL_BROKER_URL": rabbit_vhost.url}
        for service in SERVICES
    }
    secrets_of["identity"] |= {
        "IDENTITY_SECRET_KEY": secrets.token_urlsafe(40),
        "IDENTITY_SIGNING_KEY_KEKS": f"k1={kek}",
    }
    certificate_key = secrets.token_urlsafe(32)  # the one key accounts and loans share
    secrets_of["accounts"] |= {"HALL_CERTIFICATE_KEY": certificate_key}
    secrets_of["loans"] |= {"HALL_CERTIFICATE_KEY": certificate_key}
    secrets_of["notifications"] |= {
        "NOTIFICATIONS_SMS_HTTP_URL": f"http://127.0.0.1:{_free_port()}/sms/send",
        "NOTIFICATIONS_SMS_HTTP_ACCOUNT": "boot-test",
        "NOTIFICATIONS_SMS_HTTP_SECRET": secrets.token_urlsafe(32),
    }
    ports = {service: _free_port() for service in SERVICES}
    health = {service: _free_port() for service in SERVICES}
    pods = Pods(tmp_path, config, secrets_of, ports)
    deployments, jobs, cronjobs = of_kind(docs, "Deployment"), of_kind(docs, "Job"), of_kind(docs, "CronJob")
    source_tree_before = {path.name for path in ROOT.iterdir()}
    try:
        # 1. the migration Jobs, as rendered (sh -c "flask ... migrate && flask ... declare-topology")
        def migrate(service: str) -> subprocess.CompletedProcess:
            (job,) = [doc for name, doc in jobs.items() if name.startswith(f"{service}-migrate-")]
            return pods.run(f"{service}-migrate", service, _container(job)["command"])

        with ThreadPoolExecutor(max_workers=3) as pool:
            migrated = dict(zip(SERVICES, pool.map(migrate, SERVICES), strict=True))
        for service, done in migrated.items():
            assert done.returncode == 0, f"{service} migration Job failed:\n{done.stdout}\n{done.stderr}"
            assert "database at head" in done.stdout and "topology declared" in done.stdout

        # 2. web and worker pods
        for service in SERVICES:
            web = _container(deployments[f"{service}-web"])
            pods.start(f"{service}-web", service, _web_argv(web, ports[service]))
            worker = _container(deployments[f"{service}-worker"])
            pods.start(f"{service}-worker", service, worker["args"], {"HALL_WORKER_HEALTH_PORT": str(health[service])})
        probes = {
            f"{service}-{component}-{path}": f"http://127.0.0.1:{port}/{path}"
            for service in SERVICES
            for component, port in (("web", ports[service]), ("worker", health[service]))
            for path in ("livez", "readyz")
        }
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            waiting = {name for name, url in probes.items() if _status(url) != 200}
            dead = {name for name, process in pods.running.items() if process.poll() is not None}
            assert not dead, "\n\n".join(f"{name} exited:\n{pods.log(name)}" for name in dead)
            if not waiting:
                break
            time.sleep(1)
        assert not waiting, "not answering their probes: " + ", ".join(sorted(waiting))
        for service in SERVICES:
            assert _status(f"http://127.0.0.1:{health[service]}/metrics") == 200

        # 3. the accounts relay publishes; the consumers of identity, loans, withdrawals, notifications consume
        from chassis.bus import publish
        from chassis.bus.tables import inbox, outbox
        from chassis.db import Database
        from services.accounts.events import DEPOSITOR_REGISTERED

        accounts = Database(databases["accounts"], service="accounts")
        with accounts.transaction() as session:
            envelope = publish(
                session,
                DEPOSITOR_REGISTERED,
                {
                    "depositor_id": "d-boot-1",
                    "center": "yinchuan",
                    "id_number": "640105198506153219",
                    "name": "张伟",
                    "mobile": "13895000001",
                    "account_no": "640199990001",
                    "employer_name": "宁夏测试单位",
                    "status": "normal",
                    "deposit_base": Decimal("8000.00"),
                    "monthly_amount": Decimal("1920.00"),
                    "balance": Decimal("80000.00"),
                    "opened_on": date(2020, 1, 1),
                },
            )

        def sent() -> bool:
            with accounts.read() as connection:
                return connection.scalar(select(outbox.c.sent_at).where(outbox.c.message_id == envelope.id)) is not None

        wait_until(sent, timeout=30, what="the accounts relay publishing the event")
        accounts.dispose()
        for service in ("identity", "loans", "withdrawals", "notifications"):
            database = Database(databases[service], service=service)

            def consumed(database=database) -> bool:
                with database.read() as connection:
                    return (
                        connection.scalar(select(inbox.c.message_id).where(inbox.c.message_id == envelope.id))
                        is not None
                    )

            wait_until(consumed, timeout=30, what=f"{service}'s consumer applying the event")
            database.dispose()

        # identity publishes its JWKS from a signing key sealed at rest with the Secret's key-encryption key
        assert _status(f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json") == 200
        identity = Database(databases["identity"], service="identity")
        with identity.read() as connection:
            stored = connection.exec_driver_sql("SELECT private_pem FROM signing_keys").scalars().all()
        identity.dispose()
        assert stored and all(value.startswith("aesgcm:k1:") for value in stored)

        # 4. every CronJob's command completes (each under its lock; none finds anything it must not do)
        def run_cronjob(name: str) -> subprocess.CompletedProcess:
            pod = cronjobs[name]["spec"]["jobTemplate"]["spec"]["template"]
            return pods.run(
                name, pod["metadata"]["labels"]["app.kubernetes.io/name"], _container(cronjobs[name])["command"]
            )

        with ThreadPoolExecutor(max_workers=3) as pool:
            ran = dict(zip(sorted(cronjobs), pool.map(run_cronjob, sorted(cronjobs)), strict=True))
        for name, done in ran.items():
            assert done.returncode == 0, f"CronJob {name} failed:\n{done.stdout}\n{done.stderr}"
            assert "skipped" not in done.stdout and done.stdout.strip(), (name, done.stdout)

        # 5. still up after all that
        dead = {name for name, process in pods.running.items() if process.poll() is not None}
        assert not dead, "\n\n".join(f"{name} exited:\n{pods.log(name)}" for name in dead)
    finally:
        codes = pods.stop()
    assert set(codes.values()) == {0}, {name: pods.log(name) for name, code in codes.items() if code != 0}
    assert {path.name for path in ROOT.iterdir()} == source_tree_before, "a process wrote into the source tree"
    assert sorted(path.name for path in pods.app_dir.iterdir()) == ["deploy"], "a process wrote into its WORKDIR"
