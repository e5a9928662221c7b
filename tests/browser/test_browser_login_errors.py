"""Errors where the user looks: three wrong passwords bring the captcha, and a problem+json's field errors
appear beside their field (`[data-error-for=...]`, aria-invalid) with the detail in the form's summary."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.hall_steps import dev_captcha_answer

pytestmark = pytest.mark.browser


def submit_login(page: Page, password: str) -> None:
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    expect(page.locator("#login-submit")).to_be_enabled()
    expect(page.locator("#login-form > .form-error")).not_to_be_empty()


def test_three_wrong_passwords_show_the_captcha(new_context, shot):
    page = new_context().new_page()
    page.goto("/#/login")
    page.locator("#login-center").select_option("yinchuan")
    page.locator("#login-username").fill("zhangwei01")
    captcha = page.locator("#login-captcha-answer")

    for attempt in range(3):
        submit_login(page, f"Wrong{attempt}pass")
        expect(page.locator("#login-form > .form-error")).to_contain_text("用户名或密码错误")
        # how many tries remain before the lock (5 wrong passwords lock the account)
        expect(page.locator("#login-form > .form-error")).to_contain_text(f"再输错{4 - attempt}次账号将被临时锁定")
        expect(captcha).to_be_hidden()
    shot(page, "wrong-password")

    # after three failures the service answers 428 CAPTCHA_REQUIRED and the page shows the captcha
    submit_login(page, "Wrong3pass")
    expect(captcha).to_be_visible()
    expect(captcha).to_be_focused()
    expect(page.locator('[data-error-for="captcha_answer"]')).to_contain_text("请输入图形验证码")
    expect(captcha).to_have_attribute("aria-invalid", "true")
    shot(page, "captcha-required")

    # a wrong captcha answer is a field error beside the captcha, not a password failure
    captcha.fill("zzzz")
    submit_login(page, "Demo123456")
    expect(page.locator('[data-error-for="captcha_answer"]')).to_contain_text("图形验证码错误")
    shot(page, "captcha-wrong")

    captcha.fill(dev_captcha_answer(page, "#login-captcha-image"))
    page.locator("#login-password").fill("Demo123456")
    page.locator("#login-submit").click()
    expect(page.locator("#home-welcome")).to_be_visible()


def test_service_field_errors_appear_beside_the_field(new_context, shot):
    page = new_context().new_page()
    page.goto("/#/register")
    page.locator("#reg-center").select_option("yinchuan")
    page.locator("#reg-id-number").fill("640105198506153219")  # 张伟, whose reserved mobile is 13895000001
    page.locator("#reg-phone").fill("13800000000")
    with page.expect_response(lambda reply: reply.url.endswith("/api/v1/identity/sms-codes")) as answer:
        page.locator("#reg-send-sms").click()
    problem = answer.value
    assert problem.status == 409 and problem.headers["content-type"].startswith("application/problem+json")
    assert problem.json()["errors"]["phone"], problem.json()
    phone_error = page.locator('[data-error-for="phone"]')
    expect(phone_error).to_contain_text("手机号码与身份证号不匹配")
    expect(page.locator("#reg-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#reg-step1-form > .form-error")).to_contain_text("12329")
    expect(page.locator("#reg-send-sms")).to_have_text("发送验证码")  # no countdown: nothing was sent
    shot(page, "register-phone-error")
