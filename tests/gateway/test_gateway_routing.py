"""The gateway: one port in front of the services, checking tokens, limiting rates, adding security headers."""

import socket
import threading
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from chassis.http import local_app
from gateway.app import create_gateway
from gateway.config import GatewayConfig
from gateway.upstreams import Upstreams


@pytest.fixture
def hall(start_hall):
    hall = start_hall(["identity"], mode="embedded")
    hall.seed()
    return hall


@pytest.fixture
def gateway(hall):
    app = create_gateway(GatewayConfig(service="gateway", database_url="sqlite://", service_urls=()))
    return app.test_client()


def _login(gateway) -> str:
    reply = gateway.post(
        "/api/v1/identity/sessions", json={"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
    )
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["access_token"]


def test_a_protected_route_without_a_token_is_refused_at_the_gateway(gateway):
    reply = gateway.get("/api/v1/identity/me")
    assert reply.status_code == 401
    assert reply.mimetype == "application/problem+json"
    assert reply.get_json()["detail"] == "请先登录"


def test_a_valid_token_is_forwarded_and_the_service_answers(gateway):
    token = _login(gateway)
    reply = gateway.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200
    assert "*" in reply.get_json()["id_number"]  # masked by the service


def test_a_forged_token_is_refused_before_any_service_sees_it(gateway):
    token = _login(gateway)
    forged = token[:-6] + ("AAAAAA" if not token.endswith("AAAAAA") else "BBBBBB")
    reply = gateway.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {forged}"})
    assert reply.status_code == 401


def test_public_routes_need_no_token(gateway):
    assert gateway.post("/api/v1/identity/captchas").status_code == 201


def test_security_headers_and_request_id(gateway):
    reply = gateway.get("/api/v1/identity/me", headers={"X-Request-ID": "abc-12345678"})
    assert "frame-ancestors 'none'" in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "no-store"
    assert reply.headers["X-Request-ID"] == "abc-12345678"


def test_sms_codes_are_rate_limited_per_ip_with_a_chinese_429(gateway):
    body = {"purpose": "register", "center": "yinchuan", "id_number": "11010519491231002X", "phone": "13800000000"}
    statuses = [gateway.post("/api/v1/identity/sms-codes", json=body).status_code for _ in range(6)]
    assert 429 not in statuses[:5]
    assert statuses[5] == 429
    limited = gateway.post("/api/v1/identity/sms-codes", json=body)
    assert limited.get_json()["code"] == "TOO_MANY_REQUESTS"
    assert int(limited.headers["Retry-After"]) >= 1


def test_the_web_hall_and_the_api_docs_are_served(gateway):
    index = gateway.get("/")
    assert index.status_code == 200 and "宁夏住房公积金网上业务大厅" in index.get_data(as_text=True)
    docs = gateway.get("/api/docs").get_data(as_text=True)
    assert "/api/v1/identity/sessions" in docs


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_service_that_is_down_gives_a_chinese_503_and_opens_the_circuit(hall):
    port = _closed_port()
    upstreams = Upstreams({"loans": f"http://127.0.0.1:{port}"}, timeout=1)
    app = create_gateway(GatewayConfig(service="gateway", database_url="sqlite://"), upstreams=upstreams)
    client = app.test_client()
    for _ in range(5):
        reply = client.post("/api/v1/loans/calculator", json={})
        assert reply.status_code == 503
        assert reply.get_json()["detail"] == "贷款服务暂不可用，请稍后再试"
    assert upstreams.breakers["loans"].state == "open"
    assert client.post("/api/v1/loans/calculator", json={}).status_code == 503


def test_console_paths_reach_their_service_with_or_without_the_trailing_slash(start_hall):
    start_hall(["identity", "loans"], mode="embedded")
    client = create_gateway(GatewayConfig(service="gateway", database_url="sqlite://")).test_client()
    for path in ("/console/loans", "/console/loans/"):
        reply = client.get(path)
        assert reply.status_code in (200, 302), (path, reply.status_code)


@pytest.fixture
def identity_over_http(hall):
    """identity's app behind a real HTTP/1.1 server with keep-alive, as gunicorn serves it in make up."""
    server = make_server("127.0.0.1", 0, local_app("identity"), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_over_http_the_gateway_forwards_method_path_query_body_and_headers(identity_over_http):
    upstreams = Upstreams({"identity": identity_over_http}, timeout=5)
    config = GatewayConfig(service="gateway", database_url="sqlite://", service_urls=())
    client = create_gateway(config, upstreams=upstreams).test_client()
    token = _login(client)
    me = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-12345678"})
    assert me.status_code == 200 and "*" in me.get_json()["id_number"]
    assert me.headers["X-Request-ID"] == "req-12345678"
    assert me.headers["Cache-Control"] == "no-store"
    wrong = client.post(
        "/api/v1/identity/sessions", json={"center": "yinchuan", "username": "zhangwei01", "password": "错误的密码1"}
    )
    assert wrong.status_code == 401 and wrong.get_json()["code"] == "BAD_CREDENTIALS"
    # a large reply, and a path that is not there: the service's own 404, not the gateway's
    assert "paths" in client.get("/api/v1/identity/openapi.json?x=%E4%B8%AD").get_json()
    assert (
        client.get(f"/api/v1/identity/{quote('不存在')}", headers={"Authorization": f"Bearer {token}"}).status_code
        == 404
    )
    assert upstreams.breakers["identity"].state == "closed"
