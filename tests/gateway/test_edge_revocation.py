"""Revocation at the edge: a logged-out session's access token is refused by HAProxy itself, at once.

The real parts: identity on RabbitMQ and PostgreSQL, served over HTTP (the others need not run: identity's own
API is the protected call); a real HAProxy from the
generated config; the revocation feeder (gateway/revocation_feeder.py) as its own process, consuming
identity.session.revoked from RabbitMQ and changing HAProxy's map through its runtime API."""

import os
import re
import signal
import subprocess
import sys
import time

import jwt
import pytest
import requests

from chassis import clock
from chassis.http import local_app, register_local_app
from chassis.testing import wait_until
from gateway.revocation_feeder import Feeder, FeederSettings, RuntimeApi
from tests.gateway.conftest import HaproxyEdge, Recorder, free_port
from tests.observability.catalogue import feeder_metrics

LOGIN = {"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
ME = "/api/v1/identity/me"


@pytest.fixture
def real_edge(start_hall, rabbit_vhost, unique_exchange, tmp_path):
    hall = start_hall(["identity"], mode="real")
    hall.seed()
    recorder = Recorder(local_app("identity"))
    register_local_app("identity", recorder)
    hall.recorder = recorder
    edge = HaproxyEdge(hall, tmp_path, started=("identity",))
    edge.feeder_env = {
        **os.environ,
        "HALL_BROKER_URL": rabbit_vhost.url,
        "HALL_EXCHANGE": unique_exchange,
        "EDGE_IDENTITY_URL": f"http://{edge.settings.services['identity']}",
        "EDGE_REVOKED_MAP": str(edge.revoked_map),
        "EDGE_ADMIN_SOCKET": str(edge.admin_socket),
        "EDGE_REVOCATIONS_METRICS_BIND": f"127.0.0.1:{free_port()}",
        "EDGE_REVOCATIONS_RESYNC_SECONDS": "0.5",
    }
    edge.feeders = []
    yield hall, edge
    for feeder in edge.feeders:
        _stop(feeder)
    edge.stop()


def _ready(edge) -> bool:
    try:
        return requests.get(f"http://{edge.feeder_env['EDGE_REVOCATIONS_METRICS_BIND']}/readyz", timeout=2).ok
    except requests.RequestException:
        return False


def _start_feeder(edge, haproxy_running: bool = True) -> subprocess.Popen:
    with open(edge.tmp / "feeder.log", "ab") as log:
        feeder = subprocess.Popen(
            [sys.executable, "-m", "gateway.revocation_feeder"],
            env=edge.feeder_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    edge.feeders.append(feeder)
    wait_until(lambda: _ready(edge), 20, 0.1, "the feeder loads identity's list")
    if haproxy_running:
        wait_until(lambda: _metric(edge, "hall_edge_revocation_last_sync_timestamp_seconds") > 0, 15, 0.1, "a sync")
    return feeder


def _stop(feeder: subprocess.Popen) -> None:
    if feeder.poll() is None:
        feeder.send_signal(signal.SIGTERM)
        try:
            feeder.wait(10)
        except subprocess.TimeoutExpired:
            feeder.kill()


def _metric(edge, name: str, labels: str = "") -> float:
    try:
        text = requests.get(f"http://{edge.feeder_env['EDGE_REVOCATIONS_METRICS_BIND']}/metrics", timeout=2).text
    except requests.RequestException:
        return -1.0
    found = re.search(rf"^{name}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else -1.0


def _login(edge) -> str:
    reply = edge.request("POST", "/api/v1/identity/sessions", json=LOGIN)
    assert reply.status == 201, reply.body
    return reply.json()["access_token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _sid(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sid"]


def _refused_at_the_edge(edge, hall, token: str) -> dict:
    hall.recorder.seen.clear()
    reply = edge.request("GET", ME, headers=_bearer(token))
    assert reply.status == 401, reply.body
    body = reply.json()
    assert body["code"] == "TOKEN_REVOKED" and body["detail"] == "登录已退出或已失效，请重新登录"
    assert body["request_id"] == reply.headers["x-request-id"]
    assert reply.headers["x-refused-by"] == "edge"
    assert hall.recorder.seen == [], "the request reached identity: the edge did not refuse it"
    return body


def test_a_logged_out_token_is_refused_at_the_edge_and_a_restarted_edge_still_refuses_it(real_edge):
    hall, edge = real_edge
    api = RuntimeApi(str(edge.admin_socket))
    feeder = _start_feeder(edge)
    assert _metric(edge, "hall_edge_revoked_sessions") == 0

    token = _login(edge)
    assert edge.request("GET", ME, headers=_bearer(token)).status == 200
    assert any(seen.get("HTTP_AUTHORIZATION") for seen in hall.recorder.seen), "identity answered the call"
    other = _login(edge)  # another login of the same depositor stays alive

    logged_out = time.monotonic()
    assert edge.request("DELETE", "/api/v1/identity/sessions/current", headers=_bearer(token)).status == 204
    wait_until(lambda: _sid(token) in api.entries(str(edge.revoked_map)), 15, 0.02, "the edge lists the sid")
    listed_after = time.monotonic() - logged_out
    edge_refusal = _refused_at_the_edge(edge, hall, token)
    # word for word what the services answer themselves (identity checks its own list, read anew every second)
    direct = wait_until(
        lambda: (reply := hall.client("identity").get(ME, headers=_bearer(token))).status_code == 401 and reply,
        5,
        0.2,
        "identity refuses the token itself",
    )
    assert (direct.get_json()["code"], direct.get_json()["detail"]) == (edge_refusal["code"], edge_refusal["detail"])
    assert edge.request("GET", ME, headers=_bearer(other)).status == 200
    assert _metric(edge, "hall_edge_revoked_sessions") == 1
    assert _metric(edge, "hall_edge_revocation_events_total", '{outcome="listed"}') == 1
    assert 0 <= _metric(edge, "hall_edge_revocation_last_event_age_seconds") < 30
    # every metric docs/metrics.md lists for the feeder, with its type, and no other hall_* one
    scraped = requests.get(f"http://{edge.feeder_env['EDGE_REVOCATIONS_METRICS_BIND']}/metrics", timeout=2).text
    families = dict(re.findall(r"^# TYPE (hall_\S+) (\S+)$", scraped, re.MULTILINE))
    families = {name: kind for name, kind in families.items() if not name.endswith("_created")}
    assert families == feeder_metrics()
    # the file HAProxy reads when it starts holds it too, with the time its tokens could live until
    (entry,) = edge.revoked_map.read_text().splitlines()
    sid, until = entry.split()
    assert sid == _sid(token) and 0 < int(until) - clock.timestamp() <= 15 * 60 + 60

    # a new edge replica: HAProxy and feeder both restarted on an empty map. The feeder loads identity's list.
    _stop(feeder)
    edge.process.send_signal(signal.SIGTERM)
    edge.process.wait(20)
    edge.revoked_map.write_text("")
    _start_feeder(edge, haproxy_running=False)  # what the pod's startup probe waits for before HAProxy starts
    assert edge.revoked_map.read_text().split() == [sid, until]
    edge.process = edge._start()
    edge._wait_up()
    _refused_at_the_edge(edge, hall, token)
    assert edge.request("GET", ME, headers=_bearer(other)).status == 200
    print(f"\nlogout -> listed at the edge: {listed_after * 1000:.0f} ms")

    # idempotent entries that live only as long as a token could (the feeder's own steps, on the same HAProxy;
    # one test, so the hall starts once)
    _stop(edge.feeders[-1])
    feeder = Feeder(FeederSettings.from_env(edge.feeder_env))
    logged_out_entry = {sid: int(until)}
    feeder.remember(sid, int(until))
    token = _login(edge)
    sid = _sid(token)
    until = int(clock.timestamp()) + 3
    event = {"id": "e1", "type": "identity.session.revoked", "data": {"sid": sid, "until": _iso(until)}}
    assert feeder.apply(event) == "listed"
    assert feeder.apply(event) == "unchanged"  # the same event again (a redelivery) changes nothing
    assert feeder.apply({**event, "data": {"sid": sid, "until": _iso(until - 1)}}) == "unchanged"
    assert feeder.apply({"id": "e2", "data": {"sid": "x y", "until": _iso(until)}}) == "unchanged"
    assert feeder.api.entries(str(edge.revoked_map)) == {**logged_out_entry, sid: until}
    _refused_at_the_edge(edge, hall, token)
    # past `until` no token of the session can be valid: the edge lets it through (identity never heard of this
    # made-up revocation) and the feeder drops the entry from HAProxy and from the file
    wait_until(lambda: clock.timestamp() > until + 0.5, 6, 0.1, "the entry's time passes")
    assert edge.request("GET", ME, headers=_bearer(token)).status == 200
    assert feeder.sync()
    assert feeder.api.entries(str(edge.revoked_map)) == logged_out_entry
    assert sid not in edge.revoked_map.read_text()
    # an entry HAProxy has that the list has not (left over) goes; one it lacks comes back
    feeder.api.command(f"add map {edge.revoked_map} stale-sid {until + 600}")
    feeder.remember("kept-sid", until + 600)
    assert feeder.sync()
    assert feeder.api.entries(str(edge.revoked_map)) == {**logged_out_entry, "kept-sid": until + 600}


def _iso(timestamp: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(timestamp, UTC).isoformat()
