"""Provident fund loan rates: the table in force and the default annual rate for a term.

Rates are fractions (Decimal("0.026") is 2.60 %), the form the calculator computes with; `as_percent` is
for display.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class RateEntry:
    """One line of the published rate table, as `GET /api/v1/loans/rates` lists it."""

    first_home: bool
    min_term_months: int
    max_term_months: int | None
    annual_rate: Decimal

    @property
    def label(self) -> str:
        home = "首套住房" if self.first_home else "第二套住房"
        if self.max_term_months is None:
            return f"{home}，{self.min_term_months // 12}年以上"
        return f"{home}，{self.max_term_months // 12}年（含）以下"


@dataclass(frozen=True)
class LoanRates:
    """The rates in force since `effective_from`; a centre may replace the whole object with its own."""

    effective_from: date = date(2025, 5, 8)
    first_home_over_5_years: Decimal = Decimal("0.026")
    first_home_up_to_5_years: Decimal = Decimal("0.021")
    second_home_over_5_years: Decimal = Decimal("0.03075")
    second_home_up_to_5_years: Decimal = Decimal("0.02525")
    # "5 years or less" includes exactly 60 months.
    short_term_max_months: int = 60

    def default_rate(self, term_months: int, first_home: bool = True) -> Decimal:
        short = term_months <= self.short_term_max_months
        if first_home:
            return self.first_home_up_to_5_years if short else self.first_home_over_5_years
        return self.second_home_up_to_5_years if short else self.second_home_over_5_years

    def table(self) -> list[RateEntry]:
        short, long_from = self.short_term_max_months, self.short_term_max_months + 1
        return [
            RateEntry(True, 1, short, self.first_home_up_to_5_years),
            RateEntry(True, long_from, None, self.first_home_over_5_years),
            RateEntry(False, 1, short, self.second_home_up_to_5_years),
            RateEntry(False, long_from, None, self.second_home_over_5_years),
        ]


CURRENT_RATES = LoanRates()


def default_rate(term_months: int, first_home: bool = True, rates: LoanRates = CURRENT_RATES) -> Decimal:
    """The calculator's default annual rate: it follows the term (and whether the home is the first)."""
    return rates.default_rate(term_months, first_home)


def as_percent(rate: Decimal) -> str:
    """0.026 → "2.60", 0.03075 → "3.075": at least two decimals, never trailing noise."""
    percent = (Decimal(rate) * 100).normalize()
    if -percent.as_tuple().exponent < 2:
        percent = percent.quantize(Decimal("0.01"))
    return f"{percent:f}"
