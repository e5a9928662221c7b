"""A fake HTTP SMS gateway on a free local port (a Flask app in a thread) and helpers to feed events."""

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from datetime import date
from decimal import Decimal

import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from chassis.bus import publish
from services.accounts.events import DEPOSITOR_REGISTERED

GATEWAY_ACCOUNT = "nx-hall-test"
GATEWAY_SECRET = "s3cret-for-tests"


class FakeSmsGateway:
    """Checks each request's HMAC signature, answers what the test scripted (then "OK"), records the texts."""

    def __init__(self):
        self.script: deque = deque()
        self.received: list[dict] = []
        self.bad_signatures = 0
        app = Flask("fake-sms-gateway")

        @app.post("/sms/send")
        def send():
            raw = request.get_data(as_text=True)
            headers = request.headers
            expected = hmac.new(
                GATEWAY_SECRET.encode(),
                f"{headers['X-Sms-Account']}\n{headers['X-Sms-Timestamp']}\n{headers['X-Sms-Nonce']}\n{raw}".encode(),
                hashlib.sha256,
            ).hexdigest()
            if not hmac.compare_digest(expected, headers.get("X-Sms-Signature", "")):
                self.bad_signatures += 1
                return jsonify(code="SIGNATURE_INVALID", message="bad signature"), 401
            answer = self.script.popleft() if self.script else ("ok",)
            if answer[0] == "sleep":
                time.sleep(answer[1])
                return jsonify(code="OK", message_id="late")
            if answer[0] == "error":
                return jsonify(code=answer[2], message="scripted"), answer[1]
            self.received.append(json.loads(raw))
            return jsonify(code="OK", message_id=f"gw-{uuid.uuid4().hex[:12]}")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def config(self, **overrides) -> dict:
        """start_hall overrides that point the notifications service at this gateway."""
        return {
            "sms_provider": "http",
            "sms_http_url": self.url,
            "sms_http_account": GATEWAY_ACCOUNT,
            "sms_http_secret": GATEWAY_SECRET,
            **overrides,
        }

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture
def fake_gateway():
    gateway = FakeSmsGateway()
    yield gateway
    gateway.stop()


class Feed:
    """Feeds other services' events to a hall through notifications' own outbox (the relay routes by type)."""

    def __init__(self, hall):
        self.hall = hall

    def emit(self, contract, data):
        with self.hall.runtime("notifications").db.transaction() as session:
            return publish(session, contract, data)

    def depositor(self, account_no="640100000001", mobile="13895000001", name="张伟", **extra):
        data = {
            "depositor_id": f"d-{account_no}",
            "center": "yinchuan",
            "id_number": "640105198506153219",
            "name": name,
            "mobile": mobile,
            "account_no": account_no,
            "employer_name": "宁夏某科技有限公司",
            "status": "normal",
            "deposit_base": Decimal("6000.00"),
            "monthly_amount": Decimal("1440.00"),
            "balance": Decimal("56789.12"),
            "opened_on": date(2015, 7, 1),
            **extra,
        }
        return self.emit(DEPOSITOR_REGISTERED, data)


@pytest.fixture
def feed():
    return Feed


@pytest.fixture(autouse=True)
def daytime_by_default(monkeypatch):
    """These tests must not depend on the hour CI runs at: no quiet hours unless a test sets its own window."""
    monkeypatch.setenv("NOTIFICATIONS_QUIET_HOURS_START", "00:00")
    monkeypatch.setenv("NOTIFICATIONS_QUIET_HOURS_END", "00:00")
