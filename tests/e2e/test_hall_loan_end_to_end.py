"""A loan end to end across services on the real RabbitMQ and PostgreSQL: accounts' deposits make 李娜 eligible
in the loans read model; she applies; the officers, the approver and the bank take every console step; the loan is
disbursed and three repayment runs post; and at each step the notifications service tells her (SMS in the
development inbox and a message in her message centre)."""

from datetime import date, timedelta

import pytest

from chassis import clock
from chassis.testing import wait_until

pytestmark = pytest.mark.slow(seconds=40)

LI_NA = {"account_no": "640300000002", "center": "wuzhong", "name": "李娜", "mobile": "13995000002"}
STEPS = [
    ("prereviewed", "officer1", ("loan_officer",)),
    ("accepted", "officer1", ("loan_officer",)),
    ("preliminarily_approved", "officer1", ("loan_officer",)),
    ("approved", "approver1", ("loan_approver",)),
    ("contract_signed", "bank1", ("bank_officer",)),
    ("mortgage_registered", "bank1", ("bank_officer",)),
    ("disbursed", "bank1", ("bank_officer",)),
]
APPLICATION = {
    "amount": "200000.00",
    "term_months": 120,
    "method": "equal_installment",
    "monthly_income": "9000.00",
    "repayment_card": "6222021234567890128",
    "entrusted_bank": "icbc",
    "house": {
        "address": "吴忠市利通区示范路8号",
        "area": "96.00",
        "price": "500000.00",
        "first_home": True,
        "new_house": True,
    },
}


def test_a_loan_from_application_to_three_repayments_with_a_notice_at_every_step(start_hall, test_tokens):
    # no quiet hours and no per-number limit here: this test counts every notice as it happens
    hall = start_hall(
        ["accounts", "loans", "notifications"],
        mode="real",
        settings={"notifications": {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00", "sms_rate_limit": 1000}},
    )
    accounts = hall.runtime("accounts")
    accounts.service.seed(accounts)
    for name in ("loans", "notifications"):
        test_tokens.install(hall.runtime(name))
    loans, notifications = hall.client("loans"), hall.client("notifications")
    me = test_tokens.depositor("user-lina", center=LI_NA["center"], acct=LI_NA["account_no"], name=LI_NA["name"])

    def eligible():
        reply = loans.post("/api/v1/loans/eligibility", json=APPLICATION, headers=me).get_json()
        return reply if reply.get("eligible") else None

    wait_until(eligible, timeout=60, interval=0.5, what="the loans read model to learn 李娜's deposits")
    submitted = loans.post("/api/v1/loans/applications", json=APPLICATION, headers=me)
    assert submitted.status_code == 201, submitted.get_json()
    application_id = submitted.get_json()["id"]

    def texts() -> list[str]:
        items = notifications.get(f"/api/v1/notifications/dev/sms?phone={LI_NA['mobile']}").get_json()["items"]
        return [item["body"] for item in items]

    def messages() -> int:
        return notifications.get("/api/v1/notifications/me?page_size=100", headers=me).get_json()["total"]

    wait_until(lambda: any("已提交" in text or "提交" in text for text in texts()), timeout=30, what="submitted SMS")
    for to, officer, roles in STEPS:
        before_texts, before_messages = len(texts()), messages()
        moved = loans.post(
            f"/api/v1/loans/staff/applications/{application_id}/transitions",
            json={"to": to, "opinion": "同意" if to in ("preliminarily_approved", "approved") else None},
            headers=test_tokens.staff(f"staff:{officer}", *roles),
        )
        assert moved.status_code == 200, (to, moved.get_json())
        wait_until(lambda b=before_texts: len(texts()) > b, timeout=30, what=f"an SMS after {to}")
        wait_until(lambda b=before_messages: messages() > b, timeout=30, what=f"a message-centre notice after {to}")

    loan = loans.get("/api/v1/loans/loans", headers=me).get_json()["items"][0]
    schedule = loans.get(f"/api/v1/loans/loans/{loan['id']}/schedule", headers=me).get_json()
    runner = hall.apps["loans"].test_cli_runner()
    for period in range(3):
        due = date.fromisoformat(schedule[period]["due_date"])
        before_texts = len(texts())
        result = runner.invoke(args=["repayment-run", "--date", due.isoformat()])
        assert result.exit_code == 0, result.output
        wait_until(
            lambda b=before_texts: len(texts()) > b, timeout=30, what=f"the repayment SMS of period {period + 1}"
        )
    repayments = loans.get(f"/api/v1/loans/loans/{loan['id']}/repayments", headers=me).get_json()
    assert repayments["total"] == 3
    assert sum("还款" in text for text in texts()) >= 3
    assert date.fromisoformat(schedule[2]["due_date"]) > clock.today() + timedelta(days=60)
