"""Fund deductions loans asks for (loans.fund_deduction.requested), from withdrawals' side: one approved reason-06
case per deduction however often the request arrives, paid to the centre's loan account through the same saga, and
one settlement each way: paid, or failed with accounts' reason when the balance cannot cover it."""

import json
import uuid
from decimal import Decimal

from sqlalchemy import select

from chassis.testing import wait_until
from services.accounts.events import FUNDS_RESERVED, RESERVATION_FAILED
from services.loans.events import FUND_DEDUCTION_REQUESTED
from services.withdrawals.models import Application, FundDeduction

ACCOUNT = "640100000001"


def request(deduction_id: str, amount: str = "20000.00") -> dict:
    return {
        "deduction_id": deduction_id,
        "loan_id": "loan-1",
        "loan_number": "GJJ2026000001",
        "person_id": ACCOUNT,
        "amount": Decimal(amount),
        "purpose": "prepayment",
        "period": None,
        "allow_partial": False,
    }


def case_of(desk, deduction_id: str) -> Application | None:
    with desk.runtime.db.transaction() as session:
        deduction = session.get(FundDeduction, deduction_id)
        if deduction is None:
            return None
        case = session.get(Application, deduction.application_id)
        session.expunge(case)
        return case


def settlements(desk) -> list[dict]:
    return [json.loads(body)["data"] for body in desk.sent("withdrawals.fund_deduction.settled")]


def test_a_deduction_is_one_approved_case_paid_to_the_loan_account_and_settled_once(desk):
    desk = desk()
    desk.register(ACCOUNT)
    deduction_id = str(uuid.uuid4())
    desk.feed(FUND_DEDUCTION_REQUESTED, request(deduction_id))
    desk.feed(FUND_DEDUCTION_REQUESTED, request(deduction_id))  # delivered again
    case = wait_until(lambda: case_of(desk, deduction_id), what="the deduction's case")
    assert (case.reason, case.state, case.amount, case.in_progress_key) == ("06", "approved", Decimal("20000.00"), None)
    assert case.bank_card == desk.runtime.config.loan_fund_account
    with desk.runtime.db.transaction() as session:
        assert len(session.scalars(select(FundDeduction)).all()) == 1
    approved = [json.loads(body)["data"] for body in desk.sent("withdrawals.application.approved")]
    assert [item["reason"] for item in approved] == ["06"]

    desk.feed(
        FUNDS_RESERVED,
        {"application_id": case.id, "account_no": ACCOUNT, "amount": case.amount, "available": Decimal("24600.00")},
    )
    wait_until(lambda: settlements(desk), what="the settlement")
    assert case_of(desk, deduction_id).state == "paid"
    [settled] = settlements(desk)
    assert settled["outcome"] == "paid" and settled["amount_paid"] == "20000.00"
    assert settled["deduction_id"] == deduction_id and settled["purpose"] == "prepayment"
    assert settled["application_no"] == case.application_no


def test_a_balance_that_cannot_cover_it_fails_the_deduction_with_accounts_reason(desk):
    desk = desk()
    desk.register(ACCOUNT)
    deduction_id = str(uuid.uuid4())
    desk.feed(FUND_DEDUCTION_REQUESTED, request(deduction_id, "900000.00"))
    case = wait_until(lambda: case_of(desk, deduction_id), what="the deduction's case")
    desk.feed(
        RESERVATION_FAILED,
        {
            "application_id": case.id,
            "account_no": ACCOUNT,
            "amount": case.amount,
            "reason_code": "INSUFFICIENT_FUNDS",
            "reason": "可用余额不足",
        },
    )
    wait_until(lambda: settlements(desk), what="the settlement")
    [settled] = settlements(desk)
    assert settled["outcome"] == "failed" and settled["amount_paid"] == "0.00"
    assert settled["reason_code"] == "INSUFFICIENT_FUNDS" and "可用余额不足" in settled["reason"]
    assert case_of(desk, deduction_id).state == "rejected"
