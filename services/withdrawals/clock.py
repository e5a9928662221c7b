"""Time as this service stores and shows it: UTC in the database, China time for days, slots and people."""

from datetime import UTC, date, datetime

from services.withdrawals.domain.slots import CHINA_TIME, to_china_time


def now() -> datetime:
    return datetime.now(UTC)


def today_in_china(moment: datetime | None = None) -> date:
    return to_china_time(moment or now()).date()


def to_utc(moment: datetime) -> datetime:
    """What goes into a DateTime column: SQLite keeps no offset, so every stored moment is UTC."""
    return to_china_time(moment).astimezone(UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def from_db(moment: datetime | None) -> datetime | None:
    """A stored moment back as an aware UTC datetime (SQLite hands it back naive)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def in_china(moment: datetime | None) -> datetime | None:
    stored = from_db(moment)
    return stored.astimezone(CHINA_TIME) if stored else None
