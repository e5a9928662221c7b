"""Registration end to end across services: accounts publishes the depositor, identity checks the mobile and
asks for a code, notifications delivers it to the (development) SMS inbox, and the person registers and logs in."""

import re

import pytest

from chassis.testing import wait_until

pytestmark = pytest.mark.slow(seconds=50)

LI_NA = {"center": "wuzhong", "id_number": "64030219920720051X", "phone": "13995000002"}


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_li_na_registers_with_the_code_the_notifications_service_delivered(start_hall, mode):
    hall = start_hall(["accounts", "identity", "notifications"], mode=mode)
    hall.seed()
    identity, notifications = hall.client("identity"), hall.client("notifications")

    def code_requested():
        reply = identity.post("/api/v1/identity/sms-codes", json={"purpose": "register", **LI_NA})
        # identity learns of 李娜 from accounts' event: until then she is not (yet) a known depositor
        return reply if reply.status_code == 202 else None

    wait_until(code_requested, timeout=30, interval=0.5, what="identity to know 李娜 from accounts' event")

    def delivered_code():
        texts = notifications.get("/api/v1/notifications/dev/sms?phone=13995000002").get_json()["items"]
        codes = [re.search(r"(?<!\d)(\d{6})(?!\d)", text["body"]) for text in texts if "验证码" in text["body"]]
        return next((match.group(1) for match in codes if match), None)

    code = wait_until(delivered_code, timeout=30, interval=0.2, what="the SMS code in the dev inbox")
    verified = identity.post("/api/v1/identity/registrations/verify", json={**LI_NA, "sms_code": code})
    assert verified.status_code == 200, verified.get_json()
    captcha = identity.post("/api/v1/identity/captchas").get_json()
    registered = identity.post(
        "/api/v1/identity/registrations",
        json={
            "registration_token": verified.get_json()["registration_token"],
            "username": "lina2026",
            "password": "Lina2026ok",
            "password_confirm": "Lina2026ok",
            "captcha_id": captcha["captcha_id"],
            "captcha_answer": captcha["dev_answer"],
            "agreed": True,
        },
    )
    assert registered.status_code == 201, registered.get_json()
    login = identity.post(
        "/api/v1/identity/sessions", json={"center": "wuzhong", "username": "lina2026", "password": "Lina2026ok"}
    )
    assert login.status_code == 201, login.get_json()
    token = login.get_json()["access_token"]
    me = identity.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["id_number"] == "640302********051X"
    # and her own account, from the accounts service, with the same token
    account = hall.client("accounts").get("/api/v1/accounts/me/account", headers={"Authorization": f"Bearer {token}"})
    assert account.status_code == 200, account.get_json()
    assert account.get_json()["account_no"] == "640300000002"
