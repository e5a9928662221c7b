"""Login protection: captcha after 3 failures, a 30-minute lock after 5 within 15 minutes."""

from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.errors import IdentityError
from services.identity.domain.login_protection import (
    AttemptResult,
    LoginAttempt,
    LoginProtectionPolicy,
    assess,
    ensure_may_try_password,
    failure_locks_account,
    history_since,
)

T0 = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
BAD = AttemptResult.BAD_PASSWORD


def failures(*minutes):
    return [LoginAttempt(T0 + timedelta(minutes=m), BAD) for m in minutes]


def test_two_failures_do_not_ask_for_the_captcha():
    gate = assess(failures(0, 1), T0 + timedelta(minutes=2))
    assert (gate.failures, gate.captcha_required, gate.locked_until) == (2, False, None)


def test_third_failure_asks_for_the_captcha():
    gate = assess(failures(0, 1, 2), T0 + timedelta(minutes=3))
    assert (gate.failures, gate.captcha_required, gate.locked_until) == (3, True, None)


def test_five_failures_within_15_minutes_lock_for_30_minutes_from_the_fifth():
    gate = assess(failures(0, 3, 6, 9, 12), T0 + timedelta(minutes=13))
    assert gate.locked_until == T0 + timedelta(minutes=42)
    assert gate.retry_after(T0 + timedelta(minutes=13)) == 29 * 60


def test_five_failures_exactly_15_minutes_apart_still_lock():
    assert assess(failures(0, 4, 8, 12, 15), T0 + timedelta(minutes=16)).locked_until is not None


def test_five_failures_spread_over_more_than_15_minutes_do_not_lock():
    gate = assess(failures(0, 4, 8, 12, 15.02), T0 + timedelta(minutes=16))
    assert gate.locked_until is None
    assert gate.captcha_required is True


def test_four_failures_within_the_window_do_not_lock():
    assert assess(failures(0, 1, 2, 3), T0 + timedelta(minutes=4)).locked_until is None


def test_lock_holds_until_30_minutes_and_then_expires():
    attempts = failures(0, 1, 2, 3, 4)
    assert assess(attempts, T0 + timedelta(minutes=33, seconds=59)).locked_until is not None
    after = assess(attempts, T0 + timedelta(minutes=34))
    assert after.locked_until is None
    assert after.captcha_required is True  # the failures still stand until a good login


def test_after_the_lock_one_more_failure_does_not_relock_at_once():
    attempts = failures(0, 1, 2, 3, 4, 35)
    assert assess(attempts, T0 + timedelta(minutes=35)).locked_until is None


def test_successful_login_resets_captcha_and_lock_counting():
    attempts = [*failures(0, 1, 2, 3), LoginAttempt(T0 + timedelta(minutes=4), AttemptResult.SUCCEEDED)]
    attempts += failures(5)
    gate = assess(attempts, T0 + timedelta(minutes=6))
    assert (gate.failures, gate.captcha_required, gate.locked_until) == (1, False, None)


def test_refusals_that_never_reached_the_password_do_not_count():
    refused_early = [
        LoginAttempt(T0 + timedelta(minutes=5), AttemptResult.CAPTCHA_REQUIRED),
        LoginAttempt(T0 + timedelta(minutes=6), AttemptResult.CAPTCHA_INVALID),
        LoginAttempt(T0 + timedelta(minutes=7), AttemptResult.LOCKED),
    ]
    attempts = [*failures(0, 1, 2, 3), *refused_early]
    gate = assess(attempts, T0 + timedelta(minutes=8))
    assert (gate.failures, gate.locked_until) == (4, None)


def test_results_read_back_from_the_database_as_strings_count_too():
    attempts = [LoginAttempt(T0 + timedelta(minutes=m), "bad_password") for m in range(5)]
    assert assess(attempts, T0 + timedelta(minutes=5)).locked_until == T0 + timedelta(minutes=34)


def test_failures_older_than_a_day_no_longer_ask_for_the_captcha():
    attempts = failures(0, 1, 2)
    assert assess(attempts, T0 + timedelta(hours=23)).captcha_required is True
    assert assess(attempts, T0 + timedelta(days=1, minutes=3)).captcha_required is False


def test_attempts_after_now_are_ignored():
    assert assess(failures(0, 1, 2, 3, 4), T0 + timedelta(minutes=3)).locked_until is None


def test_the_fifth_failure_is_the_one_that_locks():
    assert failure_locks_account(failures(0, 1, 2, 3), T0 + timedelta(minutes=4)) is True
    assert failure_locks_account(failures(0, 1, 2), T0 + timedelta(minutes=3)) is False
    already_locked = failures(0, 1, 2, 3, 4)
    assert failure_locks_account(already_locked, T0 + timedelta(minutes=5)) is False


def test_locked_account_is_refused_before_the_password_with_the_wait():
    gate = assess(failures(0, 1, 2, 3, 4), T0 + timedelta(minutes=10))
    with pytest.raises(IdentityError) as caught:
        ensure_may_try_password(gate, T0 + timedelta(minutes=10), captcha_given=True)
    assert caught.value.code == "ACCOUNT_LOCKED"
    assert caught.value.status == 423
    assert caught.value.retry_after == 24 * 60
    assert "24分钟后再试" in caught.value.detail


def test_captcha_is_required_after_three_failures_unless_given():
    gate = assess(failures(0, 1, 2), T0 + timedelta(minutes=3))
    with pytest.raises(IdentityError) as caught:
        ensure_may_try_password(gate, T0 + timedelta(minutes=3), captcha_given=False)
    assert (caught.value.code, caught.value.status) == ("CAPTCHA_REQUIRED", 428)
    ensure_may_try_password(gate, T0 + timedelta(minutes=3), captcha_given=True)


def test_thresholds_are_configurable():
    policy = LoginProtectionPolicy(captcha_after_failures=1, lock_after_failures=2, lock_duration=timedelta(hours=1))
    gate = assess(failures(0, 1), T0 + timedelta(minutes=2), policy)
    assert gate.captcha_required is True
    assert gate.locked_until == T0 + timedelta(minutes=61)


def test_history_to_load_covers_the_captcha_memory():
    assert history_since(T0) == T0 - timedelta(days=1)
