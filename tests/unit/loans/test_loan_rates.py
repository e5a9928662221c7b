"""The provident fund rate table in force since 2025-05-08 and the default rate for a term."""

from datetime import date
from decimal import Decimal

import pytest

from services.loans.domain.rates import CURRENT_RATES, LoanRates, as_percent, default_rate

D = Decimal


@pytest.mark.parametrize(
    ("term", "first_home", "rate"),
    [
        (12, True, D("0.021")),
        (60, True, D("0.021")),
        (61, True, D("0.026")),
        (360, True, D("0.026")),
        (60, False, D("0.02525")),
        (61, False, D("0.03075")),
    ],
)
def test_default_rate_follows_the_term_five_years_inclusive(term, first_home, rate):
    assert default_rate(term, first_home) == rate


def test_current_rates_date_from_8_may_2025():
    assert CURRENT_RATES.effective_from == date(2025, 5, 8)


def test_rate_table_lists_the_four_published_rates():
    assert [(entry.label, as_percent(entry.annual_rate)) for entry in CURRENT_RATES.table()] == [
        ("首套住房，5年（含）以下", "2.10"),
        ("首套住房，5年以上", "2.60"),
        ("第二套住房，5年（含）以下", "2.525"),
        ("第二套住房，5年以上", "3.075"),
    ]


def test_a_centre_can_replace_the_rates():
    local = LoanRates(effective_from=date(2026, 1, 1), second_home_over_5_years=D("0.0325"))

    assert default_rate(240, first_home=False, rates=local) == D("0.0325")
    assert default_rate(240, rates=local) == D("0.026")


def test_percent_display_keeps_two_decimals_at_least():
    assert [as_percent(D(r)) for r in ("0.026", "0.03075", "0.03", "0.1")] == [
        "2.60",
        "3.075",
        "3.00",
        "10.00",
    ]
