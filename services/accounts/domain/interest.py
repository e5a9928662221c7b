"""Annual interest on deposits, settled each 30 June by the daily-balance accumulation method (积数计息).

Method
------
The fund year Y runs from 1 July of Y−1 to 30 June of Y: D days, 365 or 366. The accumulation (积数) is the
sum over those days of the account's balance at the end of the day, in yuan-days, and

    interest = round_fen(accumulation × annual_rate / 360)         annual_rate defaults to 1.5%

360 because the People's Bank's 《人民币利率管理规定》 fixes the daily rate as 年利率 ÷ 360 for accumulation
interest, and Chinese centres and banks follow it; a balance held all year therefore earns 1.5% × D/360
(≈1.521% in a 365-day year). `InterestRules.day_basis` makes it 365 for a centre that divides by 365.
A posting counts from its own day: it is in that day's closing balance. The settlement entry of year Y is
dated 30 June Y and is not among the postings of year Y (it is computed from them); it is part of the
opening balance of year Y+1. Postings dated after 30 June Y are ignored. Zero interest posts no entry.

Set-based formula (what the SQL job computes, and what `accumulation_by_formula` writes out)
----------------------------------------------------------------------------------------------
    accumulation = opening × D + Σ over postings p in the year of  p.amount × (end − p.posted_on + 1)

where opening is the balance at the end of 30 June Y−1 (the sum of all earlier postings) and the
days-remaining factor counts p's own day and 30 June. With amounts stored in fen, one statement settles every
account (PostgreSQL; :start, :end, :days, :rate = 0.015, :basis = 360 bound by the job):

    WITH year_rows AS (
        SELECT account_id,
               SUM(amount_fen) AS in_year_fen,
               SUM(amount_fen * ((:end - posted_on) + 1)) AS in_year_accumulation
        FROM ledger_entries
        WHERE posted_on BETWEEN :start AND :end
        GROUP BY account_id
    ), settled AS (
        SELECT a.id AS account_id,
               ROUND(((a.balance_fen - COALESCE(y.in_year_fen, 0)) * :days
                      + COALESCE(y.in_year_accumulation, 0)) * :rate / :basis) AS interest_fen
        FROM fund_accounts a LEFT JOIN year_rows y ON y.account_id = a.id
        WHERE a.status <> 'closed'
          AND NOT EXISTS (SELECT 1 FROM ledger_entries x
                          WHERE x.account_id = a.id AND x.kind = 'interest' AND x.posted_on = :end)
    ), credited AS (
        UPDATE fund_accounts a SET balance_fen = a.balance_fen + s.interest_fen
        FROM settled s WHERE a.id = s.account_id AND s.interest_fen > 0
        RETURNING a.id, s.interest_fen, a.balance_fen
    )
    INSERT INTO ledger_entries
        (account_id, kind, amount_fen, posted_on, summary, balance_after_fen, reference)
    SELECT id, 'interest', interest_fen, :end, '<Y>年度结息', balance_fen, 'interest-<Y>' FROM credited;

Opening is taken as the current balance minus this year's postings, so the scan touches only the year's
rows; that holds when the job runs on 30 June after the day's postings (with rows dated after :end, subtract
those too). PostgreSQL's ROUND on numeric rounds half away from zero, i.e. half up for the positive amounts
here, as `round_fen` does. The NOT EXISTS makes a second run of the same year change nothing.
`settle_interest` below is the reference that SQL is tested against.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from chassis.money import round_fen

DatedAmount = tuple[date, Decimal]
"""A ledger row as interest sees it: when it was posted and its signed amount in yuan."""


@dataclass(frozen=True)
class InterestRules:
    annual_rate: Decimal = Decimal("0.015")
    day_basis: int = 360


@dataclass(frozen=True)
class FundYear:
    """Fund year `year` ends on 30 June of `year`; the settlement of 30 June 2026 is fund year 2026."""

    year: int

    @classmethod
    def containing(cls, day: date) -> "FundYear":
        return cls(day.year + 1 if day.month >= 7 else day.year)

    @property
    def start(self) -> date:
        return date(self.year - 1, 7, 1)

    @property
    def end(self) -> date:
        return date(self.year, 6, 30)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        return f"{self.year}年度"


def daily_balance_accumulation(postings: Iterable[DatedAmount], fund_year: FundYear) -> Decimal:
    """Σ of the end-of-day balances over the fund year, walked day by day: the definition itself."""
    opening = Decimal("0")
    by_day: dict[date, Decimal] = {}
    for posted_on, amount in postings:
        if posted_on < fund_year.start:
            opening += amount
        elif posted_on <= fund_year.end:
            by_day[posted_on] = by_day.get(posted_on, Decimal("0")) + amount
    balance = opening
    accumulation = Decimal("0")
    day = fund_year.start
    while day <= fund_year.end:
        balance += by_day.get(day, Decimal("0"))
        accumulation += balance
        day += timedelta(days=1)
    return accumulation


def accumulation_by_formula(postings: Iterable[DatedAmount], fund_year: FundYear) -> Decimal:
    """The same accumulation, set-based: opening × D + Σ amount × days remaining (module docstring)."""
    opening = Decimal("0")
    in_year = Decimal("0")
    for posted_on, amount in postings:
        if posted_on < fund_year.start:
            opening += amount
        elif posted_on <= fund_year.end:
            in_year += amount * ((fund_year.end - posted_on).days + 1)
    return opening * fund_year.days + in_year


def settle_interest(
    postings: Iterable[DatedAmount], fund_year: FundYear, rules: InterestRules = InterestRules()
) -> Decimal:
    """The interest of `fund_year` on an account with these postings, rounded half up to the fen."""
    accumulation = daily_balance_accumulation(postings, fund_year)
    return round_fen(accumulation * rules.annual_rate / rules.day_basis)


def settlement_summary(fund_year: FundYear) -> str:
    """The statement's summary of the settlement entry: 2026年度结息."""
    return f"{fund_year.label}结息"
