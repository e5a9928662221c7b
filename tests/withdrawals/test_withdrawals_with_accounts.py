"""The whole withdrawal saga with the real accounts service: reserve, pay, debit; or reserve, fail, release."""

from decimal import Decimal

import pytest

from chassis.testing import wait_until
from services.withdrawals.models import Applicant
from tests.withdrawals.conftest import FAILING_CARD, ZHANG_CARD, WithdrawalsDesk

pytestmark = pytest.mark.slow(seconds=50)

ACCOUNT = "640100000001"


def _hall(start_hall, test_tokens, mode: str) -> WithdrawalsDesk:
    hall = start_hall(["accounts", "withdrawals"], mode=mode)
    test_tokens.install(hall.runtime("accounts"))
    accounts = hall.runtime("accounts")
    accounts.service.seed(accounts)  # only accounts' demo depositors: withdrawals starts without cases
    desk = WithdrawalsDesk(hall, test_tokens)
    wait_until(lambda: _in_step(desk), timeout=30, what="张伟's balance known to withdrawals")
    return desk


def _in_step(desk) -> bool:
    """Withdrawals' read model has caught up with accounts' postings for 张伟."""
    with desk.runtime.db.transaction() as session:
        applicant = session.get(Applicant, ACCOUNT)
    return applicant is not None and applicant.balance == Decimal(_account(desk)["balance"])


def _account(desk) -> dict:
    client = desk.hall.client("accounts")
    response = client.get("/api/v1/accounts/me/account", headers=desk.depositor(ACCOUNT))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _approved(desk, card: str) -> str:
    body = {"reason": "99", "amount": "1000.00", "bank_card": card, "description": "失业一年以上"}
    response = desk.submit(ACCOUNT, body)
    assert response.status_code == 201, response.get_json().get("errors")
    case_id = response.get_json()["id"]
    desk.approve(case_id)
    return case_id


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_paid_withdrawal_is_debited_from_the_account(start_hall, test_tokens, mode):
    desk = _hall(start_hall, test_tokens, mode)
    before = Decimal(_account(desk)["balance"])
    case_id = _approved(desk, ZHANG_CARD)
    wait_until(lambda: desk.case(ACCOUNT, case_id)["status"] == "paid", timeout=20, what="paid")
    wait_until(lambda: Decimal(_account(desk)["balance"]) == before - Decimal("1000.00"), timeout=20, what="debit")
    statement = desk.hall.client("accounts").get("/api/v1/accounts/me/statement", headers=desk.depositor(ACCOUNT))
    assert any(Decimal(row["amount"]).copy_abs() == Decimal("1000.00") for row in statement.get_json()["items"])
    wait_until(
        lambda: "debited" in [step["step"] for step in desk.case(ACCOUNT, case_id)["timeline"]],
        timeout=20,
        what="the debit in the timeline",
    )
    steps = [step["step"] for step in desk.case(ACCOUNT, case_id)["timeline"]]
    assert steps[3:] == ["approved", "funds_reserved", "paid", "debited"]


def test_failed_payment_releases_the_reservation(start_hall, test_tokens):
    desk = _hall(start_hall, test_tokens, "embedded")
    before = _account(desk)
    case_id = _approved(desk, FAILING_CARD)
    wait_until(
        lambda: "funds_released" in [step["step"] for step in desk.case(ACCOUNT, case_id)["timeline"]],
        timeout=20,
        what="the reservation released",
    )
    assert desk.case(ACCOUNT, case_id)["status"] == "rejected"
    after = _account(desk)
    assert after["balance"] == before["balance"] and after["available"] == before["available"]
