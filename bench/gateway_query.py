"""Authenticated `GET /api/v1/accounts/me/account` through the HAProxy edge in the make-up shape (gunicorn for
identity, accounts and the web app; PostgreSQL; the edge config generated from gateway/routes.py, verifying the
RS256 token, counting the per-IP and per-user stick tables and setting the headers), driven by wrk at 32
connections, against the anchor measured in the same run: a bare Flask app returning a small JSON object under
the same gunicorn settings (bench/bare_app.py).

Targets: the edge path at least 0.35 of the anchor's req/s with p99 ≤ 30 ms; the edge at most 15% below accounts
called alone (the same request, straight to its gunicorn).

Each round measures all three (a slow spell of this shared machine hits the anchor too); medians are reported.

Run: .venv/bin/python -m bench.gateway_query [--seconds 8] [--rounds 3]   (needs wrk and haproxy)
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.harness import Figure, report

REPO = Path(__file__).resolve().parents[1]
PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(app: str, port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "-b", f"127.0.0.1:{port}", app],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not come up")


def wrk(url: str, seconds: int, token: str | None = None) -> tuple[float, float, int]:
    """(requests per second, p99 in ms, non-2xx responses)."""
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99_value, p99_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(p99_value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return rps, p99, int(errors.group(1)) if errors else 0


def _medians(runs: list[tuple[float, float, int]]) -> tuple[float, float]:
    return statistics.median(run[0] for run in runs), statistics.median(run[1] for run in runs)


# how many established connections each process holds on the port, sampled in the middle of the run
_COUNT_CONNECTIONS = """
import collections, re, subprocess, sys, time
time.sleep(float(sys.argv[2]) / 2)
out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{sys.argv[1]} )"],
                     capture_output=True, text=True).stdout
print(dict(collections.Counter(re.findall(r"pid=(\\d+)", out))))
"""


def spread_through_edge(edge: tuple[str, str], accounts_url: str, seconds: int) -> None:
    """How the edge's connections to accounts spread over accounts' workers while wrk drives the edge."""
    port = accounts_url.split(":")[2].split("/")[0]
    spread = subprocess.Popen(
        [sys.executable, "-c", _COUNT_CONNECTIONS, port, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    wrk(edge[0], seconds, edge[1])
    print(f"[bench] edge → accounts: the edge's connections per gunicorn worker: {spread.communicate()[0].strip()}")


def profile(master_pid: int, target: tuple[str, str], seconds: int, work: Path) -> None:
    """Where accounts' workers spend their CPU under the same load: py-spy samples (pip install py-spy), each
    function's share of the samples that include it."""
    spy = shutil.which("py-spy") or str(BIN / "py-spy")
    out = work / "accounts.stacks"
    sampler = subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(master_pid),
            "--subprocesses",
            "--format",
            "raw",
            "-r",
            "200",
            "-d",
            str(seconds + 1),
            "-o",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    spread = subprocess.Popen(
        [sys.executable, "-c", _COUNT_CONNECTIONS, target[0].split(":")[2].split("/")[0], str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    wrk(target[0], seconds, target[1])
    print(f"[bench] accounts: wrk's 32 keep-alive connections per gunicorn worker: {spread.communicate()[0].strip()}")
    sampler.wait(60)
    inclusive: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        for frame in set(stack.split(";")):
            name = re.sub(r" \((?:.*/)?(site-packages/|work/wt/[^/]+/)?", " (", frame)
            inclusive[name] = inclusive.get(name, 0) + samples
    print(f"[bench] accounts profile: {total} samples; functions by share of samples that include them:")
    for name, samples in sorted(inclusive.items(), key=lambda item: -item[1])[:40]:
        print(f"[bench]   {100 * samples / total:5.1f}%  {name[:150]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="each round measures all three; medians are reported")
    parser.add_argument("--profile", action="store_true", help="then sample accounts' workers with py-spy under load")
    args = parser.parse_args()
    for tool in ("wrk", "haproxy"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed: apt-get install {tool}")

    from gateway.edge_keys import write_keys
    from gateway.haproxy_config import EdgeSettings, render

    run = uuid.uuid4().hex[:6]
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    databases = {name: f"hall_bench_gw_{run}_{name}" for name in ("identity", "accounts")}
    with admin.connect() as connection:
        for database in databases.values():
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    ports = {name: free_port() for name in ("edge", "metrics", "identity", "accounts", "web", "anchor")}
    closed = free_port()  # loans, withdrawals, notifications: not started (their routes would answer 503)
    service_urls = {
        "identity": f"http://127.0.0.1:{ports['identity']}",
        "accounts": f"http://127.0.0.1:{ports['accounts']}",
        **{name: f"http://127.0.0.1:{closed}" for name in ("loans", "withdrawals", "notifications")},
    }
    env = {
        **os.environ,
        "HALL_EMBEDDED": "false",
        "HALL_WORKSTATION": "true",
        "HALL_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
        "HALL_EXCHANGE": f"bench.gateway.{run}",
        "HALL_LOG_LEVEL": "WARNING",
        "HALL_JWKS_URL": f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json",
        "HALL_SERVICE_URLS": ",".join(f"{name}={url}" for name, url in service_urls.items()),
        "IDENTITY_DATABASE_URL": f"{PG}/{databases['identity']}",
        "ACCOUNTS_DATABASE_URL": f"{PG}/{databases['accounts']}",
        "PYTHONPATH": str(REPO),
        # as deploy/up.env: a worker holds at most 16 keep-alive connections, so they spread over the workers
        "WEB_WORKER_CONNECTIONS": os.environ.get("WEB_WORKER_CONNECTIONS", "16"),
    }
    processes: list[subprocess.Popen] = []
    work = Path(os.environ.get("BENCH_WORK_DIR", f"/tmp/hall-bench-edge-{run}"))
    try:
        for service in ("identity", "accounts"):
            for command in ("migrate", "seed"):
                subprocess.run(
                    [str(BIN / "flask"), "--app", f"services.{service}.app", command],
                    cwd=REPO,
                    env=env,
                    check=True,
                    capture_output=True,
                )
        processes.append(gunicorn("services.identity.app:create_app()", ports["identity"], env))
        processes.append(gunicorn("services.accounts.app:create_app()", ports["accounts"], env))
        processes.append(gunicorn("gateway.wsgi:app", ports["web"], env))
        processes.append(gunicorn("bench.bare_app:app", ports["anchor"], env))
        for name in ("identity", "accounts", "web"):
            wait_ready(f"http://127.0.0.1:{ports[name]}/livez")
        wait_ready(f"http://127.0.0.1:{ports['anchor']}/api/v1/accounts/me/account")
        write_keys(requests.get(env["HALL_JWKS_URL"], timeout=5).json(), work / "keys")
        settings = EdgeSettings.from_env(
            {
                **env,
                "EDGE_BIND": f"127.0.0.1:{ports['edge']}",
                "EDGE_METRICS_BIND": f"127.0.0.1:{ports['metrics']}",
                "EDGE_WEB_URL": f"http://127.0.0.1:{ports['web']}",
                "EDGE_KEYS_DIR": str(work / "keys"),
                # the revocation check runs as in production, on an empty list
                "EDGE_REVOKED_MAP": str(work / "revoked-sessions.map"),
                "EDGE_ADMIN_SOCKET": str(work / "admin.sock"),
                # the stick tables still count every request, but must not refuse a benchmark's single user
                "EDGE_RATE_LIMITS": "per_user=1000000000,per_ip=1000000000",
            }
        )
        (work / "revoked-sessions.map").touch()
        # the access log costs what it costs in production; it goes to a file here, not the terminal
        (work / "haproxy.cfg").write_text(render(settings))
        with open(work / "haproxy.log", "wb") as log:
            processes.append(
                subprocess.Popen(
                    ["haproxy", "-db", "-f", str(work / "haproxy.cfg")],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        edge = f"http://127.0.0.1:{ports['edge']}"
        wait_ready(f"{edge}/api/v1/identity/livez")
        login = requests.post(
            f"{edge}/api/v1/identity/sessions",
            json={"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"},
            timeout=10,
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        url = f"{edge}/api/v1/accounts/me/account"
        checked = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert checked.status_code == 200 and checked.json()["account_no"] == "640100000001", checked.text
        targets = {
            "anchor": (f"http://127.0.0.1:{ports['anchor']}/api/v1/accounts/me/account", None),
            "edge": (url, token),
            "accounts": (f"http://127.0.0.1:{ports['accounts']}/api/v1/accounts/me/account", token),
        }
        for target, bearer in targets.values():
            wrk(target, 2, bearer)  # warm up every process
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in targets}
        for round_number in range(args.rounds):
            for name, (target, bearer) in targets.items():
                runs[name].append(wrk(target, args.seconds, bearer))
            print(
                f"[bench] round {round_number + 1}: "
                + ", ".join(f"{name} {runs[name][-1][0]:,.0f} req/s p99 {runs[name][-1][1]:.1f} ms" for name in runs)
            )
        print("[bench] non-2xx: " + ", ".join(f"{name} {sum(r[2] for r in runs[name])}" for name in runs))
        if args.profile:
            spread_through_edge(targets["edge"], targets["accounts"][0], args.seconds)
            profile(processes[1].pid, targets["accounts"], args.seconds, work)
        anchor_rps, anchor_p99 = _medians(runs["anchor"])
        rps, p99 = _medians(runs["edge"])
        direct_rps, direct_p99 = _medians(runs["accounts"])
        report(
            Figure(
                "edge → accounts, authenticated /me/account",
                rps,
                "req/s",
                "bare Flask app, same gunicorn settings",
                anchor_rps,
                target="ratio ≥ 0.35",
            )
        )
        report(
            Figure(
                "edge path p99 at 32 connections",
                p99,
                "ms",
                "bare Flask app p99",
                anchor_p99,
                higher_is_better=False,
                target="p99 ≤ 30 ms",
            )
        )
        report(
            Figure(
                f"edge path vs accounts alone (p99 {direct_p99:.1f} ms)",
                rps,
                "req/s",
                "accounts alone, same token",
                direct_rps,
                target="ratio ≥ 0.85",
            )
        )
        report(Figure("accounts alone, no edge", direct_rps, "req/s", "bare Flask app", anchor_rps))
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(20)
        with admin.connect() as connection:
            for database in databases.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
