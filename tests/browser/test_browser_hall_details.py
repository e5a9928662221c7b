"""The hall's details a depositor trips over (issue 19, Fix): a refused booking keeps its reason and the chosen
slot on screen, and more checks of the same kind below."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from chassis import clock
from tests.browser.hall_steps import ZHANG, log_in_zhang
from tests.browser.test_browser_hall_journey import _open_slot_on_next_working_day

pytestmark = pytest.mark.browser


def choose_booking(page: Page, reason: str) -> str:
    """Fills the booking form up to a free slot and chooses it; returns the slot's start ("09:00")."""
    page.goto("/#/withdrawals/mine")  # a fresh form: the same address again would keep the last one
    page.locator("#subnav-appointment").click()
    page.locator("#appt-reason").select_option(reason)
    expect(page.locator("#appt-center")).to_have_value(ZHANG["center"])
    page.locator("#appt-branch").select_option("yinchuan-01")
    slot = _open_slot_on_next_working_day(page)
    slot.locator("label").click()
    return slot.get_attribute("data-start")


def test_a_refused_booking_keeps_the_reason_and_the_chosen_slot(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    choose_booking(page, "06")
    page.locator("#appt-submit").click()
    expect(page.locator("#appt-success")).to_contain_text("预约成功")

    # the same withdrawal booked again: the service refuses it (409 APPOINTMENT_EXISTS)
    start = choose_booking(page, "06")
    with page.expect_response(
        lambda r: r.url.endswith("/withdrawals/appointments") and r.request.method == "POST"
    ) as answer:
        page.locator("#appt-submit").click()
    assert answer.value.status == 409, answer.value.text()
    summary = page.locator("#appt-form > .form-error")
    expect(summary).to_contain_text("您已预约办理")
    # the slots are reloaded (places may have changed) without wiping the message or the choice
    expect(page.locator(f'#appt-slots [data-start="{start}"] input[type=radio]')).to_be_checked()
    page.wait_for_timeout(300)  # the reload has landed: the message must still be there
    expect(summary).to_contain_text("您已预约办理")
    expect(page.locator(f'#appt-slots [data-start="{start}"] input[type=radio]')).to_be_checked()
    shot(page, "booking-refused")


def test_every_card_field_checks_the_one_card_rule_in_the_same_words(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    for path, card, submit in (
        ("/#/withdrawals/apply", "#wd-bank-card", "#wd-submit"),
        ("/#/loans/apply", "#loan-card", "#loan-submit"),
    ):
        page.goto(path)
        error = page.locator(f"{card}-error")
        page.locator(card).fill("6222 0212 3456 7890 123")  # one digit off: the check digit fails
        page.locator(submit).click()
        expect(error).to_have_text("银行卡号校验位不正确，请核对卡号")
        page.locator(card).fill("622202123456")
        page.locator(submit).click()
        expect(error).to_have_text("银行卡号应为16至19位数字")
        page.locator(card).fill("6222 0212 3456 7890 128")  # the loans demo's card passes everywhere
        page.locator(submit).click()
        expect(page.locator(card)).not_to_have_attribute("aria-invalid", "true")
        expect(error).to_be_empty()
        shot(page, path.rsplit("/", 2)[-2])


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_business_numbers_are_shown_never_an_internal_id(new_context, shot):
    page = new_context().new_page()
    log_in_zhang(page)
    page.goto("/#/loans")
    page.locator("[data-testid=loan-detail]").first.click()
    fields = page.locator("#loan-fields")
    expect(fields).to_contain_text("申请编号")
    expect(page.locator("#loan-fields [data-testid=field-application_no]")).to_have_text(re.compile(r"^DK\d{14}$"))
    assert not UUID.search(fields.inner_text()), fields.inner_text()
    shot(page, "loan-detail")

    # 张伟's rent withdrawal paid at the counter: its ledger reference (counter-…) is the ledger's own
    from_day = (clock.today() - timedelta(days=3 * 365)).isoformat()
    page.goto(f"/#/query/withdrawals?from={from_day}&to={clock.today().isoformat()}")
    page.locator("[data-testid=withdrawals-detail]").first.click()
    detail = page.locator("#detail-fields")
    expect(detail).to_contain_text("5,400.00")
    text = detail.inner_text()
    assert "counter-" not in text and not UUID.search(text), text
    shot(page, "withdrawal-record")


def test_the_calculator_logged_out_says_no_null_and_an_error_hides_the_old_result(new_context, shot):
    page = new_context().new_page()
    page.goto("/#/loans/calculator")
    page.locator("#calc-amount").fill("300000")
    page.locator("#calc-term").fill("360")
    page.locator("#calc-submit").click()
    expect(page.locator("#calc-result")).to_be_visible()
    expect(page.locator("#calc-rates-table")).to_be_visible()
    assert "null" not in page.locator("body").inner_text()
    shot(page, "calculator-logged-out")

    page.locator("#calc-amount").fill("12")
    page.locator("#calc-submit").click()
    expect(page.locator('[data-error-for="amount"]')).to_contain_text("贷款金额须为")
    expect(page.locator("#calc-result")).to_be_hidden()


def test_a_page_past_the_last_shows_the_last(new_context):
    page = new_context().new_page()
    log_in_zhang(page)
    page.goto("/#/query/deposits?page=999")
    info = page.locator("#deposits-pager-info")
    expect(info).to_have_text(re.compile(r"^第 (\d+) / \1 页"))
    expect(page.locator("#deposits-table tr[data-testid=row]").first).to_be_visible()


def test_an_address_outside_the_hall_gets_its_chinese_404_page(new_context):
    page = new_context().new_page()
    reply = page.goto("/no/such/page")
    assert reply.status == 404 and reply.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    expect(page.locator("#not-found-home")).to_have_attribute("href", "/")
    api = page.request.get("/no/such/file.js", headers={"Accept": "application/json"})
    assert api.status == 404 and api.headers["content-type"].startswith("application/problem+json")


def test_times_are_china_time_whatever_the_browsers_zone(new_context):
    page = new_context(timezone_id="America/New_York").new_page()
    page.goto("/#/loans/calculator")
    shown = page.evaluate(
        """async () => {
          const f = await import('/app/format.js');
          return [f.dateTime('2026-03-05T16:30:00Z'), f.date('2026-03-05T16:30:00Z')];
        }"""
    )
    assert shown == ["2026-03-06 00:30", "2026-03-06"]


def test_care_mode_enlarges_the_hall_and_is_remembered(new_context, shot):
    page = new_context().new_page()
    page.goto("/#/home")
    toggle = page.locator("#care-toggle")
    root_size = "() => getComputedStyle(document.documentElement).fontSize"
    assert page.evaluate(root_size) == "16px"
    toggle.click()
    expect(page.locator("html")).to_have_class(re.compile(r"\bcare-mode\b"))
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(root_size) == "20px"
    shot(page, "care-mode")
    page.reload()
    expect(page.locator("html")).to_have_class(re.compile(r"\bcare-mode\b"))
    expect(page.locator("#care-toggle")).to_have_text("退出关怀模式")
    page.locator("#care-toggle").click()
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bcare-mode\b"))
    assert page.evaluate(root_size) == "16px"
