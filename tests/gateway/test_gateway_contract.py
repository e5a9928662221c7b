"""The gateway contract: what both gateways made from gateway/routes.py answer (the embedded one of `make run` and
the HAProxy edge of `make up` and Kubernetes, each test run against both)."""

import base64
import hashlib
import hmac
import json
import re
import threading
import time

import jwt
import pytest
import requests

from chassis import clock
from chassis.testing import wait_until
from services.identity.cases.keys import key_ring
from tests.gateway.conftest import CORS_ORIGIN

pytestmark = pytest.mark.slow(seconds=160)

LOGIN = {"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
ME = "/api/v1/accounts/me/account"


def _login(edge) -> str:
    reply = edge.request("POST", "/api/v1/identity/sessions", json=LOGIN)
    assert reply.status == 201, reply.body
    return reply.json()["access_token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _problem(reply, status: int, code: str, detail: str | None = None) -> dict:
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.headers["content-type"].startswith("application/problem+json")
    body = reply.json()
    assert body["code"] == code
    if detail is not None:
        assert body["detail"] == detail
    assert body["request_id"] == reply.headers["x-request-id"]
    return body


def test_routes_reach_their_service_and_an_unknown_service_is_a_404(edge):
    assert edge.request("GET", "/api/v1/accounts/centers").status == 200
    assert edge.request("POST", "/api/v1/loans/calculator", json={}).status in (200, 422)
    token = _login(edge)
    account = edge.request("GET", ME, headers=_bearer(token))
    assert account.status == 200 and account.json()["account_no"] == "640100000001"
    _problem(edge.request("GET", "/api/v1/nosuch/things"), 404, "NOT_FOUND", "请求的资源不存在")
    assert edge.request("GET", "/.well-known/jwks.json").json()["keys"]
    assert edge.request("GET", "/console/loans").status in (200, 302)
    index = edge.request("GET", "/")
    assert index.status == 200 and "宁夏住房公积金网上业务大厅" in index.body.decode()
    assert index.headers["cache-control"] == "no-cache"
    asset = re.search(r'href="(styles\.css\?v=[0-9a-f]+)"', index.body.decode()).group(1)
    assert edge.request("GET", "/" + asset).headers["cache-control"] == "public, max-age=31536000, immutable"
    assert edge.request("GET", "/livez").status == 200


def test_the_installable_apps_worker_and_manifest_are_served_fresh_with_their_types(edge):
    worker = edge.request("GET", "/sw.js")
    assert worker.status == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    # asked for again on every visit: a release reaches an installed app at once
    assert worker.headers["cache-control"] == "no-cache"
    build = json.loads(re.search(r"^const BUILD = (.*);$", worker.body.decode(), re.MULTILINE).group(1))
    assert re.fullmatch(r"[0-9a-f]{16}", build["version"])
    assert {"/", "/styles.css", "/app/main.js", "/offline.html", "/manifest.webmanifest"} <= set(build["files"])
    assert not [path for path in build["files"] if path.startswith("/api/") or path == "/sw.js"], build["files"]
    for path in build["files"]:  # every file the worker keeps is there to be fetched
        assert edge.request("GET", path).status == 200, path

    manifest = edge.request("GET", "/manifest.webmanifest")
    assert manifest.status == 200
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.headers["cache-control"] == "no-cache"
    assert manifest.json()["display"] == "standalone"
    icon = manifest.json()["icons"][0]["src"]
    assert edge.request("GET", icon).headers["content-type"] == "image/png"


def test_public_routes_need_no_token_and_protected_ones_do(edge):
    assert edge.request("POST", "/api/v1/identity/captchas").status == 201
    assert edge.request("GET", "/api/v1/loans/rates").status == 200
    _problem(edge.request("GET", ME), 401, "UNAUTHENTICATED", "请先登录")
    _problem(edge.request("GET", "/api/v1/loans/applications"), 401, "UNAUTHENTICATED")


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _refused_tokens(hall, valid: str) -> dict[str, str]:
    claims = jwt.decode(valid, options={"verify_signature": False})
    kid, private_key, _ = key_ring(hall.runtime("identity"))._load()[0]
    now = int(clock.timestamp())

    def signed(**changes) -> str:
        return jwt.encode({**claims, **changes}, private_key, algorithm="RS256", headers={"kid": kid})

    head, payload, signature = valid.split(".")
    tampered = _b64({**claims, "acct": "640100000002"})
    public_pem = private_key.public_key().public_bytes(
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).Encoding.PEM,
        __import__("cryptography.hazmat.primitives.serialization", fromlist=["x"]).PublicFormat.SubjectPublicKeyInfo,
    )
    hs_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{payload}"
    hs_signature = _b64(hmac.new(public_pem, hs_input.encode(), hashlib.sha256).digest())
    return {
        "tampered": f"{head}.{tampered}.{signature}",
        "expired": signed(iat=now - 1000, exp=now - 60),
        "wrong audience": signed(aud="someone-else"),
        "wrong issuer": signed(iss="someone-else"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{payload}.",
        "HS256 signed with the public key": f"{hs_input}.{hs_signature}",
        "unknown kid": jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": "not-a-key-of-ours"}),
        "garbage": "not.a.token",
    }


def test_refused_tokens_never_reach_a_service(edge, hall):
    valid = _login(edge)
    assert edge.request("GET", ME, headers=_bearer(valid)).status == 200
    for name, token in _refused_tokens(hall, valid).items():
        reply = edge.request("GET", ME, headers=_bearer(token))
        expected = "TOKEN_EXPIRED" if name == "expired" else "TOKEN_INVALID"
        assert reply.status == 401, (edge.kind, name, reply.status, reply.body[:200])
        _problem(reply, 401, expected)


def test_too_many_sms_codes_from_one_address_get_a_chinese_429(edge):
    body = {"purpose": "register", "center": "yinchuan", "id_number": "11010519491231002X", "phone": "13800000000"}
    if clock.timestamp() % 60 > 57:
        time.sleep(3)  # a short burst, well inside one period of the rate's window
    replies = [edge.request("POST", "/api/v1/identity/sms-codes", json=body) for _ in range(5)]
    assert [reply.json().get("code") for reply in replies].count("TOO_MANY_REQUESTS") == 0
    refused = edge.request("POST", "/api/v1/identity/sms-codes", json=body)
    _problem(refused, 429, "TOO_MANY_REQUESTS", "操作过于频繁，请稍后再试")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # another class is counted apart
    assert edge.request("POST", "/api/v1/identity/captchas").status == 201


def test_an_oversized_body_is_refused_with_a_chinese_413(edge):
    reply = edge.oversized("/api/v1/identity/sessions", 10 * 1024 * 1024)
    _problem(reply, 413, "PAYLOAD_TOO_LARGE", "请求内容过大")


def test_a_service_that_is_down_gives_a_chinese_503_with_retry_after(edge):
    reply = edge.request("GET", "/api/v1/withdrawals/reasons")
    _problem(reply, 503, "SERVICE_UNAVAILABLE", "提取服务暂不可用，请稍后再试")
    assert int(reply.headers["retry-after"]) >= 1


def test_security_headers_cors_and_request_ids(edge):
    kept = edge.request("GET", "/api/v1/accounts/centers", headers={"X-Request-ID": "abc-12345678"})
    assert kept.headers["x-request-id"] == "abc-12345678"
    assert "frame-ancestors 'none'" in kept.headers["content-security-policy"]
    assert kept.headers["x-frame-options"] == "DENY"
    assert kept.headers["x-content-type-options"] == "nosniff"
    assert kept.headers["referrer-policy"] == "no-referrer"
    assert kept.headers["cache-control"] == "no-store"
    for insane in ("short", "x" * 100, "has space 123456"):
        made = edge.request("GET", "/api/v1/accounts/centers", headers={"X-Request-ID": insane})
        assert made.headers["x-request-id"] != insane
        assert re.fullmatch(r"[0-9a-f-]{36}", made.headers["x-request-id"])
    refused = edge.request("GET", ME)  # the edge's own answers carry them too
    assert refused.headers["x-frame-options"] == "DENY" and refused.headers["x-request-id"]
    allowed = edge.request("GET", "/api/v1/accounts/centers", headers={"Origin": CORS_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == CORS_ORIGIN
    other = edge.request("GET", "/api/v1/accounts/centers", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = edge.request("OPTIONS", ME, headers={"Origin": CORS_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert preflight.status == 204
    assert "Authorization" in preflight.headers["access-control-allow-headers"]


def test_a_spoofed_x_forwarded_for_never_reaches_a_service(edge, hall):
    hall.identity_recorder.seen.clear()
    spoofed = {"X-Forwarded-For": "6.6.6.6", "Forwarded": "for=6.6.6.6", "X-Real-IP": "6.6.6.6"}
    assert edge.request("POST", "/api/v1/identity/captchas", headers=spoofed).status == 201
    seen = [environ for environ in hall.identity_recorder.seen if environ.get("PATH_INFO", "").endswith("captchas")]
    seen = seen or hall.identity_recorder.seen
    assert seen[-1]["HTTP_X_FORWARDED_FOR"] == "127.0.0.1"
    assert "6.6.6.6" not in json.dumps(seen[-1])


def _responses(edge) -> dict[tuple[str, str], float]:
    """(proxy, status class) -> answers, from the edge's exporter: per backend (a route) and the frontend."""
    text = requests.get(f"http://{edge.settings.metrics_bind}/metrics", timeout=5).text
    found = re.findall(
        r'^haproxy_(?:backend|frontend)_http_responses_total\{proxy="([^"]+)",code="([^"]+)"\} (\S+)$', text, re.M
    )
    return {(proxy, code): float(value) for proxy, code, value in found}


@pytest.mark.parametrize("edge", ["haproxy"], indirect=True)
def test_the_edge_exports_metrics_and_logs_json_lines_without_tokens(edge):
    token = _login(edge)
    # answers per route (be_<service>) by status class, and the edge's own refusals on its frontend: what
    # HallEdgeServerErrors and the overview dashboard read
    wait_until(
        lambda: (
            'haproxy_backend_active_servers{proxy="be_withdrawals"} 0'
            in requests.get(f"http://{edge.settings.metrics_bind}/metrics", timeout=5).text
        ),
        timeout=15,
        what="the edge marks withdrawals down (its routes then answer the edge's own 503)",
    )
    before = _responses(edge)
    for _ in range(3):
        assert edge.request("GET", ME, headers=_bearer(token)).status == 200
    assert edge.request("GET", "/api/v1/accounts/nosuch", headers=_bearer(token)).status == 404  # accounts' 404
    assert edge.request("GET", "/api/v1/loans/rates").status == 200
    assert edge.request("GET", ME).status == 401  # the edge's own: no token
    assert edge.request("GET", "/api/v1/withdrawals/reasons").status == 503  # the edge's own: no server up
    after = _responses(edge)

    def delta(proxy: str, code: str) -> float:
        return after.get((proxy, code), 0) - before.get((proxy, code), 0)

    assert delta("be_accounts", "2xx") == 3 and delta("be_accounts", "4xx") == 1
    assert delta("be_loans", "2xx") == 1
    assert delta("be_withdrawals", "5xx") == 0 and delta("be_identity", "4xx") == 0
    # the frontend counts every answer, the edge's own refusals included (they reach no backend)
    assert delta("hall", "4xx") == 2 and delta("hall", "5xx") == 1 and delta("hall", "2xx") == 4
    edge.request("GET", ME, headers={**_bearer(token), "X-Request-ID": "log-12345678"})
    metrics = requests.get(f"http://{edge.settings.metrics_bind}/metrics", timeout=5).text
    # what deploy/prometheus/edge-alerts.yml reads
    for series in (
        "haproxy_backend_active_servers",
        "haproxy_backend_http_responses_total",
        "haproxy_backend_current_queue",
    ):
        assert f'{series}{{proxy="be_accounts"' in metrics, series
    # health checks eject a server that does not answer (withdrawals is not running)
    wait_until(
        lambda: (
            'haproxy_backend_active_servers{proxy="be_withdrawals"} 0'
            in requests.get(f"http://{edge.settings.metrics_bind}/metrics", timeout=5).text
        ),
        timeout=15,
        what="the edge marks withdrawals down",
    )
    edge.stop()
    lines = [json.loads(line) for line in edge.log.read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line["request_id"] == "log-12345678"]
    assert mine and mine[0]["status"] == 200 and mine[0]["route"] == "be_accounts"
    assert token not in edge.log.read_text()
    edge.stop = lambda: None


def test_a_key_rotation_never_refuses_a_valid_token(edge, hall):
    """The procedure of docs/key-rotation.md: identity publishes the new key first, the edge is given it, and
    only then does it sign; the edge trusts the current and the previous key throughout."""
    old = _login(edge)
    old_kid = jwt.get_unverified_header(old)["kid"]
    refused: list[int] = []
    stop = threading.Event()

    def keep_calling() -> None:
        while not stop.is_set():
            try:
                status = edge.request("GET", ME, headers=_bearer(old)).status
            except requests.ConnectionError:
                continue  # a connection the old HAProxy process closed while handing over: a client reconnects
            if status != 200:
                refused.append(status)
            time.sleep(0.05)  # well under the per-user rate limit

    caller = threading.Thread(target=keep_calling, daemon=True)
    caller.start()
    activation = 12  # past JwksKeys.min_refetch_seconds (10): every verifier may ask for the new key again
    started = time.monotonic()
    new_kid = key_ring(hall.runtime("identity")).rotate(activate_after_seconds=activation)
    meanwhile = _login(edge)
    assert jwt.get_unverified_header(meanwhile)["kid"] == old_kid  # staged: the new key does not sign yet
    edge.rotate_keys()
    assert time.monotonic() - started < activation, "the edge took longer to reload than the key's activation"
    time.sleep(max(0.0, activation + 0.5 - (time.monotonic() - started)))
    fresh = _login(edge)
    assert jwt.get_unverified_header(fresh)["kid"] == new_kid
    for token in (old, meanwhile, fresh):
        assert edge.request("GET", ME, headers=_bearer(token)).status == 200
    stop.set()
    caller.join(10)
    assert refused == []


def test_a_certificate_is_checked_without_a_token_and_codes_cannot_be_tried_in_bulk(edge):
    token = _login(edge)
    issued = edge.request("POST", "/api/v1/accounts/me/certificates", headers=_bearer(token), json={"kind": "deposit"})
    assert issued.status == 201, issued.body[:300]
    code = issued.json()["verification_code"]
    assert edge.request("GET", "/api/v1/accounts/me/certificates").status == 401  # the depositor's list is not public
    seen = edge.request("GET", f"/api/v1/accounts/certificates/{code}")
    assert seen.status == 200 and seen.json()["valid"] is True
    statuses = [edge.request("GET", f"/api/v1/accounts/certificates/2345-6789-ABCD-{n:04d}").status for n in range(40)]
    assert set(statuses[:29]) == {404} and 429 in statuses, (edge.kind, statuses)  # one counter for every code
    _problem(edge.request("GET", f"/api/v1/loans/certificates/{code}"), 429, "TOO_MANY_REQUESTS")
