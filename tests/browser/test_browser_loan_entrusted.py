"""张伟 on his loan's 委托提取 tab: he signs the loan up for the monthly entrusted withdrawal, sees it signed and the
months' table with the fund and card columns, cancels it, and signs up again; the schedule shows both columns."""

import pytest
from playwright.sync_api import expect

from tests.browser.hall_steps import log_in_zhang

pytestmark = pytest.mark.browser


def test_zhang_wei_signs_up_cancels_and_signs_up_again_for_the_entrusted_withdrawal(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    page.goto("/#/loans")
    page.locator("#loans-loans-table [data-testid=loan-detail]").first.click()
    page.locator("#loan-tab-link-entrusted").click()
    expect(page.locator("#entrusted-status")).to_have_text("尚未签约委托提取。")
    expect(page.locator("#entrusted-months-table thead")).to_contain_text("公积金提取")
    expect(page.locator("#entrusted-months-table thead")).to_contain_text("银行卡扣款")

    page.locator("#entrusted-sign-up").click()
    expect(page.locator("[data-testid=entrusted-status]")).to_have_text("已签约")
    expect(page.locator("[data-testid=entrusted-spouse]")).to_have_text("未加入")

    page.locator("#entrusted-cancel").click()
    expect(page.locator("#entrusted-status")).to_have_text("尚未签约委托提取。")
    page.locator("#entrusted-sign-up").click()
    expect(page.locator("[data-testid=entrusted-status]")).to_have_text("已签约")

    page.locator("#loan-tab-link-schedule").click()
    expect(page.locator("#loan-schedule-table thead")).to_contain_text("公积金提取")
    expect(page.locator("#loan-schedule-table thead")).to_contain_text("银行卡扣款")
    shot(page, "entrusted-schedule")
