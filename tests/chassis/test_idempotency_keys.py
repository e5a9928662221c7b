"""Idempotency-Key under concurrency, on SQLite and on PostgreSQL: thirty copies of one request at once create one
record, and every copy gets either the first answer or 409 IDEMPOTENCY_IN_PROGRESS with Retry-After, never another
error; the same key with another body is a 422 IDEMPOTENCY_KEY_REUSED; a request that failed frees its key."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase

from chassis.api import idempotent
from chassis.auth import depositor_required
from chassis.bus.tables import bus_metadata
from chassis.config import ServiceConfig
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from chassis.service import Service


class Base(DeclarativeBase):
    pass


class TransferIn(Schema):
    amount = fields.String(required=True)
    fail = fields.Boolean(load_default=False)


blp = Blueprint("idem", __name__, url_prefix="/api/v1/idem")
made: list[str] = []
made_lock = threading.Lock()


@blp.route("/transfers", methods=["POST"])
@depositor_required
@idempotent(lambda: current_runtime().db)
@blp.arguments(TransferIn)
def make_transfer(body):
    time.sleep(0.05)  # long enough for the copies to overlap
    if body["fail"]:
        raise ApiError("BANK_AWAY", "银行暂时无法处理", 503)
    transfer_id = str(uuid.uuid4())
    with made_lock:
        made.append(transfer_id)
    return {"id": transfer_id, "amount": body["amount"]}, 201


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path, test_tokens):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'idem.db'}"
    else:
        url = request.getfixturevalue("postgres_databases").create("idem")
    service = Service(
        name="idem", title="idem", package_file=__file__, metadata=Base.metadata, blueprints=lambda: [blp]
    )
    runtime = service.runtime(ServiceConfig(service="idem", database_url=url))
    bus_metadata.create_all(runtime.db.engine)
    test_tokens.install(runtime)
    app = service.create_app(runtime=runtime)
    yield app
    runtime.stop()


def _post(app, headers, body):
    reply = app.test_client().post("/api/v1/idem/transfers", json=body, headers=headers)
    return reply.status_code, reply.get_json(), dict(reply.headers)


def test_thirty_copies_at_once_make_one_transfer_and_all_answer_alike(app, test_tokens):
    headers = {**test_tokens.depositor("u-idem", acct="A1"), "Idempotency-Key": "pay-once"}
    before = len(made)
    with ThreadPoolExecutor(max_workers=30) as pool:
        replies = list(pool.map(lambda _: _post(app, headers, {"amount": "100.00"}), range(30)))
    statuses = [status for status, _, _ in replies]
    assert set(statuses) <= {201, 409}, statuses
    created = {body["id"] for status, body, _ in replies if status == 201}
    assert len(created) == 1
    assert len(made) - before == 1
    for status, body, reply_headers in replies:
        if status == 409:
            assert body["code"] == "IDEMPOTENCY_IN_PROGRESS"
            assert reply_headers["Retry-After"] == "1"
    # once the first has finished, every copy gets its answer
    status, body, reply_headers = _post(app, headers, {"amount": "100.00"})
    assert (status, body["id"]) == (201, created.pop())
    assert reply_headers["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused(app, test_tokens):
    headers = {**test_tokens.depositor("u-idem2", acct="A2"), "Idempotency-Key": "k-2"}
    assert _post(app, headers, {"amount": "1.00"})[0] == 201
    status, body, _ = _post(app, headers, {"amount": "2.00"})
    assert (status, body["code"]) == (422, "IDEMPOTENCY_KEY_REUSED")


def test_a_request_that_failed_frees_its_key_for_the_retry(app, test_tokens):
    headers = {**test_tokens.depositor("u-idem3", acct="A3"), "Idempotency-Key": "k-3"}
    status, body, _ = _post(app, headers, {"amount": "1.00", "fail": True})
    assert (status, body["code"]) == (503, "BANK_AWAY")
    status, body, _ = _post(app, headers, {"amount": "1.00", "fail": True})
    assert (status, body["code"]) == (503, "BANK_AWAY")  # run again, not replayed and not "in progress"
