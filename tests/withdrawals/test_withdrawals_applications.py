"""Pre-applications through the API: each reason's rules, ownership, idempotency, cancelling, four-eyes review."""

from datetime import timedelta
from decimal import Decimal

import pytest

from chassis import clock
from chassis.testing import wait_until
from services.loans.events import LOAN_DISBURSED
from services.withdrawals.models import FundLoan
from tests.withdrawals.conftest import ZHANG_CARD, rent_body

pytestmark = pytest.mark.slow(seconds=40)

ACCOUNT = "640100000001"
TODAY = clock.today()
RECENT = (TODAY - timedelta(days=40)).isoformat()

# a body each reason accepts for a depositor with 50,000 yuan and 12 months of deposits
VALID = {
    "01": {"amount": "30000.00", "contract_no": "YC-2026-0001", "house_price": "800000.00", "purchase_date": RECENT},
    "02": {"amount": "20000.00", "permit_no": "JS-2026-07", "project_cost": "90000.00", "approval_date": RECENT},
    "03": {"retirement_date": RECENT},
    "04": {"amount": "10000.00", "assessment_no": "LD-2026-5", "termination_date": RECENT},
    "05": {"departure_kind": "户口迁出", "departure_date": RECENT},
    "06": {"amount": "12000.00", "loan_contract_no": "HL-1", "loan_bank": "建设银行", "loan_outstanding": "200000.00"},
    "07": {k: v for k, v in rent_body().items() if k not in ("reason", "bank_card")},
    "08": {
        "heir_name": "张伟",
        "heir_id_number": "64030219920720051X",
        "heir_relationship": "子女",
        "death_date": RECENT,
    },
    "09": {"amount": "8000.00", "patient_relationship": "本人", "expenses": "9000.00", "diagnosis_date": RECENT},
    "99": {"amount": "3000.00", "description": "失业一年以上"},
}
# what breaks one rule of each reason, and the code the answer names
BROKEN = {
    "01": ({"amount": "900000.00", "house_price": "800000.00"}, "AMOUNT_EXCEEDS_HOUSE_PRICE"),
    "02": ({"approval_date": (TODAY - timedelta(days=500)).isoformat()}, "EVENT_TOO_OLD"),
    "03": ({"retirement_date": (TODAY + timedelta(days=10)).isoformat()}, "EVENT_DATE_IN_FUTURE"),
    "04": ({"amount": "-5"}, "AMOUNT_NOT_POSITIVE"),
    "05": ({"departure_kind": "出差"}, "FIELD_NOT_A_CHOICE"),
    "06": ({"amount": "300000.00"}, "AMOUNT_EXCEEDS_AVAILABLE"),
    "07": ({"amount": "21000.00"}, "AMOUNT_EXCEEDS_RENT_CAP"),
    "08": ({"heir_id_number": "640105198506153210"}, "FIELD_INVALID"),
    "09": ({"amount": "9500.00"}, "AMOUNT_EXCEEDS_EXPENSES"),
    "99": ({"description": ""}, "FIELD_REQUIRED"),
}


@pytest.fixture
def zhang(desk):
    desk = desk("embedded")
    desk.register(ACCOUNT)
    return desk


@pytest.mark.parametrize("reason", sorted(VALID))
def test_each_reason_accepts_a_valid_case_and_names_its_broken_rule(zhang, reason):
    broken, code = BROKEN[reason]
    refused = zhang.submit(ACCOUNT, {"reason": reason, "bank_card": ZHANG_CARD, **VALID[reason], **broken})
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "WITHDRAWAL_RULES_FAILED" and code in problem["failed_rules"]
    assert all(
        "\u4e00" <= message[0] <= "\u9fff" or message[0].isdigit() for m in problem["errors"].values() for message in m
    )

    accepted = zhang.submit(ACCOUNT, {"reason": reason, "bank_card": ZHANG_CARD, **VALID[reason]})
    assert accepted.status_code == 201, accepted.get_json()
    case = accepted.get_json()
    assert case["status"] == "submitted" and case["bank_card"].endswith("0014") and "*" in case["bank_card"]
    if reason in ("03", "05", "08"):
        assert case["closes_account"] and case["amount"] == "50000.00"  # the whole balance


def test_every_failed_rule_is_listed_in_chinese(zhang):
    body = {**rent_body(card="6222020200000000015", amount="30000.00"), "lease_end": "2020-01-01"}
    problem = zhang.submit(ACCOUNT, body).get_json()
    assert set(problem["errors"]) >= {"bank_card", "lease_end"}
    assert problem["detail"].startswith("提取申请未通过校验")


def test_rent_needs_three_months_of_deposits_and_no_open_fund_loan(desk):
    desk = desk("embedded")
    desk.register("640100000009", months=2)
    desk.feed(
        LOAN_DISBURSED,
        {
            "loan_id": "L1",
            "contract_no": "GJJ-1",
            "application_id": "a1",
            "account_no": "640100000009",
            "id_number": "640105198506153219",
            "center": "yinchuan",
            "amount": Decimal("300000.00"),
            "term_months": 240,
            "disbursed_on": TODAY,
            "first_due_date": TODAY,
            "monthly_payment": Decimal("1603.00"),
        },
    )

    def loan_known():
        with desk.runtime.db.transaction() as session:
            return session.get(FundLoan, "L1") is not None

    wait_until(loan_known, what="the fund loan known")
    problem = desk.submit("640100000009", rent_body()).get_json()
    assert {"DEPOSIT_MONTHS_INSUFFICIENT", "OPEN_FUND_LOAN"} <= set(problem["failed_rules"])


def test_one_case_at_a_time_idempotent_replay_and_cancel(zhang):
    first = zhang.submit(ACCOUNT, rent_body(), **{"Idempotency-Key": "k-1"})
    again = zhang.submit(ACCOUNT, rent_body(), **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    second = zhang.submit(ACCOUNT, rent_body())
    assert "WITHDRAWAL_IN_PROGRESS" in second.get_json()["failed_rules"]

    case_id = first.get_json()["id"]
    assert first.get_json()["can_cancel"] is True
    ahead = first.get_json()["steps_ahead"]
    assert [(step["state"], step["label"]) for step in ahead] == [
        ("prereviewed", "预审通过"),
        ("accepted", "已受理"),
        ("approved", "审批通过"),
        ("paid", "已办结"),
    ]
    listed = zhang.client.get("/api/v1/withdrawals/applications", headers=zhang.depositor(ACCOUNT)).get_json()
    assert listed["total"] == 1
    cancelled = zhang.client.post(
        f"/api/v1/withdrawals/applications/{case_id}/cancel", headers=zhang.depositor(ACCOUNT)
    )
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["can_cancel"] is False and cancelled.get_json()["steps_ahead"] == []
    # a cancelled case neither blocks a new one nor counts against the once-a-year rule
    assert zhang.submit(ACCOUNT, rent_body(amount="1500.00")).status_code == 201


def test_someone_elses_case_answers_404(zhang):
    case_id = zhang.submit(ACCOUNT, rent_body()).get_json()["id"]
    other = zhang.depositor("640300000002", center="wuzhong")
    assert zhang.client.get(f"/api/v1/withdrawals/applications/{case_id}", headers=other).status_code == 404
    assert zhang.client.post(f"/api/v1/withdrawals/applications/{case_id}/cancel", headers=other).status_code == 404


def test_approval_is_never_by_the_officer_who_accepted(zhang):
    case_id = zhang.submit(ACCOUNT, rent_body()).get_json()["id"]
    assert zhang.move(case_id, "prereviewed", "wofficer1").status_code == 200
    assert zhang.move(case_id, "accepted", "wofficer1").status_code == 200
    refused = zhang.move(case_id, "approved", "wofficer1")
    assert refused.status_code == 403 and refused.get_json()["code"] == "FOUR_EYES"
    approved = zhang.move(case_id, "approved", "wofficer2").get_json()
    assert approved["status"] == "approved" and approved["accepted_by"] == "staff:wofficer1"
    seen = zhang.case(ACCOUNT, case_id)
    assert seen["can_cancel"] is False and [step["state"] for step in seen["steps_ahead"]] == ["paid"]


def test_rejection_needs_an_opinion_the_applicant_reads(zhang):
    case_id = zhang.submit(ACCOUNT, rent_body()).get_json()["id"]
    refused = zhang.move(case_id, "rejected", "wofficer1")
    assert refused.status_code == 422 and refused.get_json()["code"] == "OPINION_REQUIRED"
    zhang.move(case_id, "rejected", "wofficer1", opinion="租赁合同未备案")
    detail = zhang.case(ACCOUNT, case_id)
    assert detail["status"] == "rejected" and detail["opinion"] == "租赁合同未备案"
    assert detail["timeline"][-1]["by"] == "经办人员"  # the applicant never sees the officer's user name


def test_staff_queue_by_status_and_role(zhang):
    zhang.submit(ACCOUNT, rent_body())
    queue = zhang.client.get(
        "/api/v1/withdrawals/staff/applications?status=submitted", headers=zhang.staff("wofficer1")
    ).get_json()
    assert queue["total"] == 1 and queue["items"][0]["account_no"] == ACCOUNT
    denied = zhang.client.get("/api/v1/withdrawals/staff/applications", headers=zhang.staff("officer1", "loan_officer"))
    assert denied.status_code == 403
    depositor = zhang.client.get("/api/v1/withdrawals/staff/applications", headers=zhang.depositor(ACCOUNT))
    assert depositor.status_code == 403


def test_reasons_list_materials_and_rules_per_centre(zhang):
    reasons = zhang.client.get("/api/v1/withdrawals/reasons?center=wuzhong").get_json()
    assert reasons["center"] == "wuzhong"
    rent = next(item for item in reasons["items"] if item["code"] == "07")
    assert any("1,800.00" in line for line in rent["rules"])
    assert {"monthly_rent", "lease_start", "lease_end"} <= {field["name"] for field in rent["fields"]}
    # everything the form needs to draw a field comes with it: label, kind, choices, the length the server allows
    assert all(set(field) == {"name", "label", "kind", "choices", "max_length"} for field in rent["fields"])
    other = next(item for item in reasons["items"] if any(field["name"] == "description" for field in item["fields"]))
    assert next(field for field in other["fields"] if field["name"] == "description")["max_length"] == 200
    assert rent["materials"][0]["name"] == "本人身份证"
    assert zhang.client.get("/api/v1/withdrawals/reasons?center=mars").status_code == 404
