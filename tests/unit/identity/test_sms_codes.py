"""The SMS-code policy: 6 digits, hashed, 5 minutes, once, 60 s between, 10 a day, 5 wrong tries, per-IP."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from services.identity.domain.errors import IdentityError
from services.identity.domain.sms_codes import (
    CHINA_TIME,
    SmsCodePolicy,
    check_code,
    decide_issue,
    ip_history_since,
    issue_code,
    mobile_history_since,
)

KEY = b"server-key-for-tests"
MOBILE = "13895001234"
T0 = datetime(2026, 3, 5, 10, 0, tzinfo=CHINA_TIME)


def issued(now=T0, purpose="register"):
    return issue_code(MOBILE, purpose, now, KEY)


def test_code_is_six_random_digits_and_only_its_keyed_hash_is_kept():
    codes = {issued()[0] for _ in range(50)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 40
    code, record = issued()
    assert code not in record.code_hash
    assert len(record.code_hash) == 64
    assert (record.mobile, record.purpose, record.wrong_attempts, record.used_at) == (
        MOBILE,
        "register",
        0,
        None,
    )


def test_code_expires_five_minutes_after_issue():
    _, record = issued()
    assert record.expires_at == T0 + timedelta(minutes=5)


def test_code_is_accepted_at_4_minutes_59():
    code, record = issued()
    now = T0 + timedelta(minutes=4, seconds=59)
    check = check_code(record, code, now, KEY)
    assert check.accepted is True
    assert check.error is None
    assert check.record.used_at == now


@pytest.mark.parametrize("after", [timedelta(minutes=5), timedelta(minutes=5, seconds=1)])
def test_code_is_refused_as_expired_from_5_minutes(after):
    code, record = issued()
    check = check_code(record, code, T0 + after, KEY)
    assert check.accepted is False
    assert check.error.code == "SMS_CODE_EXPIRED"
    assert check.record == record


def test_used_code_is_refused():
    code, record = issued()
    first = check_code(record, code, T0 + timedelta(seconds=30), KEY)
    second = check_code(first.record, code, T0 + timedelta(seconds=40), KEY)
    assert first.accepted is True
    assert second.accepted is False
    assert second.error.code == "SMS_CODE_EXPIRED"
    assert "已使用" in second.error.detail


def test_wrong_code_counts_an_attempt_and_says_how_many_are_left():
    code, record = issued()
    wrong = "000000" if code != "000000" else "111111"
    check = check_code(record, wrong, T0 + timedelta(seconds=10), KEY)
    assert check.accepted is False
    assert check.error.code == "SMS_CODE_INVALID"
    assert check.error.field == "sms_code"
    assert check.record.wrong_attempts == 1
    assert "还可尝试4次" in check.error.detail


def test_fifth_wrong_try_kills_the_code_even_for_the_right_one_after():
    code, record = issued()
    wrong = "000000" if code != "000000" else "111111"
    answers = []
    for second in range(1, 6):
        check = check_code(record, wrong, T0 + timedelta(seconds=second), KEY)
        record = check.record
        answers.append(check.error.code)
    assert answers == ["SMS_CODE_INVALID"] * 4 + ["SMS_CODE_EXPIRED"]
    assert record.wrong_attempts == 5
    after = check_code(record, code, T0 + timedelta(seconds=10), KEY)
    assert after.accepted is False
    assert after.error.code == "SMS_CODE_EXPIRED"


def test_fourth_wrong_try_still_lets_the_right_code_in():
    code, record = issued()
    record = replace(record, wrong_attempts=4)
    assert check_code(record, code, T0 + timedelta(seconds=10), KEY).accepted is True


@pytest.mark.parametrize("typed", ["", None, "12345", "1234567", "abcdef", "１２３４５６"])
def test_malformed_entry_is_refused_without_costing_an_attempt(typed):
    _, record = issued()
    check = check_code(record, typed, T0 + timedelta(seconds=10), KEY)
    assert check.error.code == "SMS_CODE_INVALID"
    assert check.record.wrong_attempts == 0


def test_code_typed_with_spaces_around_is_accepted():
    code, record = issued()
    assert check_code(record, f" {code} ", T0 + timedelta(seconds=10), KEY).accepted is True


def test_missing_record_asks_for_a_code_first():
    check = check_code(None, "123456", T0, KEY)
    assert (check.accepted, check.record, check.error.code) == (False, None, "SMS_CODE_EXPIRED")


def test_hash_is_bound_to_mobile_purpose_and_server_key():
    code, record = issued()
    now = T0 + timedelta(seconds=10)
    assert check_code(replace(record, mobile="13895009999"), code, now, KEY).accepted is False
    assert check_code(replace(record, purpose="reset_password"), code, now, KEY).accepted is False
    assert check_code(record, code, now, b"another-key").accepted is False


def test_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError):
        issue_code(MOBILE, "login", T0, KEY)


def test_raise_if_refused_raises_the_identity_error():
    with pytest.raises(IdentityError) as caught:
        check_code(None, "123456", T0, KEY).raise_if_refused()
    assert caught.value.code == "SMS_CODE_EXPIRED"
    check_code(*reversed(issued()), T0, KEY).raise_if_refused()


def test_first_request_is_allowed():
    assert decide_issue(T0, [], []).allowed is True


def test_resend_at_59_seconds_is_refused_with_1_second_to_wait():
    decision = decide_issue(T0 + timedelta(seconds=59), [T0], [T0])
    assert (decision.allowed, decision.retry_after) == (False, 1)
    assert "1秒后再试" in decision.detail


def test_resend_at_60_seconds_is_allowed():
    assert decide_issue(T0 + timedelta(seconds=60), [T0], [T0]).allowed is True


def test_resend_wait_rounds_up_to_whole_seconds():
    decision = decide_issue(T0 + timedelta(seconds=20, milliseconds=500), [T0], [])
    assert decision.retry_after == 40


def _sent_today(count):
    return [T0 + timedelta(minutes=2 * n) for n in range(count)]


def test_tenth_code_of_the_day_is_allowed():
    history = _sent_today(9)
    now = history[-1] + timedelta(minutes=5)
    assert decide_issue(now, history, []).allowed is True


def test_eleventh_code_of_the_day_is_refused_until_midnight():
    history = _sent_today(10)
    now = history[-1] + timedelta(minutes=5)  # 10:23 Beijing time
    decision = decide_issue(now, history, [])
    assert decision.allowed is False
    assert decision.retry_after == int((datetime(2026, 3, 6, 0, 0, tzinfo=CHINA_TIME) - now).total_seconds())
    assert "请明日再试" in decision.detail
    tomorrow = datetime(2026, 3, 6, 0, 0, 1, tzinfo=CHINA_TIME)
    assert decide_issue(tomorrow, history, []).allowed is True


def test_the_day_is_the_beijing_calendar_day_even_for_utc_times():
    # 16:30 UTC on 4 March is 00:30 on 5 March in Ningxia: yesterday evening's codes do not count.
    evening = [datetime(2026, 3, 4, 15, 0, tzinfo=UTC) + timedelta(minutes=2 * n) for n in range(10)]
    after_midnight = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
    assert decide_issue(after_midnight, evening, []).allowed is True
    still_the_4th = datetime(2026, 3, 4, 15, 50, tzinfo=UTC)
    assert decide_issue(still_the_4th, evening, []).allowed is False


def test_daily_limit_is_configurable():
    policy = SmsCodePolicy(daily_limit=3)
    assert decide_issue(T0 + timedelta(hours=1), _sent_today(3), [], policy).allowed is False


def test_twentieth_request_from_an_ip_within_the_hour_is_allowed_and_the_twenty_first_is_not():
    now = T0 + timedelta(minutes=59)
    from_ip = [T0 + timedelta(minutes=3 * n) for n in range(20)]  # 10:00 .. 10:57
    assert decide_issue(now, [], from_ip[:19]).allowed is True
    decision = decide_issue(now, [], from_ip)
    assert decision.allowed is False
    assert decision.retry_after == 60  # the 10:00 request ages out at 11:00
    assert "1分钟后再试" in decision.detail


def test_ip_requests_older_than_the_window_do_not_count():
    from_ip = [T0 + timedelta(seconds=n) for n in range(20)]
    assert decide_issue(T0 + timedelta(hours=1, seconds=1), [], from_ip).allowed is True


def test_ip_limit_is_configurable():
    policy = SmsCodePolicy(ip_limit=2, ip_window=timedelta(minutes=10))
    decision = decide_issue(T0 + timedelta(minutes=5), [], [T0, T0 + timedelta(minutes=1)], policy)
    assert (decision.allowed, decision.retry_after) == (False, 300)


def test_when_several_limits_bite_the_longest_wait_is_named():
    history = _sent_today(10)
    now = history[-1] + timedelta(seconds=30)
    decision = decide_issue(now, history, [])
    assert "请明日再试" in decision.detail
    with pytest.raises(IdentityError) as caught:
        decision.raise_if_refused()
    assert caught.value.code == "TOO_MANY_REQUESTS"
    assert caught.value.status == 429
    assert caught.value.retry_after == decision.retry_after


def test_histories_to_load_reach_back_to_midnight_and_one_ip_window():
    assert mobile_history_since(T0) == datetime(2026, 3, 5, 0, 0, tzinfo=CHINA_TIME)
    just_after_midnight = datetime(2026, 3, 5, 0, 0, 30, tzinfo=CHINA_TIME)
    assert mobile_history_since(just_after_midnight) == just_after_midnight - timedelta(seconds=60)
    assert ip_history_since(T0) == T0 - timedelta(hours=1)


def test_resend_wait_crosses_midnight():
    before_midnight = datetime(2026, 3, 4, 23, 59, 30, tzinfo=CHINA_TIME)
    now = datetime(2026, 3, 5, 0, 0, 10, tzinfo=CHINA_TIME)
    assert decide_issue(now, [before_midnight], []).retry_after == 20


def test_policy_exposes_the_api_figures():
    policy = SmsCodePolicy()
    assert (policy.expires_in_seconds, policy.resend_after_seconds) == (300, 60)
