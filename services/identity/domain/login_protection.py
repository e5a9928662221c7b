"""Login protection (DOMAIN.md): the captcha after 3 failed passwords, a 30-minute lock after 5 within
15 minutes, and a successful login that wipes the slate.

Pure functions over the account's recent attempts. Only a wrong password counts as a failure: an attempt
refused because the account was locked or the captcha was missing or wrong never reached the password,
so it neither counts nor stretches a lock (otherwise anyone could keep a stranger's account locked).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.identity.domain.errors import IdentityError


class AttemptResult(StrEnum):
    SUCCEEDED = "succeeded"
    BAD_PASSWORD = "bad_password"
    LOCKED = "locked"
    CAPTCHA_REQUIRED = "captcha_required"
    CAPTCHA_INVALID = "captcha_invalid"


@dataclass(frozen=True)
class LoginAttempt:
    at: datetime
    result: AttemptResult


@dataclass(frozen=True)
class LoginProtectionPolicy:
    captcha_after_failures: int = 3
    lock_after_failures: int = 5
    failure_window: timedelta = timedelta(minutes=15)
    lock_duration: timedelta = timedelta(minutes=30)
    # Failures older than this no longer ask for the captcha, so a slip last month does not follow the user.
    captcha_memory: timedelta = timedelta(days=1)


DEFAULT_POLICY = LoginProtectionPolicy()


@dataclass(frozen=True)
class LoginGate:
    failures: int  # wrong passwords since the last success, within the captcha memory
    captcha_required: bool
    locked_until: datetime | None  # None when not locked at the time asked

    def retry_after(self, now: datetime) -> int:
        if self.locked_until is None:
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


def history_since(now: datetime, policy: LoginProtectionPolicy = DEFAULT_POLICY) -> datetime:
    """How far back `assess` needs the attempts."""
    return now - max(policy.failure_window + policy.lock_duration, policy.captcha_memory)


def assess(
    attempts: Sequence[LoginAttempt], now: datetime, policy: LoginProtectionPolicy = DEFAULT_POLICY
) -> LoginGate:
    """Where the account stands at `now`: locked (until when), captcha needed, or free."""
    failures = _failures_since_last_success([a for a in attempts if a.at <= now])
    locked_until = _lock_end(failures, policy)
    remembered = [at for at in failures if at > now - policy.captcha_memory]
    return LoginGate(
        failures=len(remembered),
        captcha_required=len(remembered) >= policy.captcha_after_failures,
        locked_until=locked_until if locked_until is not None and now < locked_until else None,
    )


def failure_locks_account(
    attempts: Sequence[LoginAttempt], failed_at: datetime, policy: LoginProtectionPolicy = DEFAULT_POLICY
) -> bool:
    """Does this wrong password lock the account? (The moment to publish `identity.user.locked`.)"""
    before = assess(attempts, failed_at, policy)
    after = assess([*attempts, LoginAttempt(failed_at, AttemptResult.BAD_PASSWORD)], failed_at, policy)
    return before.locked_until is None and after.locked_until is not None


def attempts_left(
    attempts: Sequence[LoginAttempt], now: datetime, policy: LoginProtectionPolicy = DEFAULT_POLICY
) -> int:
    """Wrong passwords still allowed before the account locks: the failures since the last success within the
    window count against `lock_after_failures`."""
    failures = _failures_since_last_success([a for a in attempts if a.at <= now])
    recent = [at for at in failures if at > now - policy.failure_window]
    return max(0, policy.lock_after_failures - len(recent))


def ensure_may_try_password(gate: LoginGate, now: datetime, *, captcha_given: bool) -> None:
    """Refuse before the password is looked at: ACCOUNT_LOCKED, then CAPTCHA_REQUIRED. The captcha's
    answer itself is checked by the caller (CAPTCHA_INVALID) before the password."""
    if gate.locked_until is not None:
        wait = gate.retry_after(now)
        raise IdentityError(
            "ACCOUNT_LOCKED",
            f"密码错误次数过多，账号已被临时锁定，请{math.ceil(wait / 60)}分钟后再试。",
            retry_after=wait,
        )
    if gate.captcha_required and not captcha_given:
        raise IdentityError("CAPTCHA_REQUIRED", field="captcha_answer")


def _failures_since_last_success(attempts: Sequence[LoginAttempt]) -> list[datetime]:
    ordered = sorted(attempts, key=lambda attempt: attempt.at)
    failures: list[datetime] = []
    for attempt in ordered:
        if attempt.result == AttemptResult.SUCCEEDED:
            failures.clear()
        elif attempt.result == AttemptResult.BAD_PASSWORD:
            failures.append(attempt.at)
    return failures


def _lock_end(failures: list[datetime], policy: LoginProtectionPolicy) -> datetime | None:
    """The latest lock any run of `lock_after_failures` failures within the window set off."""
    needed = policy.lock_after_failures
    lock_end = None
    for last in range(needed - 1, len(failures)):
        if failures[last] - failures[last - needed + 1] <= policy.failure_window:
            lock_end = failures[last] + policy.lock_duration
    return lock_end
