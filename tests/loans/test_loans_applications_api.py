"""The depositor's side: eligibility before submitting, the pre-application, its progress, cancelling."""

import pytest

ZHANG_WEI = {"account_no": "640100000001", "id_number": "640105198506153219", "name": "张伟", "center": "yinchuan"}
LI_NA = {"account_no": "640300000002", "id_number": "64030219920720051X", "name": "李娜", "center": "wuzhong"}


@pytest.fixture
def world(loans_world):
    world = loans_world("embedded")
    world.feed_depositor(ZHANG_WEI)
    return world


def test_eligibility_lists_every_failing_rule_in_chinese(loans_world, application_body):
    world = loans_world("embedded")
    world.feed_depositor(LI_NA, balance="5000.00", base="3000.00", months=3)
    body = application_body(amount="500000.00", term_months=360, monthly_income="3000.00")
    reply = world.client.post("/api/v1/loans/eligibility", json=body, headers=world.depositor_headers(LI_NA))
    assert reply.status_code == 200
    answer = reply.get_json()
    codes = {failure["code"] for failure in answer["failures"]}
    assert answer["eligible"] is False
    assert {"DEPOSIT_MONTHS_TOO_FEW", "AMOUNT_OVER_LIMIT", "PAYMENT_OVER_INCOME"} <= codes
    assert all(any("\u4e00" <= char <= "\u9fff" for char in failure["detail"]) for failure in answer["failures"])
    assert answer["continuous_deposit_months"] == 3
    assert answer["max_amount"] == "150000.00"  # 30 × the balance


def test_unknown_depositor_is_told_so(loans_world, application_body):
    world = loans_world("embedded")
    reply = world.client.post(
        "/api/v1/loans/eligibility", json=application_body(), headers=world.depositor_headers(LI_NA)
    )
    assert [failure["code"] for failure in reply.get_json()["failures"]] == ["DEPOSITOR_UNKNOWN"]


def test_submission_is_idempotent_masked_and_published(world, application_body):
    headers = {**world.depositor_headers(ZHANG_WEI), "Idempotency-Key": "apply-1"}
    first = world.client.post("/api/v1/loans/applications", json=application_body(), headers=headers)
    again = world.client.post("/api/v1/loans/applications", json=application_body(), headers=headers)
    assert first.status_code == 201, first.get_json()
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    created = first.get_json()
    assert again.get_json()["id"] == created["id"]
    assert created["status"] == "submitted" and created["status_label"] == "已提交"
    assert created["id_number"] == "640105********3219"
    assert created["repayment_card"].endswith("0128") and "6222" not in created["repayment_card"]
    assert created["annual_rate"] == "2.60"
    assert [row["state"] for row in created["timeline"]] == ["submitted"]
    listed = world.client.get("/api/v1/loans/applications", headers=world.depositor_headers(ZHANG_WEI)).get_json()
    assert listed["total"] == 1
    assert world.events("loans.application.submitted") == ["loans.application.submitted"]


def test_submission_rechecks_eligibility(world, application_body):
    reply = world.client.post(
        "/api/v1/loans/applications",
        json=application_body(amount="800000.00"),
        headers=world.depositor_headers(ZHANG_WEI),
    )
    assert reply.status_code == 422
    problem = reply.get_json()
    assert problem["code"] == "NOT_ELIGIBLE"
    assert "AMOUNT_OVER_LIMIT" in [failure["code"] for failure in problem["failures"]]
    assert world.events("loans.application.submitted") == []


def test_a_second_application_waits_for_the_first(world, application_body):
    headers = world.depositor_headers(ZHANG_WEI)
    assert world.client.post("/api/v1/loans/applications", json=application_body(), headers=headers).status_code == 201
    reply = world.client.post("/api/v1/loans/applications", json=application_body(), headers=headers)
    assert reply.status_code == 422
    assert "APPLICATION_IN_PROGRESS" in [failure["code"] for failure in reply.get_json()["failures"]]


def test_unknown_bank_and_bad_card_are_field_errors(world, application_body):
    headers = world.depositor_headers(ZHANG_WEI)
    reply = world.client.post(
        "/api/v1/loans/applications", json=application_body(repayment_card="12ab"), headers=headers
    )
    assert reply.status_code == 422 and "repayment_card" in reply.get_json()["errors"]
    reply = world.client.post("/api/v1/loans/applications", json=application_body(entrusted_bank="xx"), headers=headers)
    assert reply.get_json()["code"] == "BANK_UNKNOWN"
    banks = world.client.get("/api/v1/loans/banks").get_json()
    assert {"code": "icbc", "name": "中国工商银行宁夏回族自治区分行"} in banks


def test_someone_elses_application_is_not_found(world, application_body):
    created = world.client.post(
        "/api/v1/loans/applications", json=application_body(), headers=world.depositor_headers(ZHANG_WEI)
    ).get_json()
    other = world.depositor_headers(LI_NA)
    assert world.client.get(f"/api/v1/loans/applications/{created['id']}", headers=other).status_code == 404
    assert world.client.post(f"/api/v1/loans/applications/{created['id']}/cancel", headers=other).status_code == 404
    assert world.client.get("/api/v1/loans/applications", headers=other).get_json()["total"] == 0


def test_cancel_before_approval_but_not_after(world, application_body):
    headers = world.depositor_headers(ZHANG_WEI)
    first = world.client.post("/api/v1/loans/applications", json=application_body(), headers=headers).get_json()
    # the page shows what the service says: the cancel button, and the steps still ahead with their labels
    assert first["can_cancel"] is True
    assert [step["state"] for step in first["steps_ahead"]][:2] == ["prereviewed", "accepted"]
    assert first["steps_ahead"][0]["label"] == "预审通过（请携带材料到柜台）"
    cancelled = world.client.post(f"/api/v1/loans/applications/{first['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["can_cancel"] is False and cancelled.get_json()["steps_ahead"] == []
    assert world.events("loans.application.cancelled") == ["loans.application.cancelled"]

    second = world.client.post("/api/v1/loans/applications", json=application_body(), headers=headers).get_json()
    for to, who in (
        ("prereviewed", "officer1"),
        ("accepted", "officer1"),
        ("preliminarily_approved", "officer1"),
        ("approved", "approver1"),
    ):
        reply = world.client.post(
            f"/api/v1/loans/staff/applications/{second['id']}/transitions",
            json={"to": to},
            headers=world.staff_headers(who),
        )
        assert reply.status_code == 200, reply.get_json()
    approved = world.client.get(f"/api/v1/loans/applications/{second['id']}", headers=headers).get_json()
    assert approved["can_cancel"] is False
    assert approved["steps_ahead"][0]["state"] == "contract_signed"
    refused = world.client.post(f"/api/v1/loans/applications/{second['id']}/cancel", headers=headers)
    assert refused.status_code == 409 and refused.get_json()["code"] == "ILLEGAL_TRANSITION"


def test_staff_tokens_cannot_use_the_depositor_api(world, application_body):
    reply = world.client.post(
        "/api/v1/loans/applications", json=application_body(), headers=world.staff_headers("officer1")
    )
    assert reply.status_code == 403


@pytest.mark.parametrize(
    ("card", "message"),
    [("6222021234567890123", "银行卡号校验位不正确，请核对卡号"), ("622202123456", "银行卡号应为16至19位数字")],
)
def test_the_repayment_card_follows_the_halls_one_card_rule(world, application_body, card, message):
    headers = {**world.depositor_headers(ZHANG_WEI), "Idempotency-Key": f"card-{card}"}
    reply = world.client.post("/api/v1/loans/applications", json=application_body(repayment_card=card), headers=headers)
    assert reply.status_code == 422, reply.get_json()
    assert reply.get_json()["errors"]["repayment_card"] == [message]
