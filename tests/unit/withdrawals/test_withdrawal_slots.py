"""Appointment slots: working days, holidays, not in the past, at most N days ahead, cancel and miss."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from services.withdrawals.domain.errors import SlotUnavailable
from services.withdrawals.domain.slots import (
    CHINA_TIME,
    DEFAULT_SLOT_CONFIG,
    SlotConfig,
    SlotTime,
    WorkCalendar,
    can_cancel,
    is_missed,
    slot_at,
    slots_for,
)

MONDAY_MORNING = datetime(2026, 6, 15, 8, 0)  # Monday 15 June 2026, Beijing time


def refusal(day, now=MONDAY_MORNING, config=DEFAULT_SLOT_CONFIG) -> SlotUnavailable:
    with pytest.raises(SlotUnavailable) as refused:
        slots_for(day, now, config)
    return refused.value


def test_a_working_day_offers_six_slots_of_five_places():
    slots = slots_for(date(2026, 6, 16), MONDAY_MORNING)
    assert [slot.label for slot in slots] == [
        "09:00-10:00",
        "10:00-11:00",
        "11:00-12:00",
        "14:30-15:30",
        "15:30-16:30",
        "16:30-17:30",
    ]
    assert {slot.capacity for slot in slots} == {5}
    assert slots[0].start == datetime(2026, 6, 16, 9, 0, tzinfo=CHINA_TIME)
    assert slots[0].day == date(2026, 6, 16)


@pytest.mark.parametrize(("day", "name"), [(date(2026, 6, 27), "周六"), (date(2026, 6, 28), "周日")])
def test_weekends_are_refused(day, name):
    refused = refusal(day)
    assert refused.code == "NOT_A_WORKING_DAY"
    assert refused.detail == f"{day.isoformat()}为{name}，网点不对外办理业务，请选择工作日"
    assert refused.field == "date"


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2026, 6, 19), "端午节"),  # a Friday
        (date(2026, 6, 20), "端午节"),  # a Saturday: the holiday is named, not the weekend
        (date(2026, 10, 1), "国庆节"),
        (date(2026, 10, 7), "国庆节"),
        (date(2026, 2, 23), "春节"),
        (date(2027, 1, 1), "元旦"),
    ],
)
def test_public_holidays_are_refused_by_name(day, holiday):
    now = datetime.combine(day - timedelta(days=3), time(8, 0))
    refused = refusal(day, now)
    assert refused.code == "HOLIDAY"
    assert refused.detail == f"{day.isoformat()}为{holiday}假期，网点不办理预约业务"


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 9, 20), date(2026, 10, 10), date(2026, 1, 4)])
def test_weekend_days_worked_in_exchange_for_a_holiday_take_bookings(day):
    now = datetime.combine(day - timedelta(days=2), time(8, 0))
    assert len(slots_for(day, now)) == 6


def test_a_past_day_is_refused():
    refused = refusal(date(2026, 6, 12))
    assert (refused.code, refused.detail) == ("DAY_IN_PAST", "不能预约今天以前的日期")


def test_today_offers_only_the_slots_that_have_not_started():
    now = datetime(2026, 6, 15, 10, 30)
    assert [slot.label for slot in slots_for(date(2026, 6, 15), now)] == [
        "11:00-12:00",
        "14:30-15:30",
        "15:30-16:30",
        "16:30-17:30",
    ]


def test_a_slot_starting_right_now_has_started():
    now = datetime(2026, 6, 15, 11, 0)
    assert slots_for(date(2026, 6, 15), now)[0].label == "14:30-15:30"


def test_today_after_the_last_slot_started_is_refused():
    refused = refusal(date(2026, 6, 15), datetime(2026, 6, 15, 16, 30))
    assert (refused.code, refused.detail) == ("NO_SLOTS_LEFT", "今天的预约时段均已开始，请选择其他日期")


def test_booking_reaches_fourteen_days_ahead_and_no_further():
    assert len(slots_for(date(2026, 6, 29), MONDAY_MORNING)) == 6
    refused = refusal(date(2026, 6, 30))
    assert refused.code == "TOO_FAR_AHEAD"
    assert refused.detail == "最多可预约14天内的时段（2026-06-29及以前）"


def test_the_booking_horizon_is_configurable():
    week = SlotConfig(max_days_ahead=7)
    assert refusal(date(2026, 6, 23), config=week).code == "TOO_FAR_AHEAD"
    assert len(slots_for(date(2026, 6, 22), MONDAY_MORNING, week)) == 6


def test_times_places_and_calendar_come_from_configuration():
    config = SlotConfig(
        times=(SlotTime(time(9, 30), time(11, 30)),),
        places_per_slot=12,
        calendar=WorkCalendar(holidays={date(2026, 6, 16): "开斋节"}, adjusted_working_days=frozenset()),
    )
    [slot] = slots_for(date(2026, 6, 17), MONDAY_MORNING, config)
    assert (slot.label, slot.capacity) == ("09:30-11:30", 12)
    assert refusal(date(2026, 6, 16), config=config).detail == "2026-06-16为开斋节假期，网点不办理预约业务"


def test_an_aware_now_is_read_in_beijing_time():
    now = datetime(2026, 6, 15, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    assert slots_for(date(2026, 6, 15), now)[0].label == "10:00-11:00"


def test_a_booking_names_a_configured_slot_that_has_not_started():
    now = datetime(2026, 6, 15, 10, 30)
    slot = slot_at(date(2026, 6, 15), time(14, 30), now)
    assert (slot.label, slot.capacity) == ("14:30-15:30", 5)
    with pytest.raises(SlotUnavailable) as refused:
        slot_at(date(2026, 6, 15), time(10, 0), now)
    assert (refused.value.code, refused.value.detail) == ("SLOT_STARTED", "10:00-11:00时段已开始，不能再预约")
    with pytest.raises(SlotUnavailable) as refused:
        slot_at(date(2026, 6, 15), time(13, 0), now)
    assert refused.value.code == "SLOT_UNKNOWN"
    assert refused.value.detail.startswith("没有13:00开始的预约时段，可选时段为09:00-10:00、")
    with pytest.raises(SlotUnavailable) as refused:
        slot_at(date(2026, 6, 27), time(9, 0), now)
    assert refused.value.code == "NOT_A_WORKING_DAY"


def test_a_booking_may_be_cancelled_until_the_slot_starts():
    slot = slot_at(date(2026, 6, 16), time(9, 0), MONDAY_MORNING)
    assert can_cancel(slot, datetime(2026, 6, 16, 8, 59, 59))
    assert not can_cancel(slot, datetime(2026, 6, 16, 9, 0))
    assert not can_cancel(slot, datetime(2026, 6, 16, 9, 30))


def test_a_booking_is_missed_once_its_slot_has_ended():
    slot = slot_at(date(2026, 6, 16), time(9, 0), MONDAY_MORNING)
    assert not is_missed(slot, datetime(2026, 6, 16, 9, 59, 59))
    assert is_missed(slot, datetime(2026, 6, 16, 10, 0))
    assert is_missed(slot, datetime(2026, 6, 16, 2, 0, tzinfo=UTC))
