"""make up's Prometheus: its configuration names every process of deploy/Procfile, and Debian's Prometheus with
it loads every alert rule and scrapes a worker's /metrics (a real Prometheus, pointed at a hall in this process)."""

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest
import yaml

from chassis.runtime import HealthServer
from tests.observability.alert_cases import rules
from tests.observability.catalogue import REPO

CONFIG = REPO / "deploy" / "prometheus" / "up.yml"
PROCFILE = REPO / "deploy" / "Procfile"


def _ports_of_procfile() -> set[str]:
    text = PROCFILE.read_text(encoding="utf-8")
    ports = set(re.findall(r"-b 127\.0\.0\.1:(\d+)", text))
    ports |= set(re.findall(r"HALL_WORKER_HEALTH_PORT=(\d+)", text))
    ports |= set(re.findall(r"--metrics-port (\d+)", text))
    return ports | {"8405"}  # the edge's exporter (deploy/edge.sh)


def test_the_configuration_scrapes_every_process_of_make_up():
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    targets = {
        target.rsplit(":", 1)[1]
        for job in config["scrape_configs"]
        if job["job_name"] != "prometheus"
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets == _ports_of_procfile()
    assert set(config["rule_files"]) == {"alerts.yml", "edge-alerts.yml"}
    assert "prometheus: prometheus --config.file=deploy/prometheus/up.yml" in PROCFILE.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as reply:
        return json.loads(reply.read())


def test_prometheus_loads_the_rules_and_scrapes_a_worker(start_hall, tmp_path):
    binary = shutil.which("prometheus")
    if not binary:
        pytest.fail("prometheus is missing: apt-get install prometheus (Debian's package)", pytrace=False)
    hall = start_hall(["withdrawals"], mode="embedded")
    health = HealthServer(hall.runtime("withdrawals"), 0, host="127.0.0.1").start()
    port = _free_port()
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    config["global"]["scrape_interval"] = "1s"
    config["rule_files"] = [str(CONFIG.parent / name) for name in config["rule_files"]]
    config["scrape_configs"] = [
        {"job_name": "hall-workers", "static_configs": [{"targets": [f"127.0.0.1:{health.port}"]}]}
    ]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "prometheus.log", "wb"),  # noqa: SIM115 - closed with the process
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline, found, loaded = time.monotonic() + 60, [], set()
        while time.monotonic() < deadline and not (found and loaded):
            time.sleep(0.5)
            try:
                groups = _get(f"{base}/rules")["data"]["groups"]
                loaded = {rule["name"] for group in groups for rule in group["rules"]}
                query = 'hall_saga_waiting{saga="withdrawal_payment",state="approved"}'
                found = _get(f"{base}/query?query={urllib.request.quote(query)}")["data"]["result"]
            except OSError:
                continue
        log = (tmp_path / "prometheus.log").read_text(errors="replace")[-2000:]
        assert set(rules()) <= loaded, log
        assert found and found[0]["metric"]["job"] == "hall-workers", log
        assert found[0]["metric"]["hall_service"] == "withdrawals"
    finally:
        process.terminate()
        process.wait(20)
        health.stop()
