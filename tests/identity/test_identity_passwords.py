"""Password recovery (§3) and change (§6.2): who may, and which sessions survive."""

import jwt
import pytest


def _bearer(grant):
    return {"Authorization": "Bearer " + grant["access_token"]}


def _refreshes(ih, grant) -> bool:
    reply = ih.client.post(f"{ih.API}/sessions/refresh", json={"refresh_token": grant["refresh_token"]})
    return reply.status_code == 201


@pytest.fixture
def zhang(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.ZHANG, ih.ZHANG_ACCOUNT)
    ih.make_user(ih.ZHANG, ih.ZHANG_ACCOUNT, "zhangwei01")
    return ih


def test_recovery_resets_the_password_and_ends_every_session(zhang):
    ih = zhang
    grant = ih.log_in("zhangwei01").get_json()
    sent = ih.client.post(f"{ih.API}/sms-codes", json={"purpose": "reset_password", **ih.step1(ih.ZHANG)})
    assert sent.status_code == 202
    assert ih.events("identity.sms.requested")[-1]["template"] == "sms_code.reset_password"
    code = ih.last_code(ih.ZHANG["mobile"], "reset_password")
    verified = ih.client.post(f"{ih.API}/password-resets/verify", json={**ih.step1(ih.ZHANG), "sms_code": code})
    token = verified.get_json()["reset_token"]

    def reset(**changes):
        body = {
            "reset_token": token,
            "username": "zhangwei01",
            "new_password": "NewPass99",
            "new_password_confirm": "NewPass99",
            **ih.captcha(),
            **changes,
        }
        return ih.client.post(f"{ih.API}/password-resets", json=body)

    assert reset(username="someone01").get_json()["code"] == "ACCOUNT_MISMATCH"
    assert reset(new_password_confirm="Other999").get_json()["code"] == "PASSWORD_MISMATCH"
    assert reset().status_code == 200
    assert reset().get_json()["code"] == "VERIFICATION_EXPIRED"
    [event] = ih.events("identity.password.reset")
    assert event["account_no"] == ih.ZHANG_ACCOUNT
    assert not _refreshes(ih, grant)
    # the services refuse the session's access token at once, until it would have expired anyway
    [revoked] = ih.events("identity.session.revoked")
    assert revoked["sid"] == jwt.decode(grant["access_token"], options={"verify_signature": False})["sid"]
    assert ih.log_in("zhangwei01", "Secret123").status_code == 401
    assert ih.log_in("zhangwei01", "NewPass99").status_code == 201


def test_change_password_checks_the_old_one_and_ends_the_other_sessions(zhang):
    ih = zhang
    here = ih.log_in("zhangwei01").get_json()
    elsewhere = ih.log_in("zhangwei01").get_json()

    def change(**changes):
        body = {
            "old_password": "Secret123",
            "new_password": "Fresh2025",
            "new_password_confirm": "Fresh2025",
            **changes,
        }
        return ih.client.put(f"{ih.API}/me/password", json=body, headers=_bearer(here))

    assert change(old_password="Wrong0000").get_json()["code"] == "OLD_PASSWORD_WRONG"
    assert change(new_password="Secret123", new_password_confirm="Secret123").get_json()["code"] == "PASSWORD_UNCHANGED"
    assert change(new_password="ab").get_json()["code"] == "INVALID_PASSWORD"
    assert ih.client.put(f"{ih.API}/me/password", json={}).status_code == 401
    assert change().status_code == 204
    [event] = ih.events("identity.password.changed")
    assert event["center"] == "yinchuan"
    assert _refreshes(ih, here) and not _refreshes(ih, elsewhere)
    assert ih.log_in("zhangwei01", "Fresh2025").status_code == 201
