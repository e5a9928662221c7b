"""连续足额缴存: the one rule loans and withdrawals count with (services/accounts/events.py), on the days that
matter."""

from datetime import date

import pytest

from services.accounts.events import continuous_full_deposit_months, latest_month_due


def months_between(first: str, last: str) -> set[str]:
    year, month = int(first[:4]), int(first[5:])
    out = set()
    while f"{year:04d}-{month:02d}" <= last:
        out.add(f"{year:04d}-{month:02d}")
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return out


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 12, 1), "2026-11"),  # the 1st of a month: last month has just fallen due
        (date(2026, 11, 30), "2026-10"),  # the last day of a month: that month is not due until it ends
        (date(2026, 6, 30), "2026-05"),  # 30 June, the interest day
        (date(2026, 7, 1), "2026-06"),  # 1 July, the first day of a fund year
        (date(2026, 12, 31), "2026-11"),  # 31 December
        (date(2027, 1, 1), "2026-12"),  # 1 January: the run crosses the year end
        (date(2026, 9, 30), "2026-08"),  # the last working day before the National Day holiday
        (date(2026, 3, 7), "2026-02"),  # a Saturday: deposits fall due by the calendar, not by working days
        (date(2028, 3, 1), "2028-02"),  # a leap year's February
    ],
)
def test_the_latest_month_due_is_the_last_month_that_has_ended(day, due):
    assert latest_month_due(day) == due


def test_a_centre_grace_moves_the_due_date_into_the_next_month():
    assert latest_month_due(date(2026, 12, 3), grace_days=3) == "2026-10"
    assert latest_month_due(date(2026, 12, 4), grace_days=3) == "2026-11"


def test_months_up_to_the_latest_due_month_count():
    paid = months_between("2026-01", "2026-11")
    assert continuous_full_deposit_months(paid, date(2026, 12, 1)) == 11


def test_the_current_month_not_yet_paid_breaks_nothing():
    paid = months_between("2026-05", "2026-11")
    assert continuous_full_deposit_months(paid, date(2026, 12, 20)) == 7


def test_the_current_month_paid_ahead_of_its_due_date_counts():
    paid = months_between("2026-05", "2026-12")
    assert continuous_full_deposit_months(paid, date(2026, 12, 15)) == 8


def test_a_month_due_and_unpaid_ends_the_run():
    paid = months_between("2026-01", "2026-10")  # November is due on 1 December and missing
    assert continuous_full_deposit_months(paid, date(2026, 12, 1)) == 0
    with_december = paid | {"2026-12"}
    assert continuous_full_deposit_months(with_december, date(2026, 12, 15)) == 1


def test_a_gap_earlier_leaves_only_the_months_after_it():
    paid = months_between("2025-01", "2026-11") - {"2026-03"}
    assert continuous_full_deposit_months(paid, date(2026, 12, 1)) == 8


def test_a_month_paid_late_by_supplementary_deposit_counts():
    paid = months_between("2025-01", "2026-11") - {"2026-03"}
    assert continuous_full_deposit_months(paid | {"2026-03"}, date(2026, 12, 1)) == 23


def test_the_run_crosses_the_year_end():
    paid = months_between("2026-10", "2027-01")
    assert continuous_full_deposit_months(paid, date(2027, 2, 1)) == 4
    not_yet_paid = paid - {"2027-01"}
    assert continuous_full_deposit_months(not_yet_paid, date(2027, 1, 1)) == 3  # January not due yet


def test_no_deposits_count_nothing():
    assert continuous_full_deposit_months([], date(2026, 12, 1)) == 0


def test_months_after_the_day_never_count():
    paid = months_between("2026-01", "2026-11")
    assert continuous_full_deposit_months(paid, date(2026, 7, 1)) == 7  # July itself only if paid by then
    assert continuous_full_deposit_months(paid - {"2026-07"}, date(2026, 7, 1)) == 6
