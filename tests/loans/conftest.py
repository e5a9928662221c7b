"""Fixtures of the loans service tests: a running loans service with test tokens, depositors fed in through
accounts' own event contracts (published from the loans outbox, as the ground rules suggest), and helpers."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from chassis import clock
from chassis.bus import publish
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from services.accounts.events import ACCOUNT_CREDITED, DEPOSITOR_REGISTERED
from services.loans.models import DepositMonth, Depositor

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
LI_NA = {"account_no": "640300000002", "id_number": "64030219920720051X", "name": "李娜", "center": "wuzhong"}
OFFICERS = {
    "officer1": ("loan_officer",),
    "officer2": ("loan_officer",),
    "approver1": ("loan_approver",),
    "approver2": ("loan_approver",),
    "bank1": ("bank_officer",),
}


class LoansWorld:
    def __init__(self, hall, tokens):
        self.hall = hall
        self.tokens = tokens
        self.runtime = hall.runtime("loans")
        self.client = hall.client("loans")
        tokens.install(self.runtime)

    def depositor_headers(self, person: dict) -> dict:
        return self.tokens.depositor(
            f"user-{person['account_no']}", center=person["center"], acct=person["account_no"], name=person["name"]
        )

    def staff_headers(self, username: str) -> dict:
        return self.tokens.staff(f"staff:{username}", *OFFICERS[username])

    def staff_token(self, username: str) -> str:
        return self.staff_headers(username)["Authorization"].removeprefix("Bearer ")

    def feed_depositor(self, person: dict, balance="80000.00", base="8000.00", months=24, status="normal") -> None:
        """accounts.depositor.registered plus `months` regular deposits up to last month, then wait for them."""
        today = clock.today()
        with self.runtime.db.transaction() as session:
            publish(
                session,
                DEPOSITOR_REGISTERED,
                {
                    "depositor_id": f"d-{person['account_no']}",
                    "center": person["center"],
                    "id_number": person["id_number"],
                    "name": person["name"],
                    "mobile": "13895000001",
                    "account_no": person["account_no"],
                    "employer_name": "宁夏示范有限公司",
                    "status": status,
                    "deposit_base": Decimal(base),
                    "monthly_amount": Decimal(base) * Decimal("0.24"),
                    "balance": Decimal(balance),
                    "opened_on": date(2015, 1, 1),
                },
            )
        for back in range(1, months + 1):
            index = today.year * 12 + today.month - 1 - back
            month = f"{index // 12:04d}-{index % 12 + 1:02d}"
            with self.runtime.db.transaction() as session:
                publish(
                    session,
                    ACCOUNT_CREDITED,
                    {
                        "entry_id": f"e-{person['account_no']}-{month}",
                        "account_no": person["account_no"],
                        "id_number": person["id_number"],
                        "center": person["center"],
                        "kind": "regular_deposit",
                        "amount": Decimal(base) * Decimal("0.24"),
                        "balance": Decimal(balance),
                        "posted_on": today,
                        "month": month,
                    },
                )

        def arrived() -> bool:
            with self.runtime.db.transaction() as session:
                known = session.get(Depositor, person["account_no"]) is not None
                count = len(
                    session.scalars(select(DepositMonth).where(DepositMonth.account_no == person["account_no"])).all()
                )
            return known and count >= months

        wait_until(arrived, timeout=20, what=f"the read model of {person['name']}")

    def events(self, event_type: str | None = None) -> list[str]:
        with self.runtime.db.transaction() as session:
            statement = select(outbox.c.type).order_by(outbox.c.id)
            if event_type:
                statement = statement.where(outbox.c.type == event_type)
            return list(session.scalars(statement))


@pytest.fixture
def loans_world(start_hall, test_tokens):
    def make(mode: str = "embedded", **overrides) -> LoansWorld:
        return LoansWorld(start_hall(["loans"], mode=mode, **overrides), test_tokens)

    return make


@pytest.fixture
def application_body():
    return make_application_body


def make_application_body(**changes) -> dict:
    body = {
        "amount": "300000.00",
        "term_months": 240,
        "method": "equal_installment",
        "monthly_income": "9000.00",
        "repayment_card": "6222021234567890128",
        "entrusted_bank": "icbc",
        "house": {
            "address": "银川市金凤区示范路1号",
            "area": "98.50",
            "price": "600000.00",
            "first_home": True,
            "new_house": True,
        },
    }
    body.update(changes)
    return body
