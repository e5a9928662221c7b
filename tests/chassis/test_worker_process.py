"""A worker is a process Kubernetes can watch: probes and /metrics on its own port (outside gunicorn), a thread
that dies ends the process, and no pod serves on a database behind this release's migrations."""

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from chassis.config import ServiceConfig
from chassis.migrations import SchemaNotAtHead, upgrade
from chassis.runtime import HealthServer, WorkerThreadDied, run_worker
from chassis.service import Service
from chassis.testing import wait_until
from tests.chassis.probe import build_probe, create_tables

REPO = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _probe_runtime(tmp_path, loops=()):
    probe = build_probe(f"probe{uuid.uuid4().hex[:6]}")
    service = Service(
        name=probe.name,
        title=probe.title,
        package_file=probe.package_file,
        metadata=probe.metadata,
        subscriptions=probe.subscriptions,
        background_loops=loops,
    )
    config = ServiceConfig(service="probe", database_url=f"sqlite:///{tmp_path / 'p.db'}", embedded=True)
    runtime = service.runtime(config)
    create_tables(runtime)
    return runtime


def test_a_thread_that_dies_ends_the_worker_with_its_name(tmp_path):
    def breaks(_runtime, _stop) -> None:
        raise RuntimeError("loop broke")

    runtime = _probe_runtime(tmp_path, loops=(breaks,))
    with pytest.raises(WorkerThreadDied, match="loop0"):
        run_worker(runtime, health_port=0)
    assert runtime.dead_threads == [f"{runtime.name}-loop0"]


def test_a_loop_that_returns_early_counts_as_dead_and_the_probe_says_so(tmp_path):
    returned = threading.Event()

    def returns(_runtime, _stop) -> None:
        returned.set()

    runtime = _probe_runtime(tmp_path, loops=(returns,))
    health = HealthServer(runtime, 0, host="127.0.0.1").start()
    try:
        runtime.start_workers()
        wait_until(lambda: runtime.dead_threads, timeout=5)
        status, body = _get(f"http://127.0.0.1:{health.port}/livez")
        assert status == 503 and json.loads(body)["checks"][f"{runtime.name}-loop0"] == "dead"
        status, _ = _get(f"http://127.0.0.1:{health.port}/readyz")
        assert status == 503
    finally:
        health.stop()
        runtime.stop()


def test_a_database_behind_the_release_is_refused_by_web_and_worker(tmp_path):
    from services.withdrawals.app import service

    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(service, url, "0001")
    runtime = service.runtime(service.load_config(database_url=url, embedded=False, broker_url="memory://"))
    app = service.create_app(runtime=runtime)
    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "database at 0001" in ready.get_json()["checks"]["database"]
    assert "migrate" in ready.get_json()["checks"]["database"]
    refused = client.get("/api/v1/withdrawals/reasons")
    assert refused.status_code == 503 and refused.get_json()["code"] == "SCHEMA_NOT_AT_HEAD"
    with pytest.raises(SchemaNotAtHead, match="database at 0001"):
        run_worker(runtime, health_port=0)
    runtime.migrate()
    runtime._schema_checked = (-1e9, None)  # the pod looks again a few seconds later; the test does not wait
    assert client.get("/api/v1/withdrawals/reasons").status_code == 200
    runtime.stop()


def test_a_worker_process_outside_gunicorn_serves_probes_and_metrics_and_publishes(
    tmp_path, postgres_databases, rabbit_vhost, unique_exchange
):
    """The relay used to die with FileNotFoundError: the multiprocess folder is made only by gunicorn."""
    from services.withdrawals.app import service

    url = postgres_databases.create("withdrawals")
    upgrade(service, url, "head")
    port = _free_port()
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("HALL_", "WITHDRAWALS_"))},
        "HALL_EMBEDDED": "false",
        "HALL_WORKSTATION": "true",
        "HALL_DEV_INBOX": "false",
        "HALL_BROKER_URL": rabbit_vhost.url,
        "HALL_EXCHANGE": unique_exchange,
        "HALL_QUEUE_PREFIX": f"t{uuid.uuid4().hex[:6]}.",
        "WITHDRAWALS_DATABASE_URL": url,
        "HALL_WORKER_HEALTH_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "not-yet" / "prom"),
        "HOME": str(tmp_path / "home"),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "services.withdrawals.app", "worker"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: _answers(f"http://127.0.0.1:{port}/readyz"), timeout=60)
        from chassis.bus import publish

        runtime = service.runtime(service.load_config(database_url=url, embedded=False))
        with runtime.db.transaction() as session:
            publish(session, "withdrawals.probe.happened", {"n": 1})
        wait_until(lambda: runtime.wait_for_outbox_sent(timeout=0.1), timeout=30)
        runtime.stop()
        status, body = _get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and "hall_events_published_total" in body
        assert _get(f"http://127.0.0.1:{port}/livez")[0] == 200
        assert worker.poll() is None
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "FileNotFoundError" not in output


def _answers(url: str) -> bool:
    try:
        return _get(url)[0] == 200
    except OSError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
