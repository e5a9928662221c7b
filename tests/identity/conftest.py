"""Helpers for identity's service tests: a running identity, depositors fed through its own outbox, and
the SMS codes read back from the `identity.sms.requested` rows it wrote (notifications is not running here)."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from chassis import clock
from chassis.bus import publish
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from services.accounts.events import DEPOSITOR_REGISTERED
from services.identity.cases.users import create_user
from services.identity.domain.credentials import RegistrationForm
from services.identity.models import Depositor

ZHANG = {"center": "yinchuan", "id_number": "640105198506153219", "mobile": "13895000001", "name": "张伟"}
ZHANG_ACCOUNT = "640100000001"
LI = {"center": "wuzhong", "id_number": "64030219920720051X", "mobile": "13995000002", "name": "李娜"}
LI_ACCOUNT = "640300000002"
API = "/api/v1/identity"
# argon2id at a test-sized cost: the same code path, a fraction of the time on a shared machine
CHEAP_HASHING = {"password_time_cost": 1, "password_memory_kib": 8 * 1024, "password_parallelism": 1}


@dataclass
class IdentityHall:
    hall: object
    # the shared demo people (tests cannot import this conftest under --import-mode=importlib)
    ZHANG = ZHANG
    ZHANG_ACCOUNT = ZHANG_ACCOUNT
    LI = LI
    LI_ACCOUNT = LI_ACCOUNT
    API = API

    @property
    def runtime(self):
        return self.hall.runtime("identity")

    @property
    def client(self):
        return self.hall.client("identity")

    def feed_depositor(self, person: dict, account_no: str, wait: bool = True) -> None:
        """accounts.depositor.registered, published through identity's own outbox (accounts is not running)."""
        data = {
            "depositor_id": account_no,
            "center": person["center"],
            "id_number": person["id_number"],
            "name": person["name"],
            "mobile": person["mobile"],
            "account_no": account_no,
            "employer_name": "宁夏测试单位",
            "status": "normal",
            "deposit_base": Decimal("8000.00"),
            "monthly_amount": Decimal("1920.00"),
            "balance": Decimal("50000.00"),
            "opened_on": date(2015, 7, 1),
        }
        with self.runtime.db.transaction() as session:
            publish(session, DEPOSITOR_REGISTERED, data)
        if wait:
            wait_until(lambda: self.replica(person) is not None, what="the depositor replica")

    def replica(self, person: dict) -> Depositor | None:
        with self.runtime.db.transaction() as session:
            return session.scalar(
                select(Depositor).where(
                    Depositor.center == person["center"], Depositor.id_number == person["id_number"]
                )
            )

    def events(self, event_type: str) -> list[dict]:
        with self.runtime.db.transaction() as session:
            rows = session.execute(select(outbox.c.envelope).where(outbox.c.type == event_type).order_by(outbox.c.id))
            return [json.loads(envelope)["data"] for (envelope,) in rows]

    def last_code(self, mobile: str, purpose: str = "register") -> str:
        sent = [e for e in self.events("identity.sms.requested") if e["mobile"] == mobile and e["purpose"] == purpose]
        assert sent, f"no SMS requested for {purpose}"
        return sent[-1]["params"]["code"]

    def captcha(self) -> dict:
        reply = self.client.post(f"{API}/captchas").get_json()
        return {"captcha_id": reply["captcha_id"], "captcha_answer": reply["dev_answer"]}

    def make_user(self, person: dict, account_no: str, username: str, password: str = "Secret123") -> str:
        with self.runtime.db.transaction() as session:
            user = create_user(
                session,
                self.runtime.config,
                center=person["center"],
                id_number=person["id_number"],
                account_no=account_no,
                form=RegistrationForm(username, password, None),
                now=clock.now(),
            )
            return user.id

    def log_in(self, username: str, password: str = "Secret123", center: str = "yinchuan", **extra):
        body = {"center": center, "username": username, "password": password, **extra}
        return self.client.post(f"{API}/sessions", json=body)

    def step1(self, person: dict, purpose: str = "register", **changes) -> dict:
        return {"center": person["center"], "id_number": person["id_number"], "phone": person["mobile"], **changes}


@pytest.fixture
def identity_hall(start_hall):
    """`identity_hall(mode)` → an IdentityHall running identity alone."""

    def start(mode: str = "embedded", **overrides) -> IdentityHall:
        return IdentityHall(start_hall(["identity"], mode=mode, **{**CHEAP_HASHING, **overrides}))

    return start
