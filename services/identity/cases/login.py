"""Logging in: depositors by centre + username + password, staff by username + password.

Every attempt is recorded (time, IP, result, never the password). Whatever was wrong — the centre, the
username or the password — the answer is the same BAD_CREDENTIALS after the same argon2 work. The outcome
is returned, not raised, so the attempt row commits with it.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import metrics
from chassis.bus import publish
from services.identity.cases.keys import KeyRing
from services.identity.cases.sessions import Grant, depositor_claims, revoke_subject, staff_claims, start_session
from services.identity.cases.users import password_hasher
from services.identity.cases.verification import check_captcha
from services.identity.config import IdentityConfig
from services.identity.domain import login_protection as protection
from services.identity.domain.credentials import username_key
from services.identity.domain.errors import IdentityError
from services.identity.events import USER_LOCKED
from services.identity.models import LoginAttempt, StaffUser, User

STAFF_CENTER = "staff"  # staff attempts are throttled under their own key space


@dataclass(frozen=True)
class LoginRequest:
    center: str
    username: str
    password: str
    captcha_id: str | None
    captcha_answer: str | None
    ip: str


def _history(session: Session, center: str, key: str, now: datetime) -> list[protection.LoginAttempt]:
    rows = session.execute(
        select(LoginAttempt.at, LoginAttempt.result).where(
            LoginAttempt.center == center,
            LoginAttempt.username_key == key,
            LoginAttempt.at >= protection.history_since(now),
        )
    ).all()
    return [protection.LoginAttempt(at, protection.AttemptResult(result)) for at, result in rows]


def _record(session: Session, request: LoginRequest, center: str, key: str, user_id, result, now) -> None:
    metrics.logins.labels("staff" if center == STAFF_CENTER else "depositor", result).inc()
    session.add(
        LoginAttempt(center=center, username_key=key, user_id=user_id, at=now, ip=request.ip[:64], result=result)
    )


def log_in(
    session: Session, config: IdentityConfig, keys: KeyRing, request: LoginRequest, now: datetime, *, staff: bool
) -> Grant | IdentityError:
    center = STAFF_CENTER if staff else request.center
    key = username_key(request.username or "")[:64]
    account: User | StaffUser | None
    if staff:
        account = session.scalar(select(StaffUser).where(StaffUser.username == key).with_for_update())
        if account is not None and not account.active:
            account = None
    else:
        account = session.scalar(select(User).where(User.center == center, User.username_key == key).with_for_update())
    user_id = account.id if account is not None else None
    attempts = _history(session, center, key, now)
    gate = protection.assess(attempts, now)
    captcha_given = bool(request.captcha_id and request.captcha_answer)
    try:
        protection.ensure_may_try_password(gate, now, captcha_given=captcha_given)
    except IdentityError as refusal:
        result = "locked" if refusal.code == "ACCOUNT_LOCKED" else "captcha_required"
        _record(session, request, center, key, user_id, result, now)
        return refusal
    if gate.captcha_required:
        wrong_captcha = check_captcha(session, config, request.captcha_id, request.captcha_answer, now)
        if wrong_captcha is not None:
            _record(session, request, center, key, user_id, "captcha_invalid", now)
            return wrong_captcha

    hasher = password_hasher(config)
    stored_hash = account.password_hash if account is not None else None
    if not hasher.verify(stored_hash, request.password or ""):
        _record(session, request, center, key, user_id, "bad_password", now)
        if protection.failure_locks_account(attempts, now):
            locked_until = now + protection.DEFAULT_POLICY.lock_duration
            metrics.lockouts.labels("staff" if staff else "depositor").inc()
            if isinstance(account, User):
                # a locked account's logins end too: their access tokens are refused at once
                revoke_subject(session, account.id, now, config.access_token_seconds)
                publish(
                    session,
                    USER_LOCKED,
                    {
                        "user_id": account.id,
                        "center": account.center,
                        "account_no": account.account_no,
                        "locked_until": locked_until,
                    },
                )
            gate = protection.assess(
                [*attempts, protection.LoginAttempt(now, protection.AttemptResult.BAD_PASSWORD)], now
            )
            try:
                protection.ensure_may_try_password(gate, now, captcha_given=True)
            except IdentityError as locked:
                return locked
        failed = [*attempts, protection.LoginAttempt(now, protection.AttemptResult.BAD_PASSWORD)]
        left = protection.attempts_left(failed, now)
        # how many tries remain before the lock, so the user can stop and reset the password in time
        return IdentityError(
            "BAD_CREDENTIALS",
            f"用户名或密码错误，再输错{left}次账号将被临时锁定。",
            extra={"remaining_attempts": left},
        )

    _record(session, request, center, key, user_id, "succeeded", now)
    if hasher.needs_rehash(account.password_hash):
        account.password_hash = hasher.hash(request.password)
    claims = staff_claims(account) if staff else depositor_claims(session, account)
    return start_session(session, keys, config, claims, now)
