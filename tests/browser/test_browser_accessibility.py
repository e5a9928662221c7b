"""Accessibility, measured (issue 19): axe-core runs over every page of the hall — logged out, logged in as 张伟, with
a dialog open, with a form's errors shown, in 关怀模式 — and over both staff consoles, with a bar of 0 serious or
critical violations. The step bars, tables and the calculator's chart carry what a screen reader speaks."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import assert_accessible
from tests.browser.hall_steps import log_in_zhang

pytestmark = pytest.mark.browser


LOGGED_OUT_PAGES = ("/#/login", "/#/register", "/#/recover", "/#/guides", "/#/verify", "/#/no-such-page")
LOGGED_IN_PAGES = (
    "/#/home",
    "/#/account",
    "/#/account/password",
    "/#/account/certificates",
    "/#/query/personal",
    "/#/query/deposits",
    "/#/query/withdrawals",
    "/#/query/statement",
    "/#/query/loans",
    "/#/loans",
    "/#/loans/apply",
    "/#/withdrawals",
    "/#/withdrawals/apply?reason=07",
    "/#/withdrawals/appointment?reason=07",
    "/#/withdrawals/mine",
    "/#/messages",
)


def yuan(amount: str) -> str:
    """ "1197.85" → "1,197.85 元", as the hall shows money."""
    return f"{Decimal(amount):,.2f} 元"


def settle(page: Page) -> None:
    """The page's h1 is drawn and nothing is loading any more."""
    expect(page.locator("main h1").first).to_be_visible()
    expect(page.locator(".loading")).to_have_count(0)


def visit(page: Page, path: str) -> None:
    page.goto(path)
    settle(page)
    assert_accessible(page, path)


def open_first(page: Page, path: str, link: str, where: str) -> None:
    page.goto(path)
    settle(page)
    page.locator(link).first.click()
    settle(page)
    assert_accessible(page, where)


def every_table_is_named(page: Page, where: str) -> None:
    tables = page.evaluate(
        """() => [...document.querySelectorAll('main table')].map((t) => ({
             caption: t.caption?.textContent.trim() || '',
             unscoped: [...t.querySelectorAll('thead th')].filter((th) => !th.getAttribute('scope')).length}))"""
    )
    assert tables, f"no table on {where}"
    assert all(t["caption"] and not t["unscoped"] for t in tables), (where, tables)


def test_every_page_of_the_hall_has_no_serious_accessibility_violation(new_context):
    page = new_context().new_page()
    for path in LOGGED_OUT_PAGES:
        visit(page, path)
    response = page.goto("/no/such/page")  # the gateway's own 404 page
    assert response.status == 404
    assert_accessible(page, "the gateway's 404 page")
    visit(page, "/api/docs")
    open_first(page, "/#/guides", "#guide-list li[data-testid=guide] a", "a guide")
    assert page.locator("#guide-body h2").count() and not page.locator("#guide-body h1").count()

    # a form's errors: each beside its field, marked invalid, and still no violation
    page.goto("/#/login")
    page.locator("#login-submit").click()
    expect(page.locator("#login-username")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the login form with its errors")
    # the registration's step bar says which step this is, and of how many
    page.goto("/#/register")
    bar = page.get_by_role("list", name="办理步骤，共3步，当前第1步")
    expect(bar.locator("li[aria-current=step]")).to_contain_text("当前步骤")

    # the calculator's result: a chart a screen reader reads as a picture with its figures, tables with captions
    page.goto("/#/loans/calculator")
    expect(page.locator("#calc-rates-table")).to_be_visible()
    page.locator("#calc-amount").fill("300000")
    page.locator("#calc-term").fill("360")
    with page.expect_response(lambda r: r.url.endswith("/loans/calculator") and r.request.method == "POST") as reply:
        page.locator("#calc-submit").click()
    schedule = reply.value.json()["schedule"]
    first, last = schedule[0], schedule[-1]
    chart = page.get_by_role("img", name="每期还款本金与利息构成图")
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(
        f"每期还款本金与利息构成图 共{len(schedule)}期。"
        f"第1期本金{yuan(first['principal'])}、利息{yuan(first['interest'])}；"
        f"第{len(schedule)}期本金{yuan(last['principal'])}、利息{yuan(last['interest'])}。"
    )
    page.locator("#calc-show-details").click()
    expect(page.locator("#calc-schedule-table")).to_be_visible()
    every_table_is_named(page, "the calculator")
    assert_accessible(page, "the calculator with its result and schedule")

    log_in_zhang(page)
    for path in LOGGED_IN_PAGES:
        visit(page, path)

    open_first(page, "/#/loans", "[data-testid=loan-detail]", "a loan")
    for tab in ("schedule", "repayments", "progress"):
        page.locator(f"#loan-tab-link-{tab}").click()
        settle(page)
        assert_accessible(page, f"a loan's {tab} tab", exclude=("main tbody tr:nth-child(n+13)",))
        if tab == "schedule":
            every_table_is_named(page, "a loan's schedule")
    open_first(page, "/#/loans", "[data-testid=application-progress]", "a loan application's progress")
    open_first(page, "/#/withdrawals/mine", "[data-testid=wd-application-progress]", "a withdrawal's progress")

    page.goto("/#/query/deposits")
    settle(page)
    every_table_is_named(page, "the deposits")
    page.locator("button[data-testid=deposits-detail]").first.click()
    expect(page.locator("#detail-dialog")).to_be_visible()
    assert_accessible(page, "a record's detail dialog")
    page.locator("#detail-dialog-close").click()

    # 关怀模式: larger type and higher contrast must not break anything either
    page.goto("/#/home")
    settle(page)
    page.locator("#care-toggle").click()
    expect(page.locator("html")).to_have_class("care-mode")
    assert_accessible(page, "home in 关怀模式")
    visit(page, "/#/withdrawals")
    page.locator("#care-toggle").click()


def console_login(page: Page, console: str, username: str) -> None:
    page.goto(f"/console/{console}/login")
    assert_accessible(page, f"the {console} console's login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("Demo123456")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".who")).to_be_visible()


def test_both_staff_consoles_have_no_serious_accessibility_violation(new_context):
    page = new_context().new_page()
    console_login(page, "loans", "officer1")
    assert_accessible(page, "the loans console's queue")
    page.locator("tbody tr a").last.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "a loan case")
    page.get_by_role("link", name="操作记录").first.click()
    expect(page.locator("tbody")).to_be_visible()
    assert_accessible(page, "the loans console's log")

    page = new_context().new_page()
    console_login(page, "withdrawals", "wofficer1")
    assert_accessible(page, "the withdrawals console's queue")
    page.locator("tbody tr a").last.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "a withdrawal case")
