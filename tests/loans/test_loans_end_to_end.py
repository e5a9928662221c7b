"""End to end in the loans service: submit → every staff step → disbursed → three repayment runs (one posted,
one failing into overdue with penalty, one catching up to paid off), with the events published at each step."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from chassis import clock
from chassis.bus.tables import outbox
from chassis.testing import wait_until
from services.loans.domain.eligibility import add_months

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
STEPS = [
    ("prereviewed", "officer1"),
    ("accepted", "officer2"),
    ("preliminarily_approved", "officer1"),
    ("approved", "approver1"),
    ("contract_signed", "bank1"),
    ("mortgage_registered", "bank1"),
    ("disbursed", "bank1"),
]


def repayment_run(world, day: date) -> str:
    result = world.hall.apps["loans"].test_cli_runner().invoke(args=["repayment-run", "--date", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_application_to_paid_off_loan(loans_world, application_body, mode):
    world = loans_world(mode)
    world.feed_depositor(ZHANG_WEI, months=6)
    me = world.depositor_headers(ZHANG_WEI)
    body = application_body(amount="120000.00", term_months=12, method="equal_principal", monthly_income="30000.00")
    submitted = world.client.post("/api/v1/loans/applications", json=body, headers=me)
    assert submitted.status_code == 201, submitted.get_json()
    application = submitted.get_json()
    for to, who in STEPS:
        reply = world.client.post(
            f"/api/v1/loans/staff/applications/{application['id']}/transitions",
            json={"to": to, "opinion": "同意" if to == "approved" else None},
            headers=world.staff_headers(who),
        )
        assert reply.status_code == 200, (to, reply.get_json())
        assert world.events(f"loans.application.{to}") == [f"loans.application.{to}"]
    progress = world.client.get(f"/api/v1/loans/applications/{application['id']}", headers=me).get_json()
    assert [row["state"] for row in progress["timeline"]] == ["submitted"] + [to for to, _ in STEPS]
    assert progress["contract_no"] and progress["loan_id"]

    loans = world.client.get("/api/v1/loans/loans", headers=me).get_json()
    assert loans["total"] == 1
    loan = loans["items"][0]
    assert loan["status"] == "repaying" and loan["contract_no"] == progress["contract_no"]
    assert loan["first_due_date"] == add_months(clock.today(), 1).isoformat()
    assert loan["monthly_payment"] == "10210.00"  # 10,000 principal + 210.00 interest at 2.10 % (≤ 5 years)
    schedule = world.client.get(f"/api/v1/loans/loans/{loan['id']}/schedule", headers=me).get_json()
    assert len(schedule) == 12 and sum(Decimal(row["principal"]) for row in schedule) == Decimal("120000.00")
    assert {(row["status"], row["status_label"]) for row in schedule} == {("due", "待还")}
    assert world.events("loans.loan.disbursed") == ["loans.loan.disbursed"]

    first_due = date.fromisoformat(loan["first_due_date"])
    repayment_run(world, first_due - timedelta(days=3))
    assert world.events("loans.repayment.due") == ["loans.repayment.due"]

    # run 1: the bank's deduction succeeds
    assert "扣款入账 1 期" in repayment_run(world, first_due)
    assert len(world.events("loans.repayment.posted")) == 1
    assert "扣款入账 0 期" in repayment_run(world, first_due)  # the same day again posts nothing

    # run 2: this contract's deduction fails: overdue with penalty interest
    world.runtime.config = dataclasses.replace(world.runtime.config, failing_contracts=(loan["contract_no"],))
    second_due = date.fromisoformat(schedule[1]["due_date"])
    repayment_run(world, second_due + timedelta(days=5))
    overdue = world.client.get(f"/api/v1/loans/loans/{loan['id']}", headers=me).get_json()
    assert overdue["overdue"] is True and overdue["status_label"] == "还款中（逾期）"
    assert Decimal(overdue["penalty_accrued"]) > 0
    assert world.events("loans.loan.overdue") == ["loans.loan.overdue"]

    # run 3: deductions work again: everything due is posted, the penalty with it, and the loan is paid off
    world.runtime.config = dataclasses.replace(world.runtime.config, failing_contracts=())
    last_due = date.fromisoformat(schedule[-1]["due_date"])
    repayment_run(world, last_due)
    closed = world.client.get(f"/api/v1/loans/loans/{loan['id']}", headers=me).get_json()
    assert closed["status"] == "paid_off" and closed["overdue"] is False
    assert closed["outstanding_principal"] == "0.00" and closed["progress"]["periods_paid"] == 12
    assert world.events("loans.loan.paid_off") == ["loans.loan.paid_off"]
    assert len(world.events("loans.repayment.posted")) == 12

    records = world.client.get(
        f"/api/v1/loans/loans/{loan['id']}/repayments",
        query_string={"from": first_due.isoformat(), "to": first_due.isoformat()},
        headers=me,
    ).get_json()
    assert records["total"] == 1 and records["items"][0]["penalty"] == "0.00"
    everything = world.client.get(
        f"/api/v1/loans/loans/{loan['id']}/repayments", query_string={"page_size": 100}, headers=me
    ).get_json()
    assert any(Decimal(item["penalty"]) > 0 for item in everything["items"])

    # every event reached the bus (the relay marks each outbox row sent)
    def all_sent() -> bool:
        with world.runtime.db.transaction() as session:
            return session.scalar(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))) == 0

    wait_until(all_sent, timeout=15, what="every outbox row relayed")
    assert (
        world.client.get(
            f"/api/v1/loans/loans/{loan['id']}",
            headers=world.depositor_headers({**ZHANG_WEI, "account_no": "640300000002"}),
        ).status_code
        == 404
    )
