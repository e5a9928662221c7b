"""Appointment slots at a branch: which times of which days may be booked, and when a booking ends.

Times are China Standard Time (UTC+8, no daylight saving): a naive `now` is read as Beijing time, an aware
one is converted. Places per slot are configuration; counting bookings against them is the storage layer's
job (it must hold under concurrent bookings), this module only says how many places a slot has.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from chassis.clock import CHINA_TIME
from services.withdrawals.domain.errors import SlotUnavailable

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _days(first: date, last: date, name: str) -> dict[date, str]:
    return {date.fromordinal(n): name for n in range(first.toordinal(), last.toordinal() + 1)}


# 2026: the State Council's notice of 2025-11-04 (国务院办公厅关于2026年部分节假日安排的通知).
# 2027: an estimate from the lunar dates and the 2026 pattern, to replace once the 2027 notice is out
# (it is usually published each November). Outside these years only weekends are days off.
HOLIDAYS_2026_2027: dict[date, str] = {
    **_days(date(2026, 1, 1), date(2026, 1, 3), "元旦"),
    **_days(date(2026, 2, 15), date(2026, 2, 23), "春节"),
    **_days(date(2026, 4, 4), date(2026, 4, 6), "清明节"),
    **_days(date(2026, 5, 1), date(2026, 5, 5), "劳动节"),
    **_days(date(2026, 6, 19), date(2026, 6, 21), "端午节"),
    **_days(date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
    **_days(date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    **_days(date(2027, 1, 1), date(2027, 1, 3), "元旦"),
    **_days(date(2027, 2, 5), date(2027, 2, 13), "春节"),
    **_days(date(2027, 4, 3), date(2027, 4, 5), "清明节"),
    **_days(date(2027, 5, 1), date(2027, 5, 5), "劳动节"),
    **_days(date(2027, 6, 9), date(2027, 6, 9), "端午节"),
    **_days(date(2027, 9, 15), date(2027, 9, 15), "中秋节"),
    **_days(date(2027, 10, 1), date(2027, 10, 7), "国庆节"),
}
ADJUSTED_WORKING_DAYS_2026_2027 = frozenset(
    {
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
        date(2027, 2, 14),
        date(2027, 2, 20),
        date(2027, 5, 8),
        date(2027, 9, 26),
        date(2027, 10, 9),
    }
)


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays and the weekend days worked in exchange for them (调休上班)."""

    holidays: Mapping[date, str] = field(default_factory=lambda: dict(HOLIDAYS_2026_2027))
    adjusted_working_days: frozenset[date] = ADJUSTED_WORKING_DAYS_2026_2027
    working_weekdays: frozenset[int] = frozenset(range(5))  # Monday 0 .. Friday 4

    def is_working_day(self, day: date) -> bool:
        if day in self.adjusted_working_days:
            return True
        return day not in self.holidays and day.weekday() in self.working_weekdays


@dataclass(frozen=True)
class SlotTime:
    start: time
    end: time

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


# The branches open 8:30-12:00 and 14:30-18:00 (one 9:00-12:00, 14:30-17:30); appointments fill the hours
# they all share, leaving the opening and closing half hours to walk-in customers and the day's closing.
DEFAULT_SLOT_TIMES = (
    SlotTime(time(9, 0), time(10, 0)),
    SlotTime(time(10, 0), time(11, 0)),
    SlotTime(time(11, 0), time(12, 0)),
    SlotTime(time(14, 30), time(15, 30)),
    SlotTime(time(15, 30), time(16, 30)),
    SlotTime(time(16, 30), time(17, 30)),
)


@dataclass(frozen=True)
class SlotConfig:
    times: tuple[SlotTime, ...] = DEFAULT_SLOT_TIMES
    places_per_slot: int = 5
    max_days_ahead: int = 14  # calendar days after today
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


DEFAULT_SLOT_CONFIG = SlotConfig()


@dataclass(frozen=True)
class Slot:
    start: datetime  # aware, China time
    end: datetime
    capacity: int

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def label(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def to_china_time(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=CHINA_TIME)
    return moment.astimezone(CHINA_TIME)


def slots_for(day: date, now: datetime, config: SlotConfig = DEFAULT_SLOT_CONFIG) -> list[Slot]:
    """The bookable slots of a day, in time order; a slot that has started is no longer offered."""
    now = to_china_time(now)
    _check_day(day, now.date(), config)
    slots = [_slot(day, slot_time, config) for slot_time in config.times]
    bookable = [slot for slot in slots if slot.start > now]
    if not bookable:
        raise SlotUnavailable("NO_SLOTS_LEFT", "今天的预约时段均已开始，请选择其他日期", field="date")
    return bookable


def slot_at(day: date, start: time, now: datetime, config: SlotConfig = DEFAULT_SLOT_CONFIG) -> Slot:
    """The slot a booking names by day and start time, if it is a configured slot and still bookable."""
    now = to_china_time(now)
    _check_day(day, now.date(), config)
    slot_time = next((t for t in config.times if t.start == start), None)
    if slot_time is None:
        offered = "、".join(t.label for t in config.times)
        raise SlotUnavailable("SLOT_UNKNOWN", f"没有{start:%H:%M}开始的预约时段，可选时段为{offered}", "slot")
    slot = _slot(day, slot_time, config)
    if slot.start <= now:
        raise SlotUnavailable("SLOT_STARTED", f"{slot.label}时段已开始，不能再预约", field="slot")
    return slot


def can_cancel(slot: Slot, now: datetime) -> bool:
    """A booking may be cancelled until its slot starts."""
    return to_china_time(now) < slot.start


def is_missed(slot: Slot, now: datetime) -> bool:
    """Once a slot has ended, a booking nobody came for is missed (爽约)."""
    return to_china_time(now) >= slot.end


def _slot(day: date, slot_time: SlotTime, config: SlotConfig) -> Slot:
    return Slot(
        start=datetime.combine(day, slot_time.start, CHINA_TIME),
        end=datetime.combine(day, slot_time.end, CHINA_TIME),
        capacity=config.places_per_slot,
    )


def _check_day(day: date, today: date, config: SlotConfig) -> None:
    if day < today:
        raise SlotUnavailable("DAY_IN_PAST", "不能预约今天以前的日期", field="date")
    if (day - today).days > config.max_days_ahead:
        last = today + timedelta(days=config.max_days_ahead)
        detail = f"最多可预约{config.max_days_ahead}天内的时段（{last.isoformat()}及以前）"
        raise SlotUnavailable("TOO_FAR_AHEAD", detail, field="date")
    holiday = config.calendar.holidays.get(day)
    if holiday and day not in config.calendar.adjusted_working_days:
        detail = f"{day.isoformat()}为{holiday}假期，网点不办理预约业务"
        raise SlotUnavailable("HOLIDAY", detail, field="date")
    if not config.calendar.is_working_day(day):
        detail = f"{day.isoformat()}为{WEEKDAY_NAMES[day.weekday()]}，网点不对外办理业务，请选择工作日"
        raise SlotUnavailable("NOT_A_WORKING_DAY", detail, field="date")
