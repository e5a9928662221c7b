"""The hall's one clock: China dates, UTC moments, the shift a whole process can run on, and tests moving it."""

from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day

import pytest

from chassis import clock
from chassis.clock import CHINA_TIME, YearMonth, parse_shift


@pytest.mark.parametrize(
    ("text", "days"),
    [("+400d", 400), ("-30d", -30), ("400", 400), (" +7 d ", 7), ("", 0), (None, 0)],
)
def test_a_shift_is_a_signed_number_of_days(text, days):
    assert parse_shift(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["+4h", "tomorrow", "1.5d", "++3d"])
def test_a_shift_in_any_other_unit_is_refused(text):
    with pytest.raises(ValueError, match="HALL_CLOCK_SHIFT"):
        parse_shift(text)


def test_a_shifted_clock_runs_that_many_days_ahead():
    shifted = clock.Clock(timedelta(days=400))
    assert abs(shifted.now() - datetime.now(UTC) - timedelta(days=400)) < timedelta(seconds=5)


def test_travel_keeps_ticking_and_freeze_stops():
    with clock.travelled_to(datetime(2027, 6, 30, 23, 59, 59, tzinfo=CHINA_TIME)) as moved:
        first = clock.now()
        assert clock.today() == date(2027, 6, 30)
        assert first.tzinfo is UTC or first.utcoffset() == timedelta(0)
        moved.advance(timedelta(seconds=2))
        assert clock.today() == date(2027, 7, 1)
    with clock.travelled_to(date(2027, 1, 1), frozen=True):
        assert clock.now() == clock.now() == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # 10:00 in China
        assert clock.this_month() == YearMonth(2027, 1)


def test_the_clock_is_back_after_a_travel():
    before = clock.now()
    with clock.travelled_to(date(2030, 1, 1), frozen=True):
        pass
    assert abs(clock.now() - before) < timedelta(seconds=5)


def test_china_midnight_is_sixteen_hundred_utc_the_day_before():
    assert clock.start_of_day(date(2027, 1, 1)) == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    assert clock.day_of(datetime(2026, 12, 31, 16, 0, tzinfo=UTC)) == date(2027, 1, 1)
    assert clock.day_of(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == date(2026, 12, 31)


def test_naive_moments_are_utc_as_stored():
    naive = datetime(2026, 6, 30, 16, 30)
    assert clock.to_utc(naive) == datetime(2026, 6, 30, 16, 30, tzinfo=UTC)
    assert clock.to_china(naive).date() == date(2026, 7, 1)


def test_a_wall_clock_time_on_a_china_day():
    assert clock.china_moment(date(2026, 12, 1), time_of_day(9, 0)) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("month", "last_day"),
    [
        (YearMonth(2026, 2), date(2026, 2, 28)),
        (YearMonth(2028, 2), date(2028, 2, 29)),
        (YearMonth(2026, 12), date(2026, 12, 31)),
    ],
)
def test_a_month_knows_its_days(month, last_day):
    assert month.last_day() == last_day
    assert month.day(31) == last_day
    assert month.first_day() == date(month.year, month.month, 1)


def test_months_count_across_the_year_end():
    assert YearMonth(2026, 11).plus(2) == YearMonth(2027, 1)
    assert YearMonth(2027, 1).previous() == YearMonth(2026, 12)
    assert YearMonth(2026, 7).months_until(YearMonth(2027, 6)) == 11
