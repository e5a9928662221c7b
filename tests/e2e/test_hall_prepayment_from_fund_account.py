"""A prepayment paid from the fund account, end to end on the real RabbitMQ and PostgreSQL: 李娜's loan is disbursed
and two months are repaid; she tries a prepayment on the loan page, applies to pay it from her fund account; the
bank officer confirms; loans asks withdrawals for the money, withdrawals opens a reason-06 case that accounts
reserves, the bank is paid and accounts debits it; loans applies the answer. The fund balance and the principal
drop by the same amount to the fen, and the schedule is the one the trial showed, shortened as it said."""

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from chassis.testing import wait_until
from services.withdrawals.models import Application, FundDeduction
from tests.e2e.test_hall_loan_end_to_end import APPLICATION, LI_NA, STEPS

PREPAYMENT = Decimal("10000.00")


def test_a_prepayment_from_the_fund_account_moves_the_same_fen_in_the_ledger_and_the_loan(start_hall, test_tokens):
    hall = start_hall(["accounts", "loans", "withdrawals"], mode="real")
    accounts_runtime = hall.runtime("accounts")
    accounts_runtime.service.seed(accounts_runtime)
    for name in ("accounts", "loans", "withdrawals"):
        test_tokens.install(hall.runtime(name))
    loans, accounts = hall.client("loans"), hall.client("accounts")
    me = test_tokens.depositor("user-lina", center=LI_NA["center"], acct=LI_NA["account_no"], name=LI_NA["name"])

    def eligible():
        reply = loans.post("/api/v1/loans/eligibility", json=APPLICATION, headers=me).get_json()
        return reply if reply.get("eligible") else None

    wait_until(eligible, timeout=60, interval=0.5, what="the loans read model to learn 李娜's deposits")
    application_id = loans.post("/api/v1/loans/applications", json=APPLICATION, headers=me).get_json()["id"]
    for to, officer, roles in STEPS:
        moved = loans.post(
            f"/api/v1/loans/staff/applications/{application_id}/transitions",
            json={"to": to, "opinion": "同意" if to in ("preliminarily_approved", "approved") else None},
            headers=test_tokens.staff(f"staff:{officer}", *roles),
        )
        assert moved.status_code == 200, (to, moved.get_json())
    loan = loans.get("/api/v1/loans/loans", headers=me).get_json()["items"][0]
    base = f"/api/v1/loans/loans/{loan['id']}"
    schedule = loans.get(f"{base}/schedule", headers=me).get_json()
    runner = hall.apps["loans"].test_cli_runner()
    result = runner.invoke(args=["repayment-run", "--date", date.fromisoformat(schedule[1]["due_date"]).isoformat()])
    assert result.exit_code == 0, result.output
    loan = loans.get(base, headers=me).get_json()

    # the loan page's trial, and the calculator's on the same terms: the same figures
    trial = loans.post(
        f"{base}/prepayments/trial", json={"amount": str(PREPAYMENT), "mode": "shorten_term"}, headers=me
    ).get_json()
    calculator = loans.post(
        "/api/v1/loans/calculator/prepayment",
        json={
            "amount": APPLICATION["amount"],
            "term_months": APPLICATION["term_months"],
            "method": APPLICATION["method"],
            "annual_rate": loan["annual_rate"],
            "after_period": 2,
            "prepayment": str(PREPAYMENT),
            "mode": "shorten_term",
        },
    ).get_json()
    assert trial["schedule"] == calculator["schedule"] and trial["new_term_months"] == calculator["new_term_months"]
    assert trial["months_saved"] > 0

    def fund_account() -> dict:
        return accounts.get("/api/v1/accounts/me/account", headers=me).get_json()

    before = fund_account()
    created = loans.post(
        f"{base}/prepayments",
        json={"amount": str(PREPAYMENT), "mode": "shorten_term", "source": "fund_account"},
        headers={**me, "Idempotency-Key": "lina-prepay-1"},
    )
    assert created.status_code == 201, created.get_json()
    prepayment = created.get_json()
    confirmed = loans.post(
        f"/api/v1/loans/staff/prepayments/{prepayment['id']}/transitions",
        json={"to": "confirmed"},
        headers=test_tokens.staff("staff:bank1", "bank_officer"),
    )
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed", confirmed.get_json()

    def finished():
        seen = loans.get(f"{base}/prepayments/{prepayment['id']}", headers=me).get_json()
        return seen if seen["status"] in ("completed", "failed") else None

    done = wait_until(finished, timeout=90, interval=0.5, what="the fund deduction to settle the prepayment")
    assert done["status"] == "completed", done["timeline"]
    assert done["applied"]["schedule"] == trial["schedule"]

    def debited():
        account = fund_account()
        return account if Decimal(account["balance"]) != Decimal(before["balance"]) else None

    after = wait_until(debited, timeout=60, interval=0.5, what="accounts to debit the fund account")
    assert Decimal(before["balance"]) - Decimal(after["balance"]) == PREPAYMENT
    assert Decimal(after["available"]) == Decimal(after["balance"]) - (
        Decimal(before["balance"]) - Decimal(before["available"])
    )
    paid_loan = loans.get(base, headers=me).get_json()
    assert Decimal(loan["outstanding_principal"]) - Decimal(paid_loan["outstanding_principal"]) == PREPAYMENT

    new_schedule = loans.get(f"{base}/schedule", headers=me).get_json()
    assert len(new_schedule) == trial["new_term_months"] == len(schedule) - trial["months_saved"]
    keys = ("period", "payment", "principal", "interest", "remaining")
    assert [{key: row[key] for key in keys} for row in new_schedule[2:]] == trial["schedule"]
    assert new_schedule[-1]["remaining"] == "0.00"

    with hall.runtime("withdrawals").db.transaction() as session:
        deduction = session.scalars(select(FundDeduction)).one()
        case = session.get(Application, deduction.application_id)
        assert (case.reason, case.state, case.amount) == ("06", "paid", PREPAYMENT)
        assert deduction.outcome == "paid" and case.account_no == LI_NA["account_no"]
    statement = accounts.get("/api/v1/accounts/me/statement?page_size=5", headers=me).get_json()
    assert any(Decimal(row.get("amount", "0")).copy_abs() == PREPAYMENT for row in statement["items"]), statement
