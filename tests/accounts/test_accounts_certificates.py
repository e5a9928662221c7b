"""Electronic certificates: a depositor issues 缴存证明 and 对账单, downloads the PDF, and anyone checks the code."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from chassis import clock
from services.accounts.models import Certificate

ZHANG_WEI, LI_NA = "640100000001", "640300000002"
CERTIFICATES = "/api/v1/accounts/me/certificates"


def _text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4
    # labels and values are drawn apart; read as one run of text, without the layout's spaces and breaks
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _issue(client, headers, **body):
    answer = client.post(CERTIFICATES, json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_a_deposit_certificate_prints_the_account_and_verifies_by_its_code(
    accounts_hall, as_depositor, published, mode
):
    hall = accounts_hall(mode)
    client, headers = hall.client("accounts"), as_depositor(ZHANG_WEI)
    account = client.get("/api/v1/accounts/me/account", headers=headers).get_json()

    issued = _issue(client, headers, kind="deposit")
    assert set(issued) >= {"id", "kind", "verification_code", "issued_at", "expires_at"}
    assert issued["kind"] == "deposit" and issued["title"] == "住房公积金缴存证明"
    code = issued["verification_code"]
    assert len(code) == 19 and code.count("-") == 3

    pdf = client.get(f"{CERTIFICATES}/{issued['id']}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = _text_of(pdf.data)
    for fact in (
        "银川住房公积金管理中心",
        "住房公积金缴存证明",
        "张伟",
        "640105********3219",
        "宁夏银川建设集团有限公司",
    ):
        assert fact in text
    assert f"验证码：{code}" in text and "账户状态：正常" in text
    assert f"{account['paid_up_to'][:4]}年{account['paid_up_to'][5:7]}月" in text
    assert f"{Decimal(account['monthly_amount']):,.2f}元" in text
    assert "账户余额" not in text  # not asked for

    listed = client.get(CERTIFICATES, headers=headers).get_json()
    assert [item["id"] for item in listed] == [issued["id"]]

    public = hall.client("accounts").get(f"/api/v1/accounts/certificates/{code.lower()}")  # no token at all
    assert public.status_code == 200
    seen = public.get_json()
    assert seen["kind"] == "deposit" and seen["valid"] is True and seen["status"] == "valid"
    facts = {line["label"]: line["value"] for line in seen["facts"]}
    assert facts["姓名"] == "张*" and facts["证件号码"] == "640105********3219"
    assert "账户余额" not in facts and "3219" not in str(seen).replace("640105********3219", "")

    [event] = published(hall, "accounts.certificate.issued")
    assert event["certificate_id"] == issued["id"] and event["account_no"] == ZHANG_WEI
    assert event["verification_code"] == code and event["kind"] == "deposit"


def test_the_balance_is_on_the_certificate_only_when_the_depositor_asks(accounts_hall, as_depositor):
    hall = accounts_hall()
    client, headers = hall.client("accounts"), as_depositor(ZHANG_WEI)
    balance = client.get("/api/v1/accounts/me/account", headers=headers).get_json()["balance"]
    issued = _issue(client, headers, kind="deposit", include_balance=True)
    text = _text_of(client.get(f"{CERTIFICATES}/{issued['id']}/pdf", headers=headers).data)
    assert f"账户余额：{Decimal(balance):,.2f}元" in text
    seen = client.get(f"/api/v1/accounts/certificates/{issued['verification_code']}").get_json()
    assert {line["label"]: line["value"] for line in seen["facts"]}["账户余额"] == f"{Decimal(balance):,.2f}元"


def test_a_statement_certificate_lists_the_ledger_of_the_period(accounts_hall, as_depositor):
    hall = accounts_hall()
    client, headers = hall.client("accounts"), as_depositor(ZHANG_WEI)
    end = clock.today()
    start = end - timedelta(days=365)
    ledger = client.get(f"/api/v1/accounts/me/statement?from={start}&to={end}&page_size=100", headers=headers)
    rows = ledger.get_json()["items"]
    assert rows, "the demo deposits every month"

    issued = _issue(client, headers, kind="statement", **{"from": str(start), "to": str(end)})
    text = _text_of(client.get(f"{CERTIFICATES}/{issued['id']}/pdf", headers=headers).data)
    assert "住房公积金个人账户对账单" in text and f"对账期间：{start}至{end}" in text
    assert f"期末余额：{Decimal(rows[0]['balance']):,.2f}元" in text
    for row in rows:
        assert row["posted_on"] in text
    seen = client.get(f"/api/v1/accounts/certificates/{issued['verification_code']}").get_json()
    assert len(seen["table_rows"]) == len(rows)
    assert {line["label"]: line["value"] for line in seen["facts"]}["记录笔数"] == str(len(rows))


def test_someone_elses_certificate_is_not_found_and_an_unknown_code_neither(accounts_hall, as_depositor):
    hall = accounts_hall()
    client = hall.client("accounts")
    issued = _issue(client, as_depositor(ZHANG_WEI), kind="deposit")
    other = client.get(f"{CERTIFICATES}/{issued['id']}/pdf", headers=as_depositor(LI_NA))
    assert other.status_code == 404 and other.get_json()["code"] == "CERTIFICATE_NOT_FOUND"
    assert client.get(CERTIFICATES, headers=as_depositor(LI_NA)).get_json() == []
    for code in ("2345-6789-ABCD-EFGH", "not-a-code", "0" * 16):
        unknown = client.get(f"/api/v1/accounts/certificates/{code}")
        assert unknown.status_code == 404 and unknown.get_json()["code"] == "CERTIFICATE_NOT_FOUND"
        assert "验证码" in unknown.get_json()["detail"]


def test_a_kind_or_period_that_does_not_apply_is_refused_in_chinese(accounts_hall, as_depositor):
    client = accounts_hall().client("accounts")
    headers = as_depositor(ZHANG_WEI)
    payoff = client.post(CERTIFICATES, json={"kind": "payoff"}, headers=headers)
    assert payoff.status_code == 422
    assert payoff.get_json()["code"] == "CERTIFICATE_NOT_APPLICABLE" and "贷款" in payoff.get_json()["detail"]
    today = clock.today()
    backwards = client.post(
        CERTIFICATES,
        json={"kind": "statement", "from": str(today), "to": str(today - timedelta(days=1))},
        headers=headers,
    )
    assert backwards.status_code == 422 and backwards.get_json()["code"] == "CERTIFICATE_PERIOD_INVALID"
    ahead = client.post(CERTIFICATES, json={"kind": "statement", "to": str(today + timedelta(days=1))}, headers=headers)
    assert ahead.status_code == 422 and "今天" in ahead.get_json()["detail"]
    assert client.post(CERTIFICATES, json={}, headers=headers).status_code == 422
    assert client.get(CERTIFICATES, headers=headers).get_json() == []  # nothing was issued


def test_a_tampered_record_fails_verification_and_is_never_printed(accounts_hall, as_depositor):
    hall = accounts_hall()
    client, headers = hall.client("accounts"), as_depositor(ZHANG_WEI)
    issued = _issue(client, headers, kind="deposit", include_balance=True)
    with hall.runtime("accounts").db.transaction() as session:
        stored = session.get(Certificate, issued["id"])
        forged = stored.facts.replace("正常", "冻结")
        assert forged != stored.facts
        session.execute(update(Certificate).where(Certificate.id == issued["id"]).values(facts=forged))

    seen = client.get(f"/api/v1/accounts/certificates/{issued['verification_code']}")
    assert seen.status_code == 404 and seen.get_json()["code"] == "CERTIFICATE_NOT_FOUND"
    pdf = client.get(f"{CERTIFICATES}/{issued['id']}/pdf", headers=headers)
    assert pdf.status_code == 409 and pdf.get_json()["code"] == "CERTIFICATE_INVALID"


def test_an_expired_certificate_says_so(accounts_hall, as_depositor):
    hall = accounts_hall()
    client = hall.client("accounts")
    issued = _issue(client, as_depositor(ZHANG_WEI), kind="deposit")
    valid_days = hall.runtime("accounts").config.certificate_valid_days
    with clock.travelled_to(clock.now() + timedelta(days=valid_days, hours=1)):
        seen = client.get(f"/api/v1/accounts/certificates/{issued['verification_code']}")
    assert seen.status_code == 200
    assert seen.get_json()["valid"] is False and seen.get_json()["status"] == "expired"
    assert "有效期" in seen.get_json()["status_label"]
