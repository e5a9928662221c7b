"""张伟 issues a 缴存证明 in 个人账户 → 证明开具, previews and downloads the PDF, and a bank checks it on #/verify."""

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.hall_steps import log_in_zhang

pytestmark = pytest.mark.browser


def test_zhang_wei_issues_downloads_and_a_bank_verifies_his_certificate(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)

    page.locator("#nav-account").click()
    page.locator("#subnav-certificates").click()
    expect(page.locator("#page-title")).to_have_text("证明开具")
    page.locator("#cert-kind").select_option("deposit")
    page.locator("#cert-include-balance").check()
    expect(page.locator("#cert-from")).to_be_hidden()  # the period is only for a statement
    page.locator("#cert-submit").click()
    expect(page.locator("#cert-preview-status")).to_contain_text("证明真实有效")
    code = page.locator("#cert-code").inner_text()
    assert re.fullmatch(r"[2-9A-Z]{4}(-[2-9A-Z]{4}){3}", code), code
    expect(page.locator("#cert-preview-facts")).to_contain_text("张*")
    expect(page.locator("#cert-preview-facts")).to_contain_text("账户余额")
    expect(page.locator("#cert-history-table")).to_contain_text(code)
    shot(page, "issued")

    with page.expect_download() as downloaded:
        page.locator("#cert-download").click()
    pdf = downloaded.value
    assert pdf.suggested_filename.endswith(".pdf")
    pages = PdfReader(io.BytesIO(Path(pdf.path()).read_bytes())).pages
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pages))
    assert "住房公积金缴存证明" in text and "张伟" in text and f"验证码：{code}" in text
    assert f"/#/verify?code={code}" in text  # the QR code's link, printed beneath it

    # a statement of the default period (the last year): its ledger rows in the preview, both in the history
    page.locator("#cert-kind").select_option("statement")
    expect(page.locator("#cert-from")).to_be_visible()
    page.locator("#cert-submit").click()
    expect(page.locator("#cert-result-title")).to_contain_text("对账单")
    expect(page.locator("#cert-preview-table")).to_contain_text("汇缴")
    expect(page.locator("#cert-history-table [data-testid=cert-history-download]")).to_have_count(2)
    shot(page, "statement")

    # the bank: no login, the link from the QR code
    bank = new_context().new_page()
    bank.goto(f"/#/verify?code={code}")
    expect(bank.locator("#verify-status")).to_contain_text("证明真实有效")
    expect(bank.locator("#verify-facts")).to_contain_text("住房公积金缴存证明")
    expect(bank.locator("#verify-facts")).to_contain_text("640105********3219")
    expect(bank.locator("#verify-facts")).not_to_contain_text("张伟")
    shot(bank, "verified")

    bank.locator("#verify-code").fill("2345-6789-ABCD-EFGH")
    bank.locator("#verify-submit").click()
    expect(bank.locator("#verify-error")).to_contain_text("未找到该证明")
    shot(bank, "unknown-code")
