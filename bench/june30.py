"""The end-of-June rush through the public entry of a running hall (`make up`: HAProxy or the Python gateway,
whichever serves the base URL), against the bare Flask anchor (bench/bare_app.py under the same gunicorn
settings) measured in the same run with the same load generator.

The mix, per request: captcha 5%, login 5%, my account 25%, deposits 15%, statement pages 25%, loan calculator
15%, loan pre-check (eligibility) 5%, my applications 5%. wrk (C, so the generator takes little of the machine)
drives it with a Lua script; the load rises step by step (more connections each step) until the p99 passes
100 ms or more than 1% of the answers are errors. The highest sustained rate is the best step that passed.

The hall must let one bench user through its rate limits, e.g. for the Python gateway:
    GATEWAY_RATE_LIMIT_PER_USER="100000000 per minute" GATEWAY_RATE_LIMIT_PER_IP="100000000 per minute" make up
(a step refused with 429s fails and says so).

Run: .venv/bin/python -m bench.june30 [--base-url http://127.0.0.1:8000] [--step-seconds 8]
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.gateway_query import REPO, free_port, gunicorn, wait_ready
from bench.harness import Figure, report

CONNECTION_STEPS = (1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
P99_LIMIT_MS = 100.0

# (weight, method, path, body): the share of each request in the rush
MIX = (
    (5, "POST", "/api/v1/identity/captchas", None),
    (5, "POST", "/api/v1/identity/sessions", "LOGIN"),
    (25, "GET", "/api/v1/accounts/me/account", None),
    (15, "GET", "/api/v1/accounts/me/deposits?page=1&page_size=20", None),
    (15, "GET", "/api/v1/accounts/me/statement?page=1&page_size=20", None),
    (10, "GET", "/api/v1/accounts/me/statement?page=2&page_size=20", None),
    (
        15,
        "POST",
        "/api/v1/loans/calculator",
        {"amount": "600000", "term_months": 360, "method": "equal_installment"},
    ),
    (
        5,
        "POST",
        "/api/v1/loans/eligibility",
        {"amount": "500000", "term_months": 300, "method": "equal_principal", "house": {"price": "900000"}},
    ),
    (5, "GET", "/api/v1/loans/applications", None),
)

LUA = r"""
local requests = {}
local weights = {}
local total = 0
function init(args)
  for line in io.lines(args[1]) do
    local weight, method, path, body = line:match("^(%d+)\t(%u+)\t([^\t]+)\t(.*)$")
    local headers = {["Authorization"] = "Bearer " .. args[2], ["Content-Type"] = "application/json"}
    if body == "" then body = nil end
    total = total + tonumber(weight)
    table.insert(weights, total)
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end
function request()
  local pick = math.random(total)
  for i, upto in ipairs(weights) do
    if pick <= upto then return requests[i] end
  end
  return requests[#requests]
end
"""


@dataclass
class Step:
    connections: int
    rps: float
    p99_ms: float
    errors: int
    requests: int

    @property
    def passed(self) -> bool:
        return self.p99_ms <= P99_LIMIT_MS and self.errors <= 0.01 * max(self.requests, 1)


def wrk_step(url: str, connections: int, seconds: int, script: Path, args: list[str]) -> Step:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        *args,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99_value, p99_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(p99_value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_unit]
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failed = (int(errors.group(1)) if errors else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Step(connections, rps, p99, failed, total)


def climb(name: str, url: str, seconds: int, script: Path, args: list[str]) -> Step | None:
    """Step the load up until a step fails; the best passing step."""
    best = None
    for connections in CONNECTION_STEPS:
        step = wrk_step(url, connections, seconds, script, args)
        print(
            f"[bench] {name}: {connections} connections → {step.rps:,.0f} req/s, p99 {step.p99_ms:.1f} ms, "
            f"{step.errors} errors of {step.requests}" + ("" if step.passed else "  (fails: stop)")
        )
        if not step.passed:
            break
        if best is None or step.rps > best.rps:
            best = step
    return best


def mix_file(folder: Path, login: dict) -> Path:
    lines = []
    for weight, method, path, body in MIX:
        payload = login if body == "LOGIN" else body
        lines.append(f"{weight}\t{method}\t{path}\t{json.dumps(payload, ensure_ascii=False) if payload else ''}")
    target = folder / "mix.tsv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def check_mix(base: str, token: str, login: dict) -> None:
    """Every request of the mix answers 2xx once before the climb (a wrong path would measure 404s)."""
    headers = {"Authorization": f"Bearer {token}"}
    for _weight, method, path, body in MIX:
        payload = login if body == "LOGIN" else body
        answer = requests.request(method, base + path, json=payload, headers=headers, timeout=10)
        if answer.status_code >= 300:
            sys.exit(f"{method} {path} answered {answer.status_code}: {answer.text[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", default=os.environ.get("HALL_BASE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--center", default="yinchuan")
    parser.add_argument("--username", default="zhangwei01")
    parser.add_argument("--password", default="Demo123456")
    parser.add_argument("--step-seconds", type=int, default=8)
    parser.add_argument("--depositors", type=int, default=1_300_000)
    # assumptions for sizing, printed with the result
    parser.add_argument("--visiting-share", type=float, default=0.10, help="depositors who visit on the peak day")
    parser.add_argument("--peak-hour-share", type=float, default=0.20, help="of the day's visits in the peak hour")
    parser.add_argument("--requests-per-visit", type=int, default=12)
    parser.add_argument("--peak-minute-factor", type=float, default=3.0, help="busiest minute / peak-hour mean")
    parser.add_argument("--headroom", type=float, default=1.5, help="cores provisioned / cores busy at the peak")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    base = args.base_url.rstrip("/")
    login = {"center": args.center, "username": args.username, "password": args.password}
    grant = requests.post(f"{base}/api/v1/identity/sessions", json=login, timeout=10)
    if grant.status_code != 201:
        sys.exit(f"login at {base} failed ({grant.status_code}): is the hall up (make up)? {grant.text[:300]}")
    token = grant.json()["access_token"]
    check_mix(base, token, login)

    anchor_port = free_port()
    anchor_env = {**os.environ, "HALL_LOG_LEVEL": "WARNING", "PYTHONPATH": str(REPO)}
    anchor = gunicorn("bench.bare_app:app", anchor_port, anchor_env)
    try:
        anchor_url = f"http://127.0.0.1:{anchor_port}"
        wait_ready(f"{anchor_url}/api/v1/accounts/me/account")
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "mix.lua"
            script.write_text(LUA, encoding="utf-8")
            mix = mix_file(Path(folder), login)
            anchor_mix = Path(folder) / "anchor.tsv"
            anchor_mix.write_text("1\tGET\t/api/v1/accounts/me/account\t\n", encoding="utf-8")
            hall = climb("june30 mix", base, args.step_seconds, script, [str(mix), token])
            bare = climb("bare Flask anchor", anchor_url, args.step_seconds, script, [str(anchor_mix), token])
    finally:
        os.killpg(anchor.pid, signal.SIGTERM)
        anchor.wait(20)
    if hall is None or bare is None:
        sys.exit("not even one connection kept p99 under 100 ms: nothing to report")
    cores = os.cpu_count() or 1
    report(
        Figure(
            f"june30 mix at p99 ≤ 100 ms via {base} ({hall.connections} connections, p99 {hall.p99_ms:.0f} ms)",
            hall.rps,
            "req/s",
            f"bare Flask app, same gunicorn settings ({bare.connections} connections, p99 {bare.p99_ms:.0f} ms)",
            bare.rps,
        )
    )
    per_core, bare_per_core = hall.rps / cores, bare.rps / cores
    print(
        f"[bench] per core ({cores} cores: the whole hall, its databases, broker and wrk share them): "
        f"{per_core:,.1f} req/s per core, bare Flask {bare_per_core:,.1f}"
    )
    visits = args.depositors * args.visiting_share * args.peak_hour_share
    peak_rps = visits * args.requests_per_visit / 3600 * args.peak_minute_factor
    needed = peak_rps / per_core * args.headroom
    print(
        f"[bench] sizing for {args.depositors:,} depositors: {args.visiting_share:.0%} visit on the peak day, "
        f"{args.peak_hour_share:.0%} of them in the peak hour ({visits:,.0f} visits), {args.requests_per_visit} "
        f"requests a visit, busiest minute {args.peak_minute_factor}× the hour's mean → {peak_rps:,.0f} req/s at "
        f"the peak; at {per_core:,.1f} req/s per core with {args.headroom}× headroom: {needed:,.0f} cores"
    )


if __name__ == "__main__":
    main()
