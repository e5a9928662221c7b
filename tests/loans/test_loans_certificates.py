"""Loan certificates: 贷款情况证明 while a loan is repaid, 贷款结清证明 only once it is paid off; checked by code."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from services.loans.models import Certificate
from tests.loans.test_loans_end_to_end import STEPS, ZHANG_WEI, repayment_run

CERTIFICATES = "/api/v1/loans/me/certificates"
LI_NA = {**ZHANG_WEI, "account_no": "640300000002", "name": "李娜"}


def _text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


def _disbursed_loan(world, application_body) -> dict:
    world.feed_depositor(ZHANG_WEI, months=6)
    me = world.depositor_headers(ZHANG_WEI)
    body = application_body(amount="120000.00", term_months=12, method="equal_principal", monthly_income="30000.00")
    application = world.client.post("/api/v1/loans/applications", json=body, headers=me).get_json()
    for to, who in STEPS:
        reply = world.client.post(
            f"/api/v1/loans/staff/applications/{application['id']}/transitions",
            json={"to": to, "opinion": "同意" if to == "approved" else None},
            headers=world.staff_headers(who),
        )
        assert reply.status_code == 200, (to, reply.get_json())
    return world.client.get("/api/v1/loans/loans", headers=me).get_json()["items"][0]


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_payoff_is_refused_while_repaying_then_issued_after_the_last_instalment(loans_world, application_body, mode):
    world = loans_world(mode)
    loan = _disbursed_loan(world, application_body)
    me = world.depositor_headers(ZHANG_WEI)

    early = world.client.post(CERTIFICATES, json={"kind": "payoff"}, headers=me)
    assert early.status_code == 422 and early.get_json()["code"] == "CERTIFICATE_NOT_APPLICABLE"
    assert "还款中" in early.get_json()["detail"]

    status = world.client.post(CERTIFICATES, json={"kind": "loan_status"}, headers=me)
    assert status.status_code == 201, status.get_json()
    status = status.get_json()
    assert status["title"] == "住房公积金贷款情况证明" and status["loan_id"] == loan["id"]
    text = _text_of(world.client.get(f"{CERTIFICATES}/{status['id']}/pdf", headers=me).data)
    assert "银川住房公积金管理中心" in text and f"合同编号：{loan['contract_no']}" in text
    assert "剩余本金：120,000.00元" in text and "已还期数：0/12期" in text
    assert f"验证码：{status['verification_code']}" in text and "640105********3219" in text

    schedule = world.client.get(f"/api/v1/loans/loans/{loan['id']}/schedule", headers=me).get_json()
    repayment_run(world, date.fromisoformat(schedule[-1]["due_date"]))
    assert world.client.post(CERTIFICATES, json={"kind": "loan_status"}, headers=me).status_code == 422

    payoff = world.client.post(CERTIFICATES, json={"kind": "payoff", "loan_id": loan["id"]}, headers=me)
    assert payoff.status_code == 201, payoff.get_json()
    payoff = payoff.get_json()
    text = _text_of(world.client.get(f"{CERTIFICATES}/{payoff['id']}/pdf", headers=me).data)
    assert "住房公积金贷款结清证明" in text and "贷款状态：已结清" in text and "已全部结清" in text

    seen = world.client.get(f"/api/v1/loans/certificates/{payoff['verification_code']}").get_json()
    facts = {line["label"]: line["value"] for line in seen["facts"]}
    assert seen["kind"] == "payoff" and seen["valid"] is True
    assert facts["借款人"] == "张*" and loan["contract_no"] not in str(seen)
    assert [item["id"] for item in world.client.get(CERTIFICATES, headers=me).get_json()] == [
        payoff["id"],
        status["id"],
    ]
    assert world.events("loans.certificate.issued") == ["loans.certificate.issued"] * 2


def test_a_loan_certificate_is_the_borrowers_own_and_a_forged_record_fails(loans_world, application_body):
    world = loans_world()
    loan = _disbursed_loan(world, application_body)
    me, other = world.depositor_headers(ZHANG_WEI), world.depositor_headers(LI_NA)
    assert world.client.post(CERTIFICATES, json={"kind": "loan_status"}, headers=other).status_code == 422
    elsewhere = world.client.post(CERTIFICATES, json={"kind": "loan_status", "loan_id": loan["id"]}, headers=other)
    assert elsewhere.status_code == 404 and elsewhere.get_json()["code"] == "LOAN_NOT_FOUND"
    deposit = world.client.post(CERTIFICATES, json={"kind": "deposit"}, headers=me)
    assert deposit.status_code == 422 and "个人账户" in deposit.get_json()["detail"]

    issued = world.client.post(CERTIFICATES, json={"kind": "loan_status"}, headers=me).get_json()
    assert world.client.get(f"{CERTIFICATES}/{issued['id']}/pdf", headers=other).status_code == 404
    with world.runtime.db.transaction() as session:
        stored = session.get(Certificate, issued["id"])
        session.execute(
            update(Certificate)
            .where(Certificate.id == issued["id"])
            .values(facts=stored.facts.replace("120,000.00元", "1,000.00元"))
        )
    forged = world.client.get(f"/api/v1/loans/certificates/{issued['verification_code']}")
    assert forged.status_code == 404 and forged.get_json()["code"] == "CERTIFICATE_NOT_FOUND"
