"""Accounts' side of the withdrawal saga, fed withdrawals' contracts through the bus: reserve, debit, release."""

import threading
import uuid
from decimal import ROUND_DOWN, Decimal

import pytest
from sqlalchemy import select

from chassis.bus import publish
from chassis.testing import wait_until
from services.accounts.cases.reservations import reserve_for_application
from services.accounts.models import FundAccount, Reservation
from services.withdrawals.events import APPLICATION_APPROVED, APPLICATION_PAID, PAYMENT_FAILED

LI_NA = "640300000002"


def application(amount: str, account_no: str = LI_NA, reason: str = "07", closes: bool = False, **extra) -> dict:
    return {
        "application_id": extra.pop("application_id", str(uuid.uuid4())),
        "application_no": "TQ2026000001",
        "account_no": account_no,
        "id_number": "64030219920720051X",
        "center": "wuzhong",
        "state": "approved",
        "state_label": "审批通过",
        "reason": reason,
        "reason_name": "租房" if reason == "07" else "离休、退休",
        "amount": amount,
        "closes_account": closes,
        "bank_card_last4": "1234",
    }


def send(hall, contract, data: dict) -> None:
    with hall.runtime("accounts").db.transaction() as session:
        publish(session, contract, data)


def account(hall, account_no: str = LI_NA) -> FundAccount:
    with hall.runtime("accounts").db.transaction() as session:
        return session.scalars(select(FundAccount).where(FundAccount.account_no == account_no)).one()


def reservation(hall, application_id: str) -> Reservation | None:
    with hall.runtime("accounts").db.transaction() as session:
        return session.scalars(select(Reservation).where(Reservation.application_id == application_id)).first()


def state_of(hall, application_id: str) -> str | None:
    found = reservation(hall, application_id)
    return found.state if found else None


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_approved_reserves_paid_debits_and_a_duplicate_changes_nothing(accounts_hall, as_depositor, published, mode):
    hall = accounts_hall(mode)
    balance = account(hall).balance
    approved = application("1800.00")
    send(hall, APPLICATION_APPROVED, approved)
    wait_until(lambda: state_of(hall, approved["application_id"]) == "reserved", what="the reservation")
    assert account(hall).reserved == Decimal("1800.00")
    assert published(hall, "accounts.funds.reserved")[-1]["available"] == str(balance - Decimal("1800.00"))
    send(hall, APPLICATION_APPROVED, approved)  # the same approval again, as a new message

    send(hall, APPLICATION_PAID, approved | {"state": "paid"})
    wait_until(lambda: state_of(hall, approved["application_id"]) == "debited", what="the debit")
    after = account(hall)
    assert (after.balance, after.reserved) == (balance - Decimal("1800.00"), Decimal("0.00"))
    debited = [e for e in published(hall, "accounts.account.debited") if e["account_no"] == LI_NA]
    assert [(e["amount"], e["reference"]) for e in debited] == [("1800.00", approved["application_id"])]
    rows = hall.client("accounts").get("/api/v1/accounts/me/withdrawals", headers=as_depositor(LI_NA)).get_json()
    assert rows["items"][0]["summary"] == "提取（租房）" and rows["items"][0]["amount"] == "1800.00"
    assert len(published(hall, "accounts.funds.reserved")) == 1


def test_insufficient_funds_fail_with_a_chinese_reason(accounts_hall, published):
    hall = accounts_hall()
    approved = application("99999999.00")
    send(hall, APPLICATION_APPROVED, approved)
    wait_until(lambda: state_of(hall, approved["application_id"]) == "failed", what="the refusal")
    failure = published(hall, "accounts.funds.reservation_failed")[-1]
    assert failure["reason_code"] == "INSUFFICIENT_FUNDS" and "可用余额不足" in failure["reason"]
    assert account(hall).reserved == 0


def test_a_closing_reason_reserves_the_whole_balance_and_closes_the_account(accounts_hall, published):
    hall = accounts_hall()
    balance = account(hall).balance
    approved = application("1.00", reason="03", closes=True)
    send(hall, APPLICATION_APPROVED, approved)
    wait_until(lambda: state_of(hall, approved["application_id"]) == "reserved", what="the reservation")
    assert published(hall, "accounts.funds.reserved")[-1]["amount"] == str(balance)
    send(hall, APPLICATION_PAID, approved | {"state": "paid"})
    wait_until(lambda: account(hall).status == "closed", what="the closing")
    assert account(hall).balance == 0
    assert published(hall, "accounts.account.status_changed")[-1]["status_to"] == "closed"


def test_a_failed_payment_releases_once_and_paid_before_approved_waits(accounts_hall, published):
    hall = accounts_hall()
    first = application("500.00")
    send(hall, PAYMENT_FAILED, _failure(first))  # before its approval: retried until the approval arrives
    send(hall, APPLICATION_APPROVED, first)
    wait_until(lambda: state_of(hall, first["application_id"]) == "released", timeout=15, what="the release")
    send(hall, PAYMENT_FAILED, _failure(first))  # released twice: nothing more
    second = application("700.00")
    send(hall, APPLICATION_PAID, second | {"state": "paid"})  # paid before approved
    send(hall, APPLICATION_APPROVED, second)
    wait_until(lambda: state_of(hall, second["application_id"]) == "debited", timeout=15, what="the late debit")
    assert [e["amount"] for e in published(hall, "accounts.funds.released")] == ["500.00"]
    assert account(hall).reserved == 0


def _failure(approved: dict) -> dict:
    keys = ("application_id", "account_no", "id_number", "amount")
    return {key: approved[key] for key in keys} | {"reason": "银行卡已销户"}


def test_one_hundred_concurrent_reservations_never_overdraw(accounts_hall):
    hall = accounts_hall("real")
    db = hall.runtime("accounts").db
    balance = account(hall).balance
    each = (balance / 40).quantize(Decimal("0.01"), rounding=ROUND_DOWN)  # room for exactly 40 of the 100
    errors: list[BaseException] = []
    start = threading.Barrier(100)

    def reserve_one() -> None:
        try:
            start.wait()
            with db.transaction() as session:
                reserve_for_application(session, application(str(each)))
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=reserve_one) for _ in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.transaction() as session:
        states = list(session.scalars(select(Reservation.state)))
    after = account(hall)
    assert states.count("reserved") == 40 and states.count("failed") == 60
    assert after.reserved == 40 * each and after.balance - after.reserved >= 0
