"""Prepayment applications on a loan (提前部分还款 / 提前结清) through the API: the loan's trial is the calculator's,
the bank officer's confirmation applies exactly those figures, a payoff closes the loan (结清证明 then issues), the
422 rules name themselves, the fund-account source asks withdrawals and applies its answer, access is per loan."""

from datetime import date
from decimal import Decimal

import pytest

from chassis.bus import publish
from services.loans.models import FundDeduction
from services.withdrawals.events import FUND_DEDUCTION_SETTLED
from tests.loans.test_loans_end_to_end import STEPS, ZHANG_WEI, repayment_run

LI_NA = {**ZHANG_WEI, "account_no": "640300000002", "name": "李娜", "id_number": "64030219920720051X"}
LOANS = "/api/v1/loans/loans"
TERMS = {"amount": "300000.00", "term_months": 240, "method": "equal_installment"}


def disbursed_loan(world, application_body, paid_months: int = 3, **terms) -> dict:
    world.feed_depositor(ZHANG_WEI, months=6, balance="90000.00")
    me = world.depositor_headers(ZHANG_WEI)
    body = application_body(**{**TERMS, **terms}, monthly_income="30000.00")
    application = world.client.post("/api/v1/loans/applications", json=body, headers=me).get_json()
    for to, who in STEPS:
        reply = world.client.post(
            f"/api/v1/loans/staff/applications/{application['id']}/transitions",
            json={"to": to, "opinion": "同意" if to == "approved" else None},
            headers=world.staff_headers(who),
        )
        assert reply.status_code == 200, (to, reply.get_json())
    loan = world.client.get(LOANS, headers=me).get_json()["items"][0]
    if paid_months:
        schedule = world.client.get(f"{LOANS}/{loan['id']}/schedule", headers=me).get_json()
        repayment_run(world, date.fromisoformat(schedule[paid_months - 1]["due_date"]))
    return world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()


def calculator_trial(world, loan: dict, after_period: int, amount: str, mode: str) -> dict:
    body = {
        **TERMS,
        "annual_rate": loan["annual_rate"],
        "after_period": after_period,
        "prepayment": amount,
        "mode": mode,
    }
    reply = world.client.post("/api/v1/loans/calculator/prepayment", json=body)
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


def confirm(world, prepayment: dict) -> dict:
    reply = world.client.post(
        f"/api/v1/loans/staff/prepayments/{prepayment['id']}/transitions",
        json={"to": "confirmed"},
        headers=world.staff_headers("bank1"),
    )
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()


@pytest.mark.parametrize(
    ("mode", "trial_mode"), [("shorten_term", "shorten_term"), ("reduce_payment", "lower_payment")]
)
def test_the_confirmed_prepayment_applies_exactly_the_calculators_trial(
    loans_world, application_body, mode, trial_mode
):
    world = loans_world()
    loan = disbursed_loan(world, application_body)
    me = world.depositor_headers(ZHANG_WEI)
    expected = calculator_trial(world, loan, 3, "50000.00", trial_mode)

    trial = world.client.post(
        f"{LOANS}/{loan['id']}/prepayments/trial", json={"amount": "50000.00", "mode": mode}, headers=me
    ).get_json()
    assert trial["after_period"] == 3 and trial["new_term_months"] == expected["new_term_months"]
    assert trial["new_payment"] == expected["new_payment"] and trial["interest_saved"] == expected["interest_saved"]
    assert trial["schedule"] == expected["schedule"]

    body = {"amount": "50000.00", "mode": mode, "source": "card"}
    created = world.client.post(f"{LOANS}/{loan['id']}/prepayments", json=body, headers=me)
    assert created.status_code == 201, created.get_json()
    prepayment = created.get_json()
    assert prepayment["status"] == "submitted" and prepayment["can_cancel"] is True
    assert prepayment["quoted"]["schedule"] == expected["schedule"]
    assert prepayment["source_label"] == "还款银行卡" and prepayment["kind_label"] == "提前部分还款"

    done = confirm(world, prepayment)
    assert done["status"] == "completed" and done["applied"] == done["quoted"]
    assert [line["state"] for line in done["timeline"]] == ["submitted", "confirmed", "completed"]

    schedule = world.client.get(f"{LOANS}/{loan['id']}/schedule", headers=me).get_json()
    assert len(schedule) == expected["new_term_months"]
    later = [
        {key: row[key] for key in ("period", "payment", "principal", "interest", "remaining")} for row in schedule[3:]
    ]
    assert later == expected["schedule"]
    after = world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()
    assert Decimal(after["outstanding_principal"]) == Decimal(loan["outstanding_principal"]) - Decimal("50000.00")
    assert after["outstanding_principal"] == expected["remaining_after"]
    assert world.events("loans.prepayment.completed") == ["loans.prepayment.completed"]


def test_a_full_payoff_closes_the_loan_and_the_payoff_certificate_issues(loans_world, application_body):
    world = loans_world()
    loan = disbursed_loan(world, application_body, amount="120000.00", term_months=24)
    me = world.depositor_headers(ZHANG_WEI)
    refused = world.client.post("/api/v1/loans/me/certificates", json={"kind": "payoff"}, headers=me)
    assert refused.status_code == 422

    created = world.client.post(f"{LOANS}/{loan['id']}/prepayments", json={"full": True, "source": "card"}, headers=me)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["amount"] == loan["outstanding_principal"]
    confirm(world, created.get_json())

    closed = world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()
    assert closed["status"] == "paid_off" and closed["outstanding_principal"] == "0.00"
    assert closed["progress"]["periods_total"] == closed["progress"]["periods_paid"] == 3
    assert world.events("loans.loan.paid_off") == ["loans.loan.paid_off"]
    payoff = world.client.post("/api/v1/loans/me/certificates", json={"kind": "payoff"}, headers=me)
    assert payoff.status_code == 201, payoff.get_json()
    again = world.client.post(f"{LOANS}/{loan['id']}/prepayments", json={"full": True, "source": "card"}, headers=me)
    assert again.status_code == 422 and again.get_json()["code"] == "LOAN_NOT_REPAYING"


def test_the_rules_refuse_with_their_codes_in_chinese(loans_world, application_body):
    world = loans_world()
    loan = disbursed_loan(world, application_body)
    me = world.depositor_headers(ZHANG_WEI)
    url = f"{LOANS}/{loan['id']}/prepayments"

    def refused(body: dict) -> dict:
        reply = world.client.post(url, json=body, headers=me)
        assert reply.status_code == 422, reply.get_json()
        return reply.get_json()

    too_much = refused({"amount": "999999.00", "mode": "shorten_term", "source": "card"})
    assert too_much["code"] == "PREPAYMENT_EXCEEDS_PRINCIPAL" and "剩余本金" in too_much["errors"]["amount"][0]
    too_little = refused({"amount": "5000.00", "mode": "shorten_term", "source": "card"})
    assert too_little["code"] == "PREPAYMENT_BELOW_MINIMUM" and "10,000.00元" in too_little["detail"]
    assert refused({"amount": "20000.00", "mode": "sideways", "source": "card"})["code"] == "PREPAYMENT_MODE_UNKNOWN"
    assert refused({"amount": "20000.00", "mode": "shorten_term", "source": "cash"})["code"] == (
        "PREPAYMENT_SOURCE_UNKNOWN"
    )
    assert refused({"mode": "shorten_term", "source": "card"})["code"] == "PREPAYMENT_AMOUNT_REQUIRED"

    first = world.client.post(url, json={"amount": "20000.00", "mode": "shorten_term", "source": "card"}, headers=me)
    assert first.status_code == 201
    second = refused({"full": True, "source": "card"})
    assert second["code"] == "PREPAYMENT_ALREADY_OPEN" and first.get_json()["prepayment_no"] in second["detail"]

    cancelled = world.client.post(f"{url}/{first.get_json()['id']}/cancel", headers=me)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    late = world.client.post(
        f"/api/v1/loans/staff/prepayments/{first.get_json()['id']}/transitions",
        json={"to": "confirmed"},
        headers=world.staff_headers("bank1"),
    )
    assert late.status_code == 409 and late.get_json()["code"] == "ILLEGAL_TRANSITION"
    assert world.client.post(url, json={"full": True, "source": "card"}, headers=me).status_code == 201


def test_an_overdue_loan_must_be_brought_current_first(loans_world, application_body):
    world = loans_world()
    loan = disbursed_loan(world, application_body, paid_months=1)
    me = world.depositor_headers(ZHANG_WEI)
    world.runtime.config = world.runtime.config.__class__(
        **{**world.runtime.config.__dict__, "failing_contracts": (loan["contract_no"],)}
    )
    schedule = world.client.get(f"{LOANS}/{loan['id']}/schedule", headers=me).get_json()
    repayment_run(world, date.fromisoformat(schedule[1]["due_date"]))
    assert world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()["overdue"] is True
    reply = world.client.post(f"{LOANS}/{loan['id']}/prepayments", json={"full": True, "source": "card"}, headers=me)
    assert reply.status_code == 422 and reply.get_json()["code"] == "PREPAYMENT_LOAN_OVERDUE"
    assert "逾期" in reply.get_json()["detail"]
    options = world.client.get(f"{LOANS}/{loan['id']}/prepayments/options", headers=me).get_json()
    assert options["can_apply"] is False and options["refusals"][0]["code"] == "PREPAYMENT_LOAN_OVERDUE"


def test_only_the_borrower_sees_and_cancels_a_prepayment_and_the_bank_officer_decides(loans_world, application_body):
    world = loans_world()
    loan = disbursed_loan(world, application_body)
    me, other = world.depositor_headers(ZHANG_WEI), world.depositor_headers(LI_NA)
    url = f"{LOANS}/{loan['id']}/prepayments"
    created = world.client.post(
        url, json={"full": True, "source": "card"}, headers={**me, "Idempotency-Key": "prepay-1"}
    ).get_json()
    replay = world.client.post(
        url, json={"full": True, "source": "card"}, headers={**me, "Idempotency-Key": "prepay-1"}
    )
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == created["id"]

    assert world.client.get(url, headers=other).status_code == 404
    assert world.client.get(f"{url}/{created['id']}", headers=other).status_code == 404
    assert world.client.post(f"{url}/{created['id']}/cancel", headers=other).status_code == 404
    assert world.client.get(url, headers=me).get_json()["total"] == 1

    staff_url = f"/api/v1/loans/staff/prepayments/{created['id']}/transitions"
    officer = world.client.post(staff_url, json={"to": "confirmed"}, headers=world.staff_headers("officer1"))
    assert officer.status_code == 403 and officer.get_json()["code"] == "ROLE_NOT_ALLOWED"
    silent = world.client.post(staff_url, json={"to": "refused"}, headers=world.staff_headers("bank1"))
    assert silent.status_code == 422 and silent.get_json()["code"] == "OPINION_REQUIRED"
    refused = world.client.post(
        staff_url, json={"to": "refused", "opinion": "还款卡余额不足"}, headers=world.staff_headers("bank1")
    )
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    assert refused.get_json()["opinion"] == "还款卡余额不足"
    assert world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()["status"] == "repaying"


def settle(world, deduction: FundDeduction, outcome: str, reason_code=None, reason=None) -> None:
    """Withdrawals' answer, published through its own contract (the saga itself runs in tests/e2e)."""
    with world.runtime.db.transaction() as session:
        publish(
            session,
            FUND_DEDUCTION_SETTLED,
            {
                "deduction_id": deduction.deduction_id,
                "loan_id": deduction.loan_id,
                "purpose": deduction.purpose,
                "period": deduction.period,
                "amount_paid": deduction.amount if outcome == "paid" else Decimal("0.00"),
                "outcome": outcome,
                "reason_code": reason_code,
                "reason": reason,
            },
        )


def test_from_the_fund_account_it_waits_for_withdrawals_answer_and_applies_it_once(loans_world, application_body):
    from chassis.testing import wait_until

    world = loans_world()
    loan = disbursed_loan(world, application_body)
    me = world.depositor_headers(ZHANG_WEI)
    url = f"{LOANS}/{loan['id']}/prepayments"
    body = {"amount": "30000.00", "mode": "shorten_term", "source": "fund_account"}
    first = confirm(world, world.client.post(url, json=body, headers=me).get_json())
    assert first["status"] == "confirmed" and first["can_cancel"] is False
    assert world.events("loans.fund_deduction.requested") == ["loans.fund_deduction.requested"]
    with world.runtime.db.transaction() as session:
        deduction = session.query(FundDeduction).one()
        session.expunge(deduction)
    assert deduction.amount == Decimal("30000.00") and deduction.account_no == ZHANG_WEI["account_no"]

    settle(world, deduction, "failed", "INSUFFICIENT_FUNDS", "账户可用余额不足")
    wait_until(
        lambda: world.client.get(f"{url}/{first['id']}", headers=me).get_json()["status"] == "failed",
        timeout=10,
        what="the failed deduction applied",
    )
    failed = world.client.get(f"{url}/{first['id']}", headers=me).get_json()
    assert failed["timeline"][-1]["opinion"] == "账户可用余额不足"
    assert (
        world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()["outstanding_principal"]
        == (loan["outstanding_principal"])
    )

    second = confirm(world, world.client.post(url, json=body, headers=me).get_json())
    with world.runtime.db.transaction() as session:
        deduction = session.get(
            FundDeduction, session.query(FundDeduction.deduction_id).filter_by(state="requested").scalar()
        )
        session.expunge(deduction)
    settle(world, deduction, "paid")
    settle(world, deduction, "paid")  # a redelivered answer changes nothing
    wait_until(
        lambda: world.client.get(f"{url}/{second['id']}", headers=me).get_json()["status"] == "completed",
        timeout=10,
        what="the paid deduction applied",
    )
    after = world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()
    assert Decimal(after["outstanding_principal"]) == Decimal(loan["outstanding_principal"]) - Decimal("30000.00")
    assert world.events("loans.prepayment.completed") == ["loans.prepayment.completed"]


def test_the_bank_officer_confirms_in_the_console_and_the_trail_says_so(loans_world, application_body):
    import re

    from services.loans.models import ConsoleAuditEntry

    world = loans_world()
    loan = disbursed_loan(world, application_body)
    me = world.depositor_headers(ZHANG_WEI)
    body = {"amount": "20000.00", "mode": "reduce_payment", "source": "card"}
    created = world.client.post(f"{LOANS}/{loan['id']}/prepayments", json=body, headers=me).get_json()
    bank = world.hall.client("loans")
    bank.set_cookie("hall_staff_token", world.tokens.token("staff:bank1", roles=("bank_officer",), name="赵磊"))

    queue = bank.get("/console/loans/prepayments").get_data(as_text=True)
    assert created["prepayment_no"] in queue and "640105********3219" in queue and ZHANG_WEI["id_number"] not in queue
    url = f"/console/loans/prepayments/{created['id']}"
    page = bank.get(url).get_data(as_text=True)
    assert "确认办理" in page and "不予办理" in page and created["quoted"]["new_payment"] in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    silent = bank.post(f"{url}/transitions", data={"to": "refused", "csrf_token": csrf})
    assert silent.status_code == 422 and "不予办理须填写意见" in silent.get_data(as_text=True)
    done = bank.post(f"{url}/transitions", data={"to": "confirmed", "csrf_token": csrf})
    assert done.status_code == 302
    assert "已办结，还款计划已更新" in bank.get(done.headers["Location"]).get_data(as_text=True)
    assert (
        world.client.get(f"{LOANS}/{loan['id']}", headers=me).get_json()["monthly_payment"]
        == (created["quoted"]["new_payment"])
    )
    with world.runtime.db.transaction() as session:
        sentences = [row.sentence for row in session.query(ConsoleAuditEntry).filter_by(subject=created["id"])]
    assert f"赵磊将提前还款申请 {created['prepayment_no']} 办理为「已办结，还款计划已更新」" in sentences
