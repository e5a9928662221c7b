"""张伟 on his loan's 提前还款 tab: a refused amount shows its Chinese rule beside the field; the trial; an
application he cancels; then one paid from his fund account, which the bank officer confirms in the console and
the saga completes: the page shows it done with the trial's new term, and his schedule is that long."""

import pytest
from playwright.sync_api import expect

from tests.browser.hall_steps import console_login, log_in_zhang, money_of

pytestmark = pytest.mark.browser


def test_zhang_wei_tries_applies_cancels_and_prepays_from_his_fund_account(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    page.goto("/#/loans")
    page.locator("#loans-loans-table [data-testid=loan-detail]").first.click()
    page.locator("#loan-tab-link-prepayment").click()
    expect(page.locator("[data-testid=prepayment-minimum]")).to_contain_text("10,000.00")

    # below the centre's minimum: the rule in Chinese beside the amount
    page.locator("#prepayment-amount").fill("5000")
    page.locator("#prepayment-try").click()
    expect(page.locator('[data-error-for="amount"]')).to_contain_text("不少于10,000.00元")
    expect(page.locator("#prepayment-apply")).to_be_disabled()

    page.locator("#prepayment-amount").fill("10000")
    page.locator("#prepayment-mode").select_option("shorten_term")
    page.locator("#prepayment-source").select_option("card")
    page.locator("#prepayment-try").click()
    expect(page.locator("[data-testid=trial-amount]")).to_contain_text("10,000.00")
    shot(page, "prepayment-trial")
    page.locator("#prepayment-apply").click()
    expect(page.locator("[data-testid=prepayment-status]")).to_have_text("已提交，待银行确认")
    page.locator("#prepayment-cancel").click()
    page.locator("#cancel-dialog #cancel-confirm").click()
    expect(page.locator("[data-testid=prepayment-status]")).to_have_text("已撤销")
    expect(page.locator("#prepayment-timeline [data-testid=timeline-entry]")).to_have_count(2)

    page.locator("#prepayment-back").click()
    page.locator("#prepayment-amount").fill("10000")
    page.locator("#prepayment-source").select_option("fund_account")
    page.locator("#prepayment-try").click()
    new_term = page.locator("[data-testid=trial-new-term]").inner_text()
    page.locator("#prepayment-apply").click()
    expect(page.locator("[data-testid=prepayment-source]")).to_contain_text("住房公积金账户")
    detail_url = page.url

    bank = new_context().new_page()
    console_login(bank, "bank1")
    bank.goto("/console/loans/prepayments")
    bank.locator("#prepayment-queue [data-testid=prepayment-link]").first.click()
    expect(bank.locator("#prepayment-figures")).to_contain_text("住房公积金账户")
    bank.locator("#prepayment-confirmed").click()
    expect(bank.locator(".msg.ok[role=status]")).to_have_text("办理成功")
    shot(bank, "prepayment-console")

    def completed() -> bool:
        page.goto(detail_url)
        page.reload()
        status = page.locator("[data-testid=prepayment-status]")
        expect(status).to_be_visible()
        return status.inner_text() == "已办结，还款计划已更新"

    for _attempt in range(40):
        if completed():
            break
        page.wait_for_timeout(500)
    expect(page.locator("[data-testid=prepayment-status]")).to_have_text("已办结，还款计划已更新")
    expect(page.locator("[data-testid=prepayment-new-term]")).to_have_text(new_term)
    shot(page, "prepayment-completed")
    months = int(new_term.split(" ")[0])
    page.locator("#prepayment-back").click()
    page.locator("#loan-tab-link-schedule").click()
    expect(page.locator("#loan-schedule-table tbody tr")).to_have_count(months)
    assert money_of(page.locator("#loan-schedule-table tbody tr").last.locator("td").nth(5).inner_text()) == 0
