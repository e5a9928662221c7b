"""The hall used by keyboard alone (Tab and Enter through the login form) and on a 360 px wide phone screen
(no horizontal scrolling on the home page, the menu behind its toggle)."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def tab_to(page: Page, element_id: str, most: int = 15) -> None:
    """Press Tab until `element_id` has the focus; fails if it is not reachable that way."""
    for _ in range(most):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    assert focused_id(page) == element_id, f"#{element_id} not reached by Tab (focus is on #{focused_id(page)})"


def assert_no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,"
        " body: document.body.scrollWidth})"
    )
    assert widths["scroll"] <= widths["client"] and widths["body"] <= widths["client"], widths


def test_keyboard_only_login_and_home_at_360_px(new_context, shot):
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto("/#/login")
    expect(page.locator("#page-title")).to_be_focused()  # focus goes to the <h1> after navigation
    expect(page.locator("#login-center option[value=yinchuan]")).to_have_count(1)
    assert_no_horizontal_scroll(page)
    shot(page, "login-360")

    tab_to(page, "login-center")
    for _ in range(10):  # arrow keys move through a closed <select> without a mouse
        if page.locator("#login-center").input_value() == "yinchuan":
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator("#login-center")).to_have_value("yinchuan")
    page.keyboard.press("Tab")
    expect(page.locator("#login-username")).to_be_focused()
    page.keyboard.type("zhangwei01")
    page.keyboard.press("Tab")
    expect(page.locator("#login-password")).to_be_focused()
    page.keyboard.type("Demo123456")
    page.keyboard.press("Enter")

    expect(page.locator("#home-welcome")).to_be_visible()
    expect(page.locator("#user-name")).to_contain_text("张伟")
    expect(page.locator("#page-title")).to_be_focused()
    for tile in ("account", "query", "loans", "withdrawals", "guides"):
        expect(page.locator(f"#tile-{tile}")).to_be_visible()
    expect(page.locator("#branch-list li[data-testid=branch]").first).to_be_visible()
    expect(page.locator("#qr-list")).to_be_visible()
    assert_no_horizontal_scroll(page)
    shot(page, "home-360")

    # on a phone the main menu hides behind its toggle, which opens from the keyboard too
    toggle = page.locator("#nav-toggle")
    expect(toggle).to_be_visible()
    expect(page.locator("#nav-account")).to_be_hidden()
    toggle.focus()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#nav-account")).to_be_visible()
    assert_no_horizontal_scroll(page)
    shot(page, "home-360-menu")
    page.locator("#nav-account").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#account-account-info dd[data-testid=field-balance]")).to_contain_text("元")
    assert_no_horizontal_scroll(page)
    shot(page, "account-360")
