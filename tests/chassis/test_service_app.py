"""What every service app gets from the chassis: problem+json, request ids, health, metrics, auth, idempotency."""

import uuid

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import DeclarativeBase

from chassis.api import idempotent
from chassis.auth import current_caller, depositor_required, staff_required
from chassis.bus.tables import bus_metadata
from chassis.config import ServiceConfig
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from chassis.service import Service


class Base(DeclarativeBase):
    pass


class OrderIn(Schema):
    amount = fields.Decimal(required=True, as_string=True, validate=validate.Range(min=1))
    term_months = fields.Integer(required=True)


blp = Blueprint("demo", __name__, url_prefix="/api/v1/demo")
created: list[str] = []


@blp.route("/orders", methods=["POST"])
@depositor_required
@idempotent(lambda: current_runtime().db)
@blp.arguments(OrderIn)
def create_order(body):
    order_id = str(uuid.uuid4())
    created.append(order_id)
    return {"id": order_id, "owner": current_caller().acct, "amount": str(body["amount"])}, 201


@blp.route("/boom")
def boom():
    raise RuntimeError("secret internals 640105198506153219")


@blp.route("/refused")
def refused():
    raise ApiError("NOT_A_DEPOSITOR", "您不是本中心缴存职工", 404)


@blp.route("/staff-only")
@staff_required("loan_officer")
def staff_only():
    return {"ok": True}


@pytest.fixture
def client(tmp_path, test_tokens):
    service = Service(
        name="demo", title="demo", package_file=__file__, metadata=Base.metadata, blueprints=lambda: [blp]
    )
    runtime = service.runtime(ServiceConfig(service="demo", database_url=f"sqlite:///{tmp_path / 'demo.db'}"))
    bus_metadata.create_all(runtime.db.engine)
    test_tokens.install(runtime)
    app = service.create_app(runtime=runtime)
    yield app.test_client()
    runtime.stop()


def test_validation_errors_are_problem_json_with_chinese_field_messages(client, test_tokens):
    reply = client.post("/api/v1/demo/orders", json={"amount": "abc"}, headers=test_tokens.depositor("u1", acct="A1"))
    assert reply.status_code == 422
    assert reply.mimetype == "application/problem+json"
    body = reply.get_json()
    assert body["code"] == "VALIDATION_FAILED"
    assert body["errors"] == {"amount": ["请输入正确的数字"], "term_months": ["此项为必填项"]}


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(client):
    reply = client.get("/api/v1/demo/boom")
    assert reply.status_code == 500
    assert reply.get_json()["code"] == "INTERNAL_ERROR"
    assert "secret" not in reply.get_data(as_text=True)


def test_api_errors_keep_their_code_and_chinese_detail_and_unknown_routes_are_404(client):
    assert client.get("/api/v1/demo/refused").get_json()["code"] == "NOT_A_DEPOSITOR"
    missing = client.get("/api/v1/demo/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["detail"] == "请求的内容不存在"
    assert client.delete("/api/v1/demo/boom").get_json()["code"] == "METHOD_NOT_ALLOWED"


def test_request_id_is_echoed_or_made_up(client):
    assert client.get("/livez", headers={"X-Request-ID": "req-12345678"}).headers["X-Request-ID"] == "req-12345678"
    assert len(client.get("/livez").headers["X-Request-ID"]) == 36


def test_health_and_metrics(client):
    assert client.get("/api/v1/demo/livez").get_json()["status"] == "ok"
    assert client.get("/readyz").get_json()["checks"] == {"database": "ok", "broker": "ok"}
    client.get("/livez")
    assert b"hall_http_requests_total" in client.get("/metrics").data


def test_protected_routes_need_a_valid_token_of_the_right_kind(client, test_tokens):
    assert client.post("/api/v1/demo/orders", json={}).get_json()["code"] == "UNAUTHENTICATED"
    expired = {"Authorization": "Bearer " + test_tokens.token("u1", ttl=-10)}
    assert client.post("/api/v1/demo/orders", json={}, headers=expired).get_json()["code"] == "TOKEN_EXPIRED"
    staff = test_tokens.staff("s1", "loan_officer")
    assert client.post("/api/v1/demo/orders", json={}, headers=staff).status_code == 403
    assert client.get("/api/v1/demo/staff-only", headers=staff).get_json() == {"ok": True}
    other_role = test_tokens.staff("s2", "bank_officer")
    assert client.get("/api/v1/demo/staff-only", headers=other_role).status_code == 403
    depositor = test_tokens.depositor("u1")
    assert client.get("/api/v1/demo/staff-only", headers=depositor).status_code == 403


def test_tampered_tokens_are_refused(client, test_tokens):
    import jwt

    good = test_tokens.token("u1")
    header, payload, _signature = good.split(".")
    unsigned = jwt.encode({"sub": "u1"}, key=None, algorithm="none")
    hs256 = _hs256_signed_with_public_key(test_tokens, payload)
    wrong_audience = test_tokens.token("u1", aud="another-app")
    for token in (unsigned, hs256, wrong_audience, header + "." + payload + ".AAAA"):
        reply = client.post("/api/v1/demo/orders", json={}, headers={"Authorization": "Bearer " + token})
        assert reply.status_code == 401, token


def _hs256_signed_with_public_key(test_tokens, payload: str) -> str:
    """The classic key-confusion attack: HMAC over the token with the public key's PEM as the secret."""
    import base64
    import hashlib
    import hmac
    import json

    from cryptography.hazmat.primitives import serialization

    pem = test_tokens.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": test_tokens.kid}).encode()).rstrip(b"=")
    signing_input = header + b"." + payload.encode()
    signature = base64.urlsafe_b64encode(hmac.new(pem, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


def test_the_same_idempotency_key_replays_the_first_answer_and_creates_once(client, test_tokens):
    headers = {**test_tokens.depositor("u7", acct="A7"), "Idempotency-Key": "k-1"}
    first = client.post("/api/v1/demo/orders", json={"amount": "10.00", "term_months": 12}, headers=headers)
    again = client.post("/api/v1/demo/orders", json={"amount": "10.00", "term_months": 12}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert created.count(first.get_json()["id"]) == 1
    # another person's identical key is their own
    other = {**test_tokens.depositor("u8", acct="A8"), "Idempotency-Key": "k-1"}
    third = client.post("/api/v1/demo/orders", json={"amount": "10.00", "term_months": 12}, headers=other)
    assert third.get_json()["id"] != first.get_json()["id"]
