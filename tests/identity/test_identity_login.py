"""Login (§4): one answer for every wrong part, the captcha after 3 failures, the lock after 5, the record."""

import argon2
import jwt
import pytest
from sqlalchemy import select

from services.identity.models import LoginAttempt


@pytest.fixture
def zhang(identity_hall):
    ih = identity_hall()
    ih.feed_depositor(ih.ZHANG, ih.ZHANG_ACCOUNT)
    ih.make_user(ih.ZHANG, ih.ZHANG_ACCOUNT, "zhangwei01")
    return ih


@pytest.fixture
def argon2_verifications(monkeypatch) -> list[str]:
    """The parameters (`m=…,t=…,p=…`) of every argon2id verification this process makes, in order; each still runs."""
    seen: list[str] = []
    real_verify = argon2.PasswordHasher.verify

    def verify(hasher, stored_hash, password):
        seen.append(stored_hash.split("$")[3])
        return real_verify(hasher, stored_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    return seen


def test_wrong_username_centre_or_password_get_the_same_answer_for_the_same_work(zhang, argon2_verifications):
    wrong_parts = {
        "password": lambda: zhang.log_in("zhangwei01", "WrongPass1"),
        "username": lambda: zhang.log_in("nobody0001", "Secret123"),
        "centre": lambda: zhang.log_in("zhangwei01", "Secret123", center="wuzhong"),
    }
    work = {part: [] for part in wrong_parts}
    answers = set()
    for _ in range(2):  # 6 failures per name would lock; 2 rounds stay under the captcha threshold
        for part, call in wrong_parts.items():
            before = len(argon2_verifications)
            reply = call()
            body = reply.get_json()
            answers.add((reply.status_code, body["code"], body["detail"], body["remaining_attempts"]))
            work[part].extend(argon2_verifications[before:])
    # the same answer whichever part was wrong; each try tells how many remain before the lock
    assert answers == {
        (401, "BAD_CREDENTIALS", "用户名或密码错误，再输错4次账号将被临时锁定。", 4),
        (401, "BAD_CREDENTIALS", "用户名或密码错误，再输错3次账号将被临时锁定。", 3),
    }
    # and the same work, so the time does not tell either: every try is one argon2id verification, all at one cost
    # (an unknown name or centre is checked against a throwaway hash made with the current parameters)
    assert {part: len(verifications) for part, verifications in work.items()} == {part: 2 for part in wrong_parts}
    assert len(set(argon2_verifications)) == 1, argon2_verifications


def test_captcha_after_three_failures_then_lock_after_five(zhang):
    for _ in range(3):
        assert zhang.log_in("zhangwei01", "WrongPass1").get_json()["code"] == "BAD_CREDENTIALS"
    needs = zhang.log_in("zhangwei01", "Secret123")
    assert (needs.status_code, needs.get_json()["code"]) == (428, "CAPTCHA_REQUIRED")
    wrong_captcha = zhang.log_in(
        "zhangwei01", "Secret123", captcha_id=zhang.captcha()["captcha_id"], captcha_answer="0"
    )
    assert wrong_captcha.get_json()["code"] == "CAPTCHA_INVALID"

    assert zhang.log_in("zhangwei01", "WrongPass1", **zhang.captcha()).get_json()["code"] == "BAD_CREDENTIALS"
    fifth = zhang.log_in("zhangwei01", "WrongPass1", **zhang.captcha())
    assert (fifth.status_code, fifth.get_json()["code"]) == (423, "ACCOUNT_LOCKED")
    assert 1790 <= fifth.get_json()["retry_after"] <= 1800 and "30分钟" in fifth.get_json()["detail"]
    [locked] = zhang.events("identity.user.locked")
    assert locked["center"] == "yinchuan" and locked["account_no"] == zhang.ZHANG_ACCOUNT

    # even the right password waits out the lock, and the refusals do not stretch it
    still = zhang.log_in("zhangwei01", "Secret123", **zhang.captcha())
    assert still.get_json()["code"] == "ACCOUNT_LOCKED"
    assert len(zhang.events("identity.user.locked")) == 1

    with zhang.runtime.db.transaction() as session:
        rows = session.execute(select(LoginAttempt.result, LoginAttempt.ip, LoginAttempt.at)).all()
    assert [row.result for row in rows] == [
        "bad_password",
        "bad_password",
        "bad_password",
        "captcha_required",
        "captcha_invalid",
        "bad_password",
        "bad_password",
        "locked",
    ]
    assert all(row.ip and row.at for row in rows)
    assert "password" not in {column.name for column in LoginAttempt.__table__.columns}


def test_a_lock_ends_the_sessions_of_the_account(zhang):
    grant = zhang.log_in("zhangwei01", "Secret123").get_json()
    for _ in range(3):
        zhang.log_in("zhangwei01", "WrongPass1")
    for _ in range(2):
        last = zhang.log_in("zhangwei01", "WrongPass1", **zhang.captcha())
    assert last.get_json()["code"] == "ACCOUNT_LOCKED"
    [revoked] = zhang.events("identity.session.revoked")
    assert revoked["sid"] == jwt.decode(grant["access_token"], options={"verify_signature": False})["sid"]
    refreshed = zhang.client.post(f"{zhang.API}/sessions/refresh", json={"refresh_token": grant["refresh_token"]})
    assert refreshed.status_code == 401


def test_unknown_usernames_are_throttled_like_real_ones(zhang):
    for _ in range(3):
        zhang.log_in("nobody0001", "WrongPass1")
    assert zhang.log_in("nobody0001", "WrongPass1").get_json()["code"] == "CAPTCHA_REQUIRED"


def test_a_success_clears_the_failures(zhang):
    for _ in range(2):
        zhang.log_in("zhangwei01", "WrongPass1")
    assert zhang.log_in("zhangwei01", "Secret123").status_code == 201
    for _ in range(2):
        zhang.log_in("zhangwei01", "WrongPass1")
    assert zhang.log_in("zhangwei01", "Secret123").status_code == 201


def test_staff_log_in_and_get_their_roles(identity_hall):
    import jwt

    ih = identity_hall()
    from services.identity.cases.staff import save_staff

    with ih.runtime.db.transaction() as session:
        save_staff(
            session,
            ih.runtime.config,
            username="approver1",
            name="陈明",
            center="yinchuan",
            roles=["loan_approver"],
            password="Demo123456",
        )
    reply = ih.client.post(f"{ih.API}/staff-sessions", json={"username": "Approver1", "password": "Demo123456"})
    assert reply.status_code == 201
    claims = jwt.decode(reply.get_json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == "staff:approver1" and claims["roles"] == ["loan_approver"] and claims["name"] == "陈明"
    wrong = ih.client.post(f"{ih.API}/staff-sessions", json={"username": "approver1", "password": "Wrong12345"})
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "BAD_CREDENTIALS")
    # a staff token is not a depositor's: /me refuses it
    me = ih.client.get(f"{ih.API}/me", headers={"Authorization": "Bearer " + reply.get_json()["access_token"]})
    assert me.status_code == 403
