"""Signing up a fund loan for the monthly entrusted withdrawal: the borrower's own repaying loan, once, with the
co-borrowing spouse's account when the spouse deposits; cancelling; the end at pay-off; each change an event."""

import json
from datetime import timedelta

import pytest

from chassis import clock
from chassis.testing import wait_until
from services.loans.events import LOAN_DISBURSED, LOAN_PAID_OFF
from services.withdrawals.models import FundLoan

ZHANG, ZHANG_ID = "640100000001", "640105198506153219"
WANG, WANG_ID = "640100000002", "640105198807081226"  # 张伟's wife, a depositor
LI = "640100000003"
PATH = "/api/v1/withdrawals/entrusted-repayments"


def _loan(desk, loan_id: str, account_no: str = ZHANG, co_borrower: str | None = None) -> None:
    today = clock.today()
    desk.feed(
        LOAN_DISBURSED,
        {
            "loan_id": loan_id,
            "contract_no": f"HT-{loan_id}",
            "application_id": f"app-{loan_id}",
            "account_no": account_no,
            "id_number": ZHANG_ID,
            "center": "yinchuan",
            "amount": "300000.00",
            "term_months": 240,
            "disbursed_on": today - timedelta(days=30),
            "first_due_date": today,
            "monthly_payment": "1963.33",
            "co_borrower_id_number": co_borrower,
        },
    )
    wait_until(lambda: _known(desk, loan_id), timeout=15, what=f"loan {loan_id} known")


def _known(desk, loan_id: str) -> bool:
    with desk.runtime.db.transaction() as session:
        return session.get(FundLoan, loan_id) is not None


@pytest.fixture
def signed(desk):
    hall = desk()
    hall.register(ZHANG, months=2)
    hall.register(WANG, name="王芳", id_number=WANG_ID, months=2)
    hall.register(LI, name="李强", id_number="640105199001011234", months=2, status="sealed")
    return hall


def _sign(desk, account_no: str, body: dict):
    return desk.client.post(PATH, json=body, headers=desk.depositor(account_no))


def test_borrower_signs_up_with_the_spouse_and_loans_is_told(signed):
    _loan(signed, "L1", co_borrower=WANG_ID)
    response = _sign(signed, ZHANG, {"loan_id": "L1", "include_spouse": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "active" and body["include_spouse"] is True
    assert body["spouse_name"] == "王*" and body["spouse_account_no"].endswith(WANG[-4:])
    assert WANG not in json.dumps(body)  # the spouse's account is masked
    sent = [json.loads(envelope)["data"] for envelope in signed.sent("withdrawals.entrusted_repayment.signed_up")]
    assert sent == [
        {
            "entrusted_id": body["id"],
            "loan_id": "L1",
            "contract_no": "HT-L1",
            "account_no": ZHANG,
            "id_number": ZHANG_ID,
            "spouse_account_no": WANG,
            "state": "active",
            "at": sent[0]["at"],
        }
    ]
    listed = signed.client.get(PATH, headers=signed.depositor(ZHANG)).get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert signed.client.get(PATH, headers=signed.depositor(WANG)).get_json()["total"] == 0  # own only


@pytest.mark.parametrize(
    ("who", "body", "code"),
    [
        (ZHANG, {"loan_id": "nope"}, "LOAN_NOT_FOUND"),
        (WANG, {"loan_id": "L2"}, "NOT_YOUR_LOAN"),
        (ZHANG, {"loan_id": "L3"}, "LOAN_NOT_REPAYING"),
        (ZHANG, {"loan_id": "L2", "include_spouse": True}, "NO_SPOUSE_ON_LOAN"),
        (ZHANG, {"loan_id": "L4", "include_spouse": True}, "SPOUSE_NOT_A_DEPOSITOR"),
        (LI, {"loan_id": "L5"}, "ACCOUNT_NOT_USABLE"),
    ],
)
def test_a_sign_up_breaking_a_rule_is_a_422_naming_it_in_chinese(signed, who, body, code):
    _loan(signed, "L2")
    _loan(signed, "L3")
    signed.feed(
        LOAN_PAID_OFF,
        {
            "loan_id": "L3",
            "contract_no": "HT-L3",
            "account_no": ZHANG,
            "id_number": ZHANG_ID,
            "paid_off_on": clock.today(),
        },
    )
    wait_until(lambda: _state(signed, "L3") == "paid_off", timeout=15, what="L3 paid off")
    _loan(signed, "L4", co_borrower="640105199912120000")  # the co-borrower holds no account here
    _loan(signed, "L5", account_no=LI)
    response = _sign(signed, who, body)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["code"] == code
    assert any("\u4e00" <= char <= "\u9fff" for char in problem["detail"])


def _state(desk, loan_id: str) -> str | None:
    with desk.runtime.db.transaction() as session:
        loan = session.get(FundLoan, loan_id)
        return loan.state if loan else None


def test_a_second_sign_up_is_refused_and_a_cancelled_one_can_sign_again(signed):
    _loan(signed, "L1")
    first = _sign(signed, ZHANG, {"loan_id": "L1"}).get_json()
    again = _sign(signed, ZHANG, {"loan_id": "L1"})
    assert again.status_code == 422 and again.get_json()["code"] == "ALREADY_SIGNED_UP"
    assert signed.client.delete(f"{PATH}/{first['id']}", headers=signed.depositor(WANG)).status_code == 404
    cancelled = signed.client.delete(f"{PATH}/{first['id']}", headers=signed.depositor(ZHANG))
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    twice = signed.client.delete(f"{PATH}/{first['id']}", headers=signed.depositor(ZHANG))
    assert twice.status_code == 409 and twice.get_json()["code"] == "NOT_ACTIVE"
    assert len(signed.sent("withdrawals.entrusted_repayment.cancelled")) == 1
    assert _sign(signed, ZHANG, {"loan_id": "L1"}).status_code == 201


def test_the_sign_up_ends_when_the_loan_is_paid_off(signed):
    _loan(signed, "L1")
    signup = _sign(signed, ZHANG, {"loan_id": "L1"}).get_json()
    paid_off = {"loan_id": "L1", "contract_no": "HT-L1", "account_no": ZHANG, "id_number": ZHANG_ID}
    for _ in range(2):  # a redelivered pay-off ends nothing twice
        signed.feed(LOAN_PAID_OFF, {**paid_off, "paid_off_on": clock.today()})
    wait_until(
        lambda: signed.client.get(PATH, headers=signed.depositor(ZHANG)).get_json()["items"][0]["status"] == "ended",
        timeout=15,
        what="the sign-up ended",
    )
    assert len(signed.sent("withdrawals.entrusted_repayment.ended")) == 1
    assert signed.client.delete(f"{PATH}/{signup['id']}", headers=signed.depositor(ZHANG)).status_code == 409
