"""Authenticated `GET /api/v1/accounts/me/account` through the gateway in the make-up shape (gunicorn for the
gateway, identity and accounts; PostgreSQL; Redis-backed rate limits), driven by wrk at 32 connections, against
the anchor measured in the same run: a bare Flask app returning a small JSON object under the same gunicorn
settings. Target: at least 40% of the anchor's requests per second, p99 ≤ 30 ms.

Two ceilings are measured in the same run and printed beside the anchor, to read the target against:
- accounts alone, called directly with the token (no gateway): the gateway path can only be slower;
- the bare app behind a Flask app that does nothing but forward to it (bench/bare_forwarder.py): the least that
  two Flask hops under these gunicorn settings cost, with no token check, rate limit or database.

Run: .venv/bin/python -m bench.gateway_query [--seconds 10]   (needs wrk: apt-get install wrk)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="each round measures all four; medians are reported")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    run = uuid.uuid4().hex[:6]
    admin = create_engine(f"{PG}/postgres", isolation_level="AUTOCOMMIT")
    databases = {name: f"hall_bench_gw_{run}_{name}" for name in ("identity", "accounts")}
    with admin.connect() as connection:
        for database in databases.values():
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    ports = {
        "gateway": free_port(),
        "identity": free_port(),
        "accounts": free_port(),
        "anchor": free_port(),
        "forwarder": free_port(),
    }
    env = {
        **os.environ,
        "HALL_EMBEDDED": "false",
        "HALL_WORKSTATION": "true",
        "HALL_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
        "HALL_EXCHANGE": f"bench.gateway.{run}",
        "HALL_LOG_LEVEL": "WARNING",
        "HALL_REDIS_URL": "redis://127.0.0.1:6379/15",
        # the rate limits still run (and cost), but must not refuse a benchmark's single user
        "GATEWAY_RATE_LIMIT_PER_USER": "100000000 per minute",
        "GATEWAY_RATE_LIMIT_PER_IP": "100000000 per minute",
        "HALL_JWKS_URL": f"http://127.0.0.1:{ports['identity']}/.well-known/jwks.json",
        "HALL_SERVICE_URLS": f"identity=http://127.0.0.1:{ports['identity']},"
        f"accounts=http://127.0.0.1:{ports['accounts']}",
        "IDENTITY_DATABASE_URL": f"{PG}/{databases['identity']}",
        "ACCOUNTS_DATABASE_URL": f"{PG}/{databases['accounts']}",
        "PYTHONPATH": str(REPO),
    }
    processes: list[subprocess.Popen] = []
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
        processes.append(gunicorn("gateway.wsgi:app", ports["gateway"], env))
        processes.append(gunicorn("bench.bare_app:app", ports["anchor"], env))
        forwarder_env = {**env, "BENCH_FORWARD_TO": f"http://127.0.0.1:{ports['anchor']}"}
        processes.append(gunicorn("bench.bare_forwarder:app", ports["forwarder"], forwarder_env))
        for name, port in ports.items():
            wait_ready(
                f"http://127.0.0.1:{port}/api/v1/accounts/me/account"
                if name in ("anchor", "forwarder")
                else f"http://127.0.0.1:{port}/livez"
            )
        gateway = f"http://127.0.0.1:{ports['gateway']}"
        login = requests.post(
            f"{gateway}/api/v1/identity/sessions",
            json={"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"},
            timeout=10,
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        url = f"{gateway}/api/v1/accounts/me/account"
        checked = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert checked.status_code == 200 and checked.json()["account_no"] == "640100000001", checked.text
        anchor_url = f"http://127.0.0.1:{ports['anchor']}/api/v1/accounts/me/account"
        targets = {
            "anchor": (anchor_url, None),
            "gateway": (url, token),
            "accounts": (f"http://127.0.0.1:{ports['accounts']}/api/v1/accounts/me/account", token),
            "forwarder": (f"http://127.0.0.1:{ports['forwarder']}/api/v1/accounts/me/account", None),
        }
        for target, bearer in targets.values():
            wrk(target, 2, bearer)  # warm up every process
        # this machine is noisy: measure all four in each round, so a slow spell hits the anchor too, and report
        # the medians of the rounds
        runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name in targets}
        for round_number in range(args.rounds):
            for name, (target, bearer) in targets.items():
                runs[name].append(wrk(target, args.seconds, bearer))
            print(
                f"[bench] round {round_number + 1}: "
                + ", ".join(f"{name} {runs[name][-1][0]:,.0f} req/s p99 {runs[name][-1][1]:.1f} ms" for name in runs)
            )
        print(f"[bench] gateway: {sum(run[2] for run in runs['gateway'])} non-2xx responses")
        anchor_rps, anchor_p99 = _medians(runs["anchor"])
        rps, p99 = _medians(runs["gateway"])
        direct_rps, direct_p99 = _medians(runs["accounts"])
        floor_rps, floor_p99 = _medians(runs["forwarder"])
        report(
            Figure(
                "gateway → accounts, authenticated /me/account",
                rps,
                "req/s",
                "bare Flask app, same gunicorn settings",
                anchor_rps,
                target="ratio ≥ 0.40",
            )
        )
        report(
            Figure(
                "gateway p99 at 32 connections",
                p99,
                "ms",
                "bare Flask app p99",
                anchor_p99,
                higher_is_better=False,
                target="p99 ≤ 30 ms",
            )
        )
        for name, value, p99_ms in (
            ("ceiling: accounts alone, no gateway", direct_rps, direct_p99),
            ("ceiling: bare app behind a do-nothing Flask forwarder", floor_rps, floor_p99),
        ):
            report(Figure(f"{name} (p99 {p99_ms:.1f} ms)", value, "req/s", "bare Flask app", anchor_rps))
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(20)
        with admin.connect() as connection:
            for database in databases.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
