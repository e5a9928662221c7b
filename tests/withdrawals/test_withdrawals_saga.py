"""The withdrawal saga from withdrawals' side: accounts' funds events fed through this service's outbox."""

import json
from decimal import Decimal

import pytest

from chassis.testing import wait_until
from services.accounts.events import FUNDS_RESERVED, RESERVATION_FAILED
from tests.withdrawals.conftest import FAILING_CARD, rent_body

ACCOUNT = "640100000001"


def _approved_case(desk, card: str) -> dict:
    desk.register(ACCOUNT)
    response = desk.submit(ACCOUNT, rent_body(card=card))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    desk.approve(case["id"])
    return case


def _reserved(case: dict) -> dict:
    return {
        "application_id": case["id"],
        "account_no": ACCOUNT,
        "amount": Decimal(case["amount"]),
        "available": Decimal("44600.00"),
    }


def _failed(case: dict) -> dict:
    return {
        "application_id": case["id"],
        "account_no": ACCOUNT,
        "amount": Decimal(case["amount"]),
        "reason_code": "INSUFFICIENT_AVAILABLE",
        "reason": "可用余额不足",
    }


def _status_is(desk, case_id: str, status: str):
    return lambda: desk.case(ACCOUNT, case_id)["status"] == status


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_reserved_funds_are_paid_to_the_card_and_the_case_is_paid(desk, mode):
    desk = desk(mode)
    case = _approved_case(desk, card="6222020200000000014")
    approved = [json.loads(body)["data"] for body in desk.sent("withdrawals.application.approved")]
    assert approved[0]["amount"] == "5400.00" and approved[0]["bank_card_last4"] == "0014"

    desk.feed(FUNDS_RESERVED, _reserved(case))
    wait_until(_status_is(desk, case["id"], "paid"), what="the case paid")

    detail = desk.case(ACCOUNT, case["id"])
    steps = [step["step"] for step in detail["timeline"]]
    assert steps == ["submitted", "prereviewed", "accepted", "approved", "funds_reserved", "paid"]
    assert detail["bank_card"] == "***************0014"
    assert len(desk.sent("withdrawals.application.paid")) == 1


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_failed_reservation_rejects_the_case_with_the_reason(desk, mode):
    desk = desk(mode)
    case = _approved_case(desk, card="6222020200000000014")
    desk.feed(RESERVATION_FAILED, _failed(case))
    wait_until(_status_is(desk, case["id"], "rejected"), what="the case rejected")
    detail = desk.case(ACCOUNT, case["id"])
    assert "可用余额不足" in detail["opinion"]
    assert desk.sent("withdrawals.payment.failed") == []


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_failed_payment_rejects_the_case_and_asks_accounts_to_release(desk, mode):
    desk = desk(mode)
    case = _approved_case(desk, card=FAILING_CARD)
    desk.feed(FUNDS_RESERVED, _reserved(case))
    wait_until(_status_is(desk, case["id"], "rejected"), what="the case rejected")
    detail = desk.case(ACCOUNT, case["id"])
    assert [step["step"] for step in detail["timeline"]][-2:] == ["funds_reserved", "rejected"]
    assert "银行付款失败" in detail["opinion"]
    released = [json.loads(body)["data"] for body in desk.sent("withdrawals.payment.failed")]
    assert released == [
        {
            "application_id": case["id"],
            "account_no": ACCOUNT,
            "id_number": "640105198506153219",
            "amount": "5400.00",
            "reason": "收款银行卡状态异常，银行退回转账",
        }
    ]


def test_duplicated_and_late_events_change_nothing(desk):
    desk = desk("embedded")
    case = _approved_case(desk, card="6222020200000000014")
    desk.feed(FUNDS_RESERVED, _reserved(case))
    wait_until(_status_is(desk, case["id"], "paid"), what="the case paid")
    desk.feed(FUNDS_RESERVED, _reserved(case))  # redelivered under a new id
    desk.feed(RESERVATION_FAILED, _failed(case))  # late and contradictory
    desk.feed(FUNDS_RESERVED, _reserved(case))
    wait_until(lambda: _handled(desk) >= 13 + 4, what="the late events handled")
    detail = desk.case(ACCOUNT, case["id"])
    assert detail["status"] == "paid"
    assert [step["step"] for step in detail["timeline"]].count("funds_reserved") == 1
    assert len(desk.sent("withdrawals.application.paid")) == 1
    assert desk.sent("withdrawals.payment.failed") == []


def test_reservation_after_a_failed_reservation_is_released_once(desk):
    desk = desk("embedded")
    case = _approved_case(desk, card="6222020200000000014")
    desk.feed(RESERVATION_FAILED, _failed(case))
    wait_until(_status_is(desk, case["id"], "rejected"), what="the case rejected")
    desk.feed(FUNDS_RESERVED, _reserved(case))
    desk.feed(FUNDS_RESERVED, _reserved(case))
    wait_until(lambda: len(desk.sent("withdrawals.payment.failed")) == 1, what="one release asked for")
    wait_until(lambda: _handled(desk) >= 3 + 13, what="both reservations handled")
    assert len(desk.sent("withdrawals.payment.failed")) == 1
    assert desk.case(ACCOUNT, case["id"])["status"] == "rejected"


def _handled(desk) -> int:
    from sqlalchemy import func, select

    from chassis.bus.tables import inbox

    with desk.runtime.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(inbox))
