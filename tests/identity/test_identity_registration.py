"""Registration (§2): SMS code against the depositor replica, then the account form; the refusals users meet."""

import pytest


def _send_code(ih, person, purpose="register", **changes):
    return ih.client.post(f"{ih.API}/sms-codes", json={"purpose": purpose, **ih.step1(person, **changes)})


def _register_form(ih, token, **changes):
    return {
        "registration_token": token,
        "username": "LiNa2024",
        "password": "Pass2024",
        "password_confirm": "Pass2024",
        "email": "lina@example.cn",
        "agreed": True,
        **ih.captcha(),
        **changes,
    }


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_register_end_to_end_then_log_in_and_see_masked_profile(identity_hall, mode):
    ih = identity_hall(mode)
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)

    sent = _send_code(ih, ih.LI)
    assert sent.status_code == 202, sent.get_json()
    assert sent.get_json() == {"resend_after": 60, "expires_in": 300}
    request = ih.events("identity.sms.requested")[-1]
    assert request["template"] == "sms_code.register" and request["params"]["valid_minutes"] == 5
    assert request["mobile"] == ih.LI["mobile"] and len(request["params"]["code"]) == 6

    verified = ih.client.post(
        f"{ih.API}/registrations/verify", json={**ih.step1(ih.LI), "sms_code": ih.last_code(ih.LI["mobile"])}
    )
    assert verified.status_code == 200, verified.get_json()
    registered = ih.client.post(
        f"{ih.API}/registrations", json=_register_form(ih, verified.get_json()["registration_token"])
    )
    assert registered.status_code == 201, registered.get_json()
    [event] = ih.events("identity.user.registered")
    assert event["account_no"] == ih.LI_ACCOUNT and event["username"] == "LiNa2024"

    login = ih.log_in("lina2024", "Pass2024", center="wuzhong")  # usernames match in any case
    assert login.status_code == 201, login.get_json()
    me = ih.client.get(f"{ih.API}/me", headers={"Authorization": "Bearer " + login.get_json()["access_token"]})
    assert me.status_code == 200
    profile = me.get_json()
    assert profile["name"] == "李娜" and profile["account_no"] == ih.LI_ACCOUNT
    assert profile["id_number"] == "640302********051X" and profile["mobile"] == "139****0002"


def test_step1_refusals_follow_the_manual(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)

    stranger = _send_code(ih, ih.LI, center="yinchuan")  # she deposits in Wuzhong, not Yinchuan
    assert (stranger.status_code, stranger.get_json()["code"]) == (404, "NOT_A_DEPOSITOR")

    mismatch = _send_code(ih, ih.LI, phone="13995009999")
    assert (mismatch.status_code, mismatch.get_json()["code"]) == (409, "PHONE_MISMATCH")
    assert "介绍信" in mismatch.get_json()["detail"] and "12329" in mismatch.get_json()["detail"]

    not_registered = _send_code(ih, ih.LI, purpose="reset_password")
    assert (not_registered.status_code, not_registered.get_json()["code"]) == (404, "NOT_REGISTERED")

    bad = _send_code(ih, ih.LI, id_number="640302199207200519", phone="12345", center="mars")
    assert bad.status_code == 422 and bad.get_json()["code"] == "UNKNOWN_CENTER"
    assert set(bad.get_json()["errors"]) == {"center", "id_number", "phone"}

    ih.make_user(ih.LI, ih.LI_ACCOUNT, "lina2024")
    again = _send_code(ih, ih.LI)
    assert (again.status_code, again.get_json()["code"]) == (409, "ALREADY_REGISTERED")
    assert ih.events("identity.sms.requested") == []


def test_wrong_sms_codes_count_and_the_fifth_kills_the_code(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    assert _send_code(ih, ih.LI).status_code == 202
    right = ih.last_code(ih.LI["mobile"])
    wrong = "000000" if right != "000000" else "111111"

    answers = [
        ih.client.post(f"{ih.API}/registrations/verify", json={**ih.step1(ih.LI), "sms_code": wrong}).get_json()
        for _ in range(5)
    ]
    assert [a["code"] for a in answers] == ["SMS_CODE_INVALID"] * 4 + ["SMS_CODE_EXPIRED"]
    assert "还可尝试4次" in answers[0]["detail"]
    late = ih.client.post(f"{ih.API}/registrations/verify", json={**ih.step1(ih.LI), "sms_code": right})
    assert late.get_json()["code"] == "SMS_CODE_EXPIRED"


def test_a_code_is_single_use_and_so_is_the_registration_token(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    _send_code(ih, ih.LI)
    body = {**ih.step1(ih.LI), "sms_code": ih.last_code(ih.LI["mobile"])}
    token = ih.client.post(f"{ih.API}/registrations/verify", json=body).get_json()["registration_token"]
    assert ih.client.post(f"{ih.API}/registrations/verify", json=body).get_json()["code"] == "SMS_CODE_EXPIRED"

    assert ih.client.post(f"{ih.API}/registrations", json=_register_form(ih, token)).status_code == 201
    reused = ih.client.post(f"{ih.API}/registrations", json=_register_form(ih, token, username="other01"))
    assert (reused.status_code, reused.get_json()["code"]) == (400, "VERIFICATION_EXPIRED")


def test_step2_refusals(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.LI, ih.LI_ACCOUNT)
    ih.feed_depositor(ih.ZHANG, ih.ZHANG_ACCOUNT)
    _send_code(ih, ih.LI)
    verified = ih.client.post(
        f"{ih.API}/registrations/verify", json={**ih.step1(ih.LI), "sms_code": ih.last_code(ih.LI["mobile"])}
    )
    token = verified.get_json()["registration_token"]

    def refusal(**changes):
        reply = ih.client.post(f"{ih.API}/registrations", json=_register_form(ih, token, **changes))
        return reply.status_code, reply.get_json().get("code")

    assert refusal(username="abc") == (422, "INVALID_USERNAME")
    assert refusal(password="短密码ab") == (422, "INVALID_PASSWORD")
    assert refusal(password_confirm="Other2024") == (422, "PASSWORD_MISMATCH")
    assert refusal(email="not-an-email") == (422, "INVALID_EMAIL")
    assert refusal(agreed=False) == (422, "AGREEMENT_REQUIRED")
    assert refusal(captcha_answer="xxxx") == (400, "CAPTCHA_INVALID")

    # usernames are unique per centre whatever the case; the same name in another centre is fine
    neighbour = {"center": "wuzhong", "id_number": "640302199001010016", "mobile": "13995000003", "name": "王五"}
    ih.make_user(neighbour, "640300000003", "LINA2024")
    ih.make_user(ih.ZHANG, ih.ZHANG_ACCOUNT, "lina2025")
    used = ih.captcha()
    assert refusal(**used) == (409, "USERNAME_TAKEN")
    # a captcha is good for one try only, even a right one
    assert refusal(username="LiNa2025", **used) == (400, "CAPTCHA_INVALID")
    assert refusal(username="LiNa2025") == (201, None)
