"""Revocation at once: logout and password change end the session's access tokens in accounts and loans as soon as
identity.session.revoked arrives (not 15 minutes later), while the person's other logins keep working."""

import pytest

from chassis.testing import wait_until

pytestmark = pytest.mark.slow(seconds=70)

ZHANG = {"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
ACCOUNT, LOANS = "/api/v1/accounts/me/account", "/api/v1/loans/applications"


def _log_in(identity, password: str = "Demo123456") -> str:
    reply = identity.post("/api/v1/identity/sessions", json={**ZHANG, "password": password})
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["access_token"]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _answers(hall, token: str) -> tuple[int, int]:
    accounts = hall.client("accounts").get(ACCOUNT, headers=_bearer(token))
    loans = hall.client("loans").get(LOANS, headers=_bearer(token))
    return accounts.status_code, loans.status_code


def _refused(hall, token: str):
    def check():
        accounts = hall.client("accounts").get(ACCOUNT, headers=_bearer(token))
        loans = hall.client("loans").get(LOANS, headers=_bearer(token))
        if accounts.status_code == loans.status_code == 401:
            return accounts.get_json()["code"], loans.get_json()["code"]
        return None

    return check


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_logout_and_password_change_end_the_tokens_at_once(start_hall, mode):
    hall = start_hall(["accounts", "identity", "loans"], mode=mode)
    hall.seed()
    identity = hall.client("identity")
    first, second, third = _log_in(identity), _log_in(identity), _log_in(identity)
    assert _answers(hall, first) == _answers(hall, second) == (200, 200)

    assert identity.delete("/api/v1/identity/sessions/current", headers=_bearer(first)).status_code == 204
    # identity lists it in the logout's own transaction: refused once its copy of the list is read (≤ 1 s)
    wait_until(
        lambda: identity.get("/api/v1/identity/me", headers=_bearer(first)).status_code == 401,
        timeout=5,
        interval=0.1,
        what="identity refusing the logged-out token",
    )
    codes = wait_until(_refused(hall, first), timeout=20, interval=0.2, what="the logged-out token refused")
    assert codes == ("TOKEN_REVOKED", "TOKEN_REVOKED")
    assert _answers(hall, second) == (200, 200)  # another login of the same person is not touched

    changed = identity.put(
        "/api/v1/identity/me/password",
        json={"old_password": "Demo123456", "new_password": "Zhang2026ok", "new_password_confirm": "Zhang2026ok"},
        headers=_bearer(third),
    )
    assert changed.status_code == 204, changed.get_json()
    wait_until(_refused(hall, second), timeout=20, interval=0.2, what="the other login's token refused")
    assert _answers(hall, third) == (200, 200)  # the login that changed the password stays signed in
    assert _answers(hall, _log_in(identity, "Zhang2026ok")) == (200, 200)
