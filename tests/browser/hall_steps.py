"""Steps the browser tests share: the staff console's login and case steps, the dev SMS inbox, the dev captcha
answer, and money read as the pages show it."""

import re
import time
from datetime import datetime
from decimal import Decimal

from playwright.sync_api import Page, expect

SMS_CODE = re.compile(r"验证码(\d{6})")


def wait_for_sms_code(page: Page, phone: str, purpose_words: str, sent_after: float, timeout: float = 10.0) -> str:
    """The newest code texted to `phone` whose text mentions `purpose_words` (e.g. "注册"), read from the dev
    inbox through the page's own request context; waits until it arrives."""
    deadline = time.monotonic() + timeout
    while True:
        reply = page.request.get("/api/v1/notifications/dev/sms", params={"phone": phone})
        assert reply.ok, f"dev SMS inbox answered {reply.status}: {reply.text()[:200]}"
        for item in reply.json()["items"]:  # newest first
            match = SMS_CODE.search(item["body"])
            if match and purpose_words in item["body"] and _epoch(item["received_at"]) >= sent_after - 1:
                return match.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no {purpose_words} SMS code reached the dev inbox of {phone} in {timeout}s")
        time.sleep(0.2)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def dev_captcha_answer(page: Page, image_selector: str) -> str:
    """The captcha's answer the development server hands the page in `data-dev-answer`."""
    image = page.locator(f"{image_selector}[data-dev-answer]")
    expect(image).to_have_count(1)
    return image.get_attribute("data-dev-answer")


def money_of(text: str) -> Decimal:
    """ "50,626.46 元" → Decimal("50626.46")."""
    match = re.search(r"-?[\d,]+\.\d{2}", text)
    assert match, f"no money figure in {text!r}"
    return Decimal(match.group(0).replace(",", ""))


def console_login(page: Page, username: str, password: str = "Demo123456") -> None:
    """Log in to the loans console through its own form (a staff session in this context only)."""
    page.goto("/console/loans/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("待办业务")


def console_step(page: Page, application_id: str, target: str, opinion: str | None = None) -> None:
    """Open the case and press the button of the step into `target`; the console must answer 办理成功."""
    page.goto(f"/console/loans/applications/{application_id}")
    form = page.locator(f'form:has(input[name="to"][value="{target}"])')
    expect(form, f"the console offers no step into {target}").to_have_count(1)
    for box in form.locator('input[name="materials"]').all():  # 受理: the counter officer ticks each material
        box.check()
    if opinion:
        form.locator('input[name="opinion"]').fill(opinion)
    form.get_by_role("button").click()
    error = page.locator(".msg.error")
    expect(page.locator(".msg.ok[role=status]").or_(error)).to_be_visible()
    assert not error.is_visible(), f"console refused the step into {target}: {error.inner_text()}"
    expect(page.locator(".msg.ok[role=status]")).to_have_text("办理成功")


ZHANG = {"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}


def log_in_zhang(page: Page) -> None:
    """张伟 logs in to the hall (the seeded depositor with a loan) and sees his home page."""
    page.goto("/#/login")
    page.locator("#login-center").select_option(ZHANG["center"])
    page.locator("#login-username").fill(ZHANG["username"])
    page.locator("#login-password").fill(ZHANG["password"])
    page.locator("#login-submit").click()
    expect(page.locator("#home-welcome")).to_be_visible()
