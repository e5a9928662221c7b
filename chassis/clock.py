"""The hall's one clock: now in UTC, today and this month in China time, and the conversions between them.

Every rule, seed, job and template asks this module, never the system clock, so that a whole process can run on
another day: `HALL_CLOCK_SHIFT=+400d` moves it (a demo or a test of the hall a year from now; production refuses
it unless the run is declared a staging run), and tests pin it with `clock.travel_to(...)` or `clock.frozen_at(...)`.
Monotonic timers (timeouts, retry delays, rate windows) stay on `time.monotonic()`: they measure intervals, not
dates.
"""

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as time_of_day

from chassis.rules import RuleViolation

# China has kept one offset all year since 1991: a fixed zone needs no tz database in the image
CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
SHIFT_VARIABLE = "HALL_CLOCK_SHIFT"
_SHIFT_FORMAT = re.compile(r"^\s*([+-]?)\s*(\d{1,5})\s*d?\s*$")


def parse_shift(text: str | None) -> timedelta:
    """`+400d`, `-30d`, `400` (days): the signed offset HALL_CLOCK_SHIFT names; empty means none."""
    if not text or not text.strip():
        return timedelta(0)
    match = _SHIFT_FORMAT.match(text)
    if match is None:
        raise ValueError(f"{SHIFT_VARIABLE} must be a signed number of days such as +400d or -30d, not {text!r}")
    sign, days = match.groups()
    return timedelta(days=-int(days) if sign == "-" else int(days))


class Clock:
    """The system clock moved by a fixed shift, or travelled to a chosen moment (still ticking or frozen)."""

    def __init__(self, shift: timedelta = timedelta(0)):
        self._lock = threading.Lock()
        self._shift = shift
        self._frozen: datetime | None = None

    @property
    def shift(self) -> timedelta:
        return self._shift

    def now(self) -> datetime:
        """This moment, aware, in UTC."""
        frozen = self._frozen
        if frozen is not None:
            return frozen
        return datetime.fromtimestamp(time.time(), UTC) + self._shift

    def set_shift(self, shift: timedelta) -> None:
        with self._lock:
            self._shift, self._frozen = shift, None

    def travel_to(self, moment: datetime | date) -> None:
        """Run from `moment` on (it keeps ticking); a date means 10:00 China time that day."""
        target = _moment_of(moment)
        with self._lock:
            self._shift, self._frozen = target - datetime.fromtimestamp(time.time(), UTC), None

    def freeze(self, moment: datetime | date) -> None:
        """Stop at `moment` until the clock is moved again (`advance`, `travel_to`, `set_shift`)."""
        with self._lock:
            self._frozen = _moment_of(moment)

    def advance(self, span: timedelta) -> None:
        with self._lock:
            if self._frozen is not None:
                self._frozen += span
            else:
                self._shift += span

    def setting(self) -> tuple[timedelta, datetime | None]:
        """What `restore` needs to put the clock back where it is now."""
        return self._shift, self._frozen

    def restore(self, setting: tuple[timedelta, datetime | None]) -> None:
        with self._lock:
            self._shift, self._frozen = setting


def _moment_of(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return to_utc(moment)
    return china_moment(moment, time_of_day(10, 0))


@dataclass(frozen=True, order=True)
class YearMonth:
    """A calendar month, written "2026-03" in the API and 2026年03月 to users."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise RuleViolation("INVALID_MONTH", f"年月不正确：{self.year}-{self.month}", field="month")

    @classmethod
    def parse(cls, text: str) -> "YearMonth":
        """Accepts "2026-03" and "202603"."""
        digits = (text or "").strip().replace("-", "")
        if len(digits) != 6 or not digits.isdigit():
            raise RuleViolation("INVALID_MONTH", f"年月格式应为YYYY-MM：{text}", field="month")
        return cls(int(digits[:4]), int(digits[4:]))

    @classmethod
    def of(cls, day: date) -> "YearMonth":
        return cls(day.year, day.month)

    def plus(self, months: int) -> "YearMonth":
        index = self.year * 12 + self.month - 1 + months
        return YearMonth(index // 12, index % 12 + 1)

    def next(self) -> "YearMonth":
        return self.plus(1)

    def previous(self) -> "YearMonth":
        return self.plus(-1)

    def months_until(self, later: "YearMonth") -> int:
        """How many months `later` is after this one (negative when it is earlier)."""
        return (later.year - self.year) * 12 + later.month - self.month

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        return self.next().first_day() - timedelta(days=1)

    def day(self, number: int) -> date:
        """The `number`th of this month, or its last day when the month is shorter."""
        return date(self.year, self.month, min(number, self.last_day().day))

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month:02d}月"

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"


def _shift_from_environment() -> timedelta:
    return parse_shift(os.environ.get(SHIFT_VARIABLE))


hall_clock = Clock(_shift_from_environment())


def now() -> datetime:
    """This moment, aware, in UTC: what timestamps, tokens and the database store."""
    return hall_clock.now()


def now_in_china() -> datetime:
    return now().astimezone(CHINA_TIME)


def today() -> date:
    """Today as people in Ningxia live it: the business date of every rule."""
    return now_in_china().date()


def this_month() -> YearMonth:
    return YearMonth.of(today())


def timestamp() -> float:
    """Seconds since the epoch on the hall's clock (token `iat` and `exp`)."""
    return now().timestamp()


def wall_clock_timestamp() -> float:
    """The machine's real time, unshifted: only for parties outside the hall that check it against their own
    clocks (an SMS gateway's request signature, a rate limiter's reset time)."""
    return time.time()


def to_utc(moment: datetime) -> datetime:
    """An aware moment in UTC; a naive one is taken as UTC already (SQLite hands stored moments back naive)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_china(moment: datetime) -> datetime:
    """A moment as China time; a naive one is taken as UTC, as everything stored is."""
    return to_utc(moment).astimezone(CHINA_TIME)


def china_moment(day: date, at: time_of_day) -> datetime:
    """The moment a wall-clock time on a day in China is, in UTC."""
    return datetime.combine(day, at, tzinfo=CHINA_TIME).astimezone(UTC)


def day_of(moment: datetime) -> date:
    """The China date a moment falls on."""
    return to_china(moment).date()


def start_of_day(day: date) -> datetime:
    """Midnight of a China date, in UTC: the lower bound of a date range over stored moments."""
    return china_moment(day, time_of_day(0, 0))


@contextmanager
def travelled_to(moment: datetime | date, *, frozen: bool = False) -> Iterator[Clock]:
    """Tests: the hall's clock at `moment` (ticking, or `frozen`) inside the block, back where it was after."""
    saved = hall_clock.setting()
    if frozen:
        hall_clock.freeze(moment)
    else:
        hall_clock.travel_to(moment)
    try:
        yield hall_clock
    finally:
        hall_clock.restore(saved)
