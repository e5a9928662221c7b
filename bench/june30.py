"""The end-of-June rush through the public entry of a running hall (`make up`: HAProxy or the Python gateway,
whichever serves the base URL), against the bare Flask anchor (bench/bare_app.py under the same gunicorn
settings) measured in the same run with the same load generator.

The pages, per request: my account 27%, deposits 17%, statement pages 28%, loan calculator 17%, loan pre-check
(eligibility) 5.5%, my applications 5.5%; beside them, on a connection of its own, the way in: captcha and login
in turn, paced under the edge's per-address limits (this bench is one address). A login's argon2 hash is priced
in the sizing separately (`--login-core-seconds`). wrk (C, so the generator takes little of the machine) drives
both with a Lua script; the load rises step by step (more connections each step) until the pages' p99 passes
100 ms, the logins' 1 s, or more than 1% of the answers are errors. The highest sustained rate (pages + sign-ins)
is the best step that passed.

The hall must let one bench user through its rate limits, e.g. for the HAProxy edge of make up:
    EDGE_RATE_LIMITS="per_user=100000000,per_ip=100000000" make up
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

# (weight, method, path, body): the pages of the rush, in their shares
PAGES = (
    (25, "GET", "/api/v1/accounts/me/account", None),
    (15, "GET", "/api/v1/accounts/me/deposits?page=1&page_size=20", None),
    (15, "GET", "/api/v1/accounts/me/statement?page=1&page_size=20", None),
    (10, "GET", "/api/v1/accounts/me/statement?page=2&page_size=20", None),
    (15, "POST", "/api/v1/loans/calculator", {"amount": "600000", "term_months": 360, "method": "equal_installment"}),
    (
        5,
        "POST",
        "/api/v1/loans/eligibility",
        {"amount": "500000", "term_months": 300, "method": "equal_principal", "house": {"price": "900000"}},
    ),
    (5, "GET", "/api/v1/loans/applications", None),
)
# the way in, on connections of its own: a login hashes the password (argon2, by design about a tenth of a second
# of a core), so in one stream its time would be the pages' p99; it is judged against its own limit instead
SIGN_IN = (
    (1, "POST", "/api/v1/identity/captchas", None),
    (1, "POST", "/api/v1/identity/sessions", "LOGIN"),
)
MIX = PAGES + SIGN_IN
ANCHOR = ((1, "GET", "/api/v1/accounts/me/account", None),)  # the bare app's one route
SIGN_IN_P99_LIMIT_MS = 1000.0
# the edge allows 20 logins and 30 captchas a minute from one address (gateway/protection.py STRICT_LIMITS), and
# this bench is one address: one connection, a request every 2 s (15 logins a minute) beside the pages
SIGN_IN_PAUSE_MS = 2000

LUA = r"""
local requests = {}
local weights = {}
local total = 0
local pause = 0
function init(args)
  pause = tonumber(args[3] or "0")
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
function delay()
  return pause
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
    p99_limit_ms: float = P99_LIMIT_MS

    @property
    def passed(self) -> bool:
        return self.p99_ms <= self.p99_limit_ms and self.errors <= 0.01 * max(self.requests, 1)


def wrk_command(url: str, connections: int, seconds: int, script: Path, args: list[str]) -> list[str]:
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
    return command


def parse(output: str, connections: int, limit: float) -> Step:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99_value, p99_unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99 = float(p99_value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99_unit]
    total = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failed = (int(errors.group(1)) if errors else 0) + (sum(map(int, socket_errors.groups())) if socket_errors else 0)
    return Step(connections, rps, p99, failed, total, limit)


def wrk_step(url: str, connections: int, seconds: int, script: Path, args: list[str], sign_in: list[str] | None):
    """One step: the pages on `connections`, and at the same time the sign-ins on their share of connections."""
    pages = subprocess.Popen(wrk_command(url, connections, seconds, script, args), stdout=subprocess.PIPE, text=True)
    logins = None
    if sign_in is not None:
        count = 1
        logins = subprocess.Popen(wrk_command(url, count, seconds, script, sign_in), stdout=subprocess.PIPE, text=True)
    page_step = parse(pages.communicate()[0], connections, P99_LIMIT_MS)
    login_step = parse(logins.communicate()[0], count, SIGN_IN_P99_LIMIT_MS) if logins else None
    return page_step, login_step


def climb(name: str, url: str, seconds: int, script: Path, args: list[str], sign_in: list[str] | None = None):
    """Step the load up until a step fails; the best passing step (pages, sign-ins)."""
    best = None
    for connections in CONNECTION_STEPS:
        pages, logins = wrk_step(url, connections, seconds, script, args, sign_in)
        passed = pages.passed and (logins is None or logins.passed)
        line = (
            f"[bench] {name}: {connections} connections → {pages.rps:,.0f} req/s, p99 {pages.p99_ms:.1f} ms, "
            f"{pages.errors} errors of {pages.requests}"
        )
        if logins is not None:
            line += (
                f"; sign-in on {logins.connections}: {logins.rps:,.0f} req/s, p99 {logins.p99_ms:.1f} ms, "
                f"{logins.errors} errors"
            )
        print(line + ("" if passed else "  (fails: stop)"))
        if not passed:
            break
        total = pages.rps + (logins.rps if logins else 0)
        if best is None or total > best[0].rps + (best[1].rps if best[1] else 0):
            best = (pages, logins)
    return best


def mix_file(path: Path, mix: tuple, login: dict) -> Path:
    lines = []
    for weight, method, route, body in mix:
        payload = login if body == "LOGIN" else body
        lines.append(f"{weight}\t{method}\t{route}\t{json.dumps(payload, ensure_ascii=False) if payload else ''}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


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
    parser.add_argument("--login-core-seconds", type=float, default=0.1, help="core time of one login (argon2)")
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
            pages = mix_file(Path(folder) / "pages.tsv", PAGES, login)
            sign_in = mix_file(Path(folder) / "sign_in.tsv", SIGN_IN, login)
            anchor_mix = mix_file(Path(folder) / "anchor.tsv", ANCHOR, login)
            sign_in_args = [str(sign_in), token, str(SIGN_IN_PAUSE_MS)]
            hall = climb("june30", base, args.step_seconds, script, [str(pages), token], sign_in_args)
            bare = climb("bare Flask anchor", anchor_url, args.step_seconds, script, [str(anchor_mix), token])
    finally:
        os.killpg(anchor.pid, signal.SIGTERM)
        anchor.wait(20)
    if hall is None or bare is None:
        sys.exit("not even one connection kept within the limits: nothing to report")
    (pages, logins), (anchor_step, _none) = hall, bare
    hall_rps = pages.rps + logins.rps
    cores = os.cpu_count() or 1
    report(
        Figure(
            f"june30 mix via {base}: pages on {pages.connections} connections (p99 {pages.p99_ms:.0f} ms ≤ 100) + "
            f"captcha/login on {logins.connections} (p99 {logins.p99_ms:.0f} ms ≤ 1000)",
            hall_rps,
            "req/s",
            f"bare Flask app, same gunicorn settings ({anchor_step.connections} connections, "
            f"p99 {anchor_step.p99_ms:.0f} ms)",
            anchor_step.rps,
        )
    )
    per_core, bare_per_core = hall_rps / cores, anchor_step.rps / cores
    print(
        f"[bench] per core ({cores} cores: the whole hall, its databases, broker and wrk share them): "
        f"{per_core:,.1f} req/s per core, bare Flask {bare_per_core:,.1f}"
    )
    visits = args.depositors * args.visiting_share * args.peak_hour_share
    peak_visits = visits / 3600 * args.peak_minute_factor
    peak_rps = peak_visits * args.requests_per_visit
    page_cores = peak_rps / per_core
    login_cores = peak_visits * args.login_core_seconds
    needed = (page_cores + login_cores) * args.headroom
    print(
        f"[bench] sizing for {args.depositors:,} depositors: {args.visiting_share:.0%} visit on the peak day, "
        f"{args.peak_hour_share:.0%} of them in the peak hour ({visits:,.0f} visits), busiest minute "
        f"{args.peak_minute_factor}× the hour's mean → {peak_visits:,.1f} visits/s, each a login and "
        f"{args.requests_per_visit} requests → {peak_rps:,.0f} req/s; at {per_core:,.1f} req/s per core that is "
        f"{page_cores:,.1f} cores, plus {login_cores:,.1f} for the logins ({args.login_core_seconds} core-s each); "
        f"with {args.headroom}× headroom: {needed:,.0f} cores"
    )


if __name__ == "__main__":
    main()
