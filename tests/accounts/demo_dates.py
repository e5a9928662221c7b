"""Where the accounts demo stands on the hall's clock (services/accounts/seed.py dates its history from today)."""

from datetime import date

from chassis import clock
from chassis.clock import YearMonth
from services.accounts import seed


def month_after_the_demo() -> str:
    """A month the demo has not deposited yet (it deposits up to this month)."""
    return str(clock.this_month().next())


def last_settled_fund_year() -> int:
    """The fund year of the latest 30 June up to today: the demo settled it."""
    today = clock.today()
    return today.year if (today.month, today.day) >= (6, 30) else today.year - 1


def first_month() -> YearMonth:
    return clock.this_month().plus(-seed.HISTORY_MONTHS)


def deposited_months() -> list[YearMonth]:
    """The months the demo has deposited by today: each on the 15th, from the first month on."""
    months, month = [], first_month()
    while month.day(seed.DEPOSIT_DAY) <= clock.today():
        months.append(month)
        month = month.next()
    return months


def settled_fund_years() -> list[int]:
    opened, today = first_month().first_day(), clock.today()
    return [year for year in range(opened.year, today.year + 1) if opened <= date(year, 6, 30) <= today]


def li_na_supplementary() -> tuple[YearMonth, date]:
    """The month 李娜's school paid late, and the day it paid it by 补缴."""
    missed = clock.this_month().plus(-seed.MISSED_MONTHS_AGO)
    return missed, missed.next().day(20)


def zhang_wei_rent_withdrawal_day() -> date:
    return clock.this_month().plus(-seed.RENT_WITHDRAWAL[2]).day(20)
