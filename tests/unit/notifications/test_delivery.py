"""Delivery rules: local numbers, quiet hours, the per-number rate limit, retries and provider errors."""

from datetime import UTC, datetime, time, timedelta

import pytest

from services.notifications.domain.delivery import (
    CHINA_TIME,
    DeliveryPolicy,
    QuietHours,
    classify_provider_error,
    delivery_key,
    ensure_deliverable,
    next_attempt_at,
    quiet_release,
    refusal_for_number,
    send_time,
)
from services.notifications.domain.errors import NotificationError


def at(day, hour, minute=0, second=0):
    return datetime(2026, 3, day, hour, minute, second, tzinfo=CHINA_TIME)


@pytest.mark.parametrize("prefix", ["13895", "13995", "18995", "15009", "17795"])
def test_numbers_with_a_local_prefix_are_deliverable(prefix):
    assert refusal_for_number(prefix + "001234") is None


def test_non_local_number_fails_with_the_manuals_reason():
    refusal = refusal_for_number("13812345678")
    assert refusal.code == "NUMBER_NOT_LOCAL"
    assert "非宁夏本地号码" in refusal.reason
    assert "短信验证码会发送失败" in refusal.reason
    assert "12329" in refusal.reason


@pytest.mark.parametrize("number", ["", None, "1389500123", "23895001234", "138950012345"])
def test_empty_or_malformed_number_fails_as_an_empty_number(number):
    refusal = refusal_for_number(number)
    assert refusal.code == "NUMBER_INVALID"
    assert "空号" in refusal.reason


def test_number_written_with_country_code_or_spaces_is_normalised():
    assert refusal_for_number("+86 138 9500 1234") is None
    assert ensure_deliverable("+8613895001234") == "13895001234"


def test_ensure_deliverable_raises_with_the_reason():
    with pytest.raises(NotificationError) as caught:
        ensure_deliverable("13812345678")
    assert caught.value.code == "NUMBER_NOT_LOCAL"
    assert "非宁夏本地号码" in caught.value.detail


def test_local_prefixes_are_configurable():
    policy = DeliveryPolicy(local_prefixes=("138",))
    assert refusal_for_number("13812345678", policy) is None
    assert refusal_for_number("13995001234", policy).code == "NUMBER_NOT_LOCAL"


@pytest.mark.parametrize(
    ("now", "released"),
    [
        (at(5, 21, 59, 59), at(5, 21, 59, 59)),
        (at(5, 22), at(6, 8)),
        (at(5, 23, 30), at(6, 8)),
        (at(6, 0, 0), at(6, 8)),
        (at(6, 3), at(6, 8)),
        (at(6, 7, 59, 59), at(6, 8)),
        (at(6, 8), at(6, 8)),
        (at(6, 12), at(6, 12)),
    ],
)
def test_quiet_hours_defer_a_notice_to_8_in_the_morning(now, released):
    assert quiet_release(now, urgent=False) == released


def test_quiet_window_crosses_month_end():
    evening = datetime(2026, 3, 31, 23, 0, tzinfo=CHINA_TIME)
    assert quiet_release(evening, urgent=False) == datetime(2026, 4, 1, 8, 0, tzinfo=CHINA_TIME)


def test_urgent_notice_goes_at_once_even_at_night():
    assert quiet_release(at(5, 23, 30), urgent=True) == at(5, 23, 30)


def test_quiet_hours_are_local_time_even_for_utc_clocks():
    night_in_ningxia = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)  # 22:30 Beijing time
    released = quiet_release(night_in_ningxia, urgent=False)
    assert released == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    assert released.tzinfo is UTC
    afternoon = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)  # 14:00 Beijing time
    assert quiet_release(afternoon, urgent=False) == afternoon


def test_naive_times_are_taken_as_local():
    assert quiet_release(datetime(2026, 3, 5, 23, 0), urgent=False) == datetime(2026, 3, 6, 8, 0)


def test_quiet_hours_are_configurable_including_a_daytime_window_and_none():
    lunch = DeliveryPolicy(quiet_hours=QuietHours(time(12), time(14)))
    assert quiet_release(at(5, 13), False, lunch) == at(5, 14)
    assert quiet_release(at(5, 23), False, lunch) == at(5, 23)
    late = DeliveryPolicy(quiet_hours=QuietHours(time(21, 30), time(7, 30)))
    assert quiet_release(at(5, 21, 30), False, late) == at(6, 7, 30)
    never = DeliveryPolicy(quiet_hours=QuietHours(time(0), time(0)))
    assert quiet_release(at(5, 3), False, never) == at(5, 3)


def test_fifth_notice_in_an_hour_goes_at_once_and_the_sixth_waits_for_the_first_to_age():
    sent = [at(5, 10, minute) for minute in (0, 10, 20, 30)]
    assert send_time(at(5, 10, 40), False, sent) == at(5, 10, 40)
    sent.append(at(5, 10, 40))
    assert send_time(at(5, 10, 50), False, sent) == at(5, 11, 0)


def test_a_send_exactly_one_hour_old_no_longer_counts():
    sent = [at(5, 9, 0), *(at(5, 9, minute) for minute in (10, 20, 30, 40))]
    assert send_time(at(5, 10, 0), False, sent) == at(5, 10, 0)


def test_codes_and_security_notices_are_exempt_from_the_rate_limit():
    sent = [at(5, 10, minute) for minute in range(0, 50, 5)]
    assert send_time(at(5, 10, 51), True, sent) == at(5, 10, 51)


def test_notices_that_arrive_at_night_go_out_from_8_in_order_and_within_the_limit():
    planned: list[datetime] = []
    for minute in range(7):
        planned.append(send_time(at(5, 23, minute), False, planned))
    assert planned == [at(6, 8)] * 5 + [at(6, 9)] * 2


def test_a_rate_limited_notice_pushed_into_quiet_hours_waits_for_the_morning():
    sent = [at(5, 21, minute) for minute in (20, 30, 40, 50)] + [at(5, 21, 55)]
    assert send_time(at(5, 21, 56), False, sent) == at(6, 8)


def test_a_new_notice_never_overtakes_one_already_planned():
    planned = [at(6, 8)]
    assert send_time(at(6, 7, 59), False, planned) == at(6, 8)
    assert send_time(at(6, 6), False, [at(6, 9, 15)]) == at(6, 9, 15)


def test_rate_limit_is_configurable_and_must_be_positive():
    policy = DeliveryPolicy(rate_limit=1, rate_window=timedelta(minutes=10))
    assert send_time(at(5, 10, 1), False, [at(5, 10)], policy) == at(5, 10, 10)
    with pytest.raises(ValueError):
        DeliveryPolicy(rate_limit=0)


def test_retries_back_off_5s_30s_2min_10min_then_give_up():
    failed = at(5, 10)
    delays = [next_attempt_at(n, failed, urgent=False, requested_at=failed) for n in range(1, 6)]
    assert delays == [
        failed + timedelta(seconds=5),
        failed + timedelta(seconds=30),
        failed + timedelta(minutes=2),
        failed + timedelta(minutes=10),
        None,
    ]
    with pytest.raises(ValueError):
        next_attempt_at(0, failed, urgent=False, requested_at=failed)


def test_a_code_is_not_retried_once_it_would_arrive_expired():
    requested = at(5, 10)
    five_minutes = timedelta(minutes=5)
    third = next_attempt_at(
        3,
        requested + timedelta(minutes=2, seconds=40),
        urgent=True,
        requested_at=requested,
        stale_after=five_minutes,
    )
    assert third == at(5, 10, 4, 40)
    fourth = next_attempt_at(
        4,
        requested + timedelta(minutes=4, seconds=41),
        urgent=True,
        requested_at=requested,
        stale_after=five_minutes,
    )
    assert fourth is None


def test_a_non_urgent_retry_that_lands_in_quiet_hours_waits_for_the_morning():
    assert next_attempt_at(4, at(5, 21, 55), urgent=False, requested_at=at(5, 21)) == at(6, 8)
    assert next_attempt_at(4, at(5, 21, 55), urgent=True, requested_at=at(5, 21)) == at(5, 22, 5)


@pytest.mark.parametrize("code", ["THROTTLED", "RATE_LIMITED", "SYSTEM_BUSY", "SERVICE_UNAVAILABLE", "TIMEOUT"])
def test_transient_provider_codes_are_retryable(code):
    assert classify_provider_error(code=code, http_status=200).retryable is True


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("NOT_LOCAL_NUMBER", "非宁夏本地号码"),
        ("EMPTY_NUMBER", "空号"),
        ("INVALID_NUMBER", "空号"),
        ("BLACKLISTED", "黑名单"),
        ("SIGNATURE_INVALID", "签名"),
        ("INSUFFICIENT_BALANCE", "余额不足"),
    ],
)
def test_permanent_provider_codes_are_final_with_a_chinese_reason(code, words):
    failure = classify_provider_error(code=code, http_status=400)
    assert (failure.code, failure.retryable) == (code, False)
    assert words in failure.reason


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (500, True),
        (502, True),
        (503, True),
        (429, True),
        (408, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
    ],
)
def test_without_a_provider_code_the_http_status_decides(status, retryable):
    failure = classify_provider_error(http_status=status)
    assert failure.retryable is retryable
    assert failure.code == f"HTTP_{status}"


def test_a_timeout_or_no_answer_is_retryable():
    assert classify_provider_error(timed_out=True).retryable is True
    assert classify_provider_error().retryable is True
    assert classify_provider_error(timed_out=True).code == "TIMEOUT"


def test_an_unknown_provider_code_is_final_unless_configured_otherwise():
    assert classify_provider_error(code="WEIRD_42", http_status=200).retryable is False
    lenient = DeliveryPolicy(unknown_codes_are_retryable=True)
    assert classify_provider_error(code="WEIRD_42", http_status=200, policy=lenient).retryable is True
    mapped = DeliveryPolicy(retryable_codes=frozenset({"WEIRD_42"}))
    assert classify_provider_error(code="WEIRD_42", http_status=200, policy=mapped).retryable is True


def test_an_unknown_code_with_a_server_error_status_is_retryable():
    assert classify_provider_error(code="WEIRD_42", http_status=503).retryable is True


def test_delivery_key_is_one_per_event_and_recipient_and_hides_the_mobile():
    key = delivery_key("evt-1", "13895001234")
    assert key == delivery_key("evt-1", "+86 13895001234")
    assert key != delivery_key("evt-2", "13895001234")
    assert key != delivery_key("evt-1", "13895009999")
    assert "13895001234" not in key
