from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.accounts.domain.interest import (
    FundYear,
    InterestRules,
    accumulation_by_formula,
    daily_balance_accumulation,
    settle_interest,
    settlement_summary,
)

YEAR_2027 = FundYear(2027)  # 2026-07-01 .. 2027-06-30, 365 days


def test_the_fund_year_runs_from_1_july_to_30_june():
    assert (YEAR_2027.start, YEAR_2027.end, YEAR_2027.days) == (date(2026, 7, 1), date(2027, 6, 30), 365)
    assert FundYear(2028).days == 366  # February 2028 has 29 days
    assert FundYear.containing(date(2026, 7, 1)) == YEAR_2027
    assert FundYear.containing(date(2027, 6, 30)) == YEAR_2027
    assert settlement_summary(YEAR_2027) == "2027年度结息"


def test_hand_computed_example_of_the_service_guide():
    # opening 10,000 × 365 = 3,650,000; +1,000 on 1 Oct × 273 days; −5,000 on 1 Mar × 122 days
    postings = [
        (date(2025, 9, 15), Decimal("10000.00")),
        (date(2026, 10, 1), Decimal("1000.00")),
        (date(2027, 3, 1), Decimal("-5000.00")),
    ]
    assert daily_balance_accumulation(postings, YEAR_2027) == Decimal("3313000.00")
    # 3,313,000 × 0.015 / 360 = 138.041666…
    assert settle_interest(postings, YEAR_2027) == Decimal("138.04")


def test_a_balance_held_all_year_earns_365_over_360_of_the_rate():
    postings = [(date(2026, 6, 30), Decimal("36000.00"))]  # last year's settlement day: opening balance
    # 36,000 × 365 × 0.015 / 360 = 547.50
    assert settle_interest(postings, YEAR_2027) == Decimal("547.50")


def test_a_deposit_on_30_june_earns_one_day_and_postings_after_it_are_ignored():
    postings = [(date(2027, 6, 30), Decimal("72000.00")), (date(2027, 7, 1), Decimal("99999.00"))]
    assert daily_balance_accumulation(postings, YEAR_2027) == Decimal("72000.00")
    assert settle_interest(postings, YEAR_2027) == Decimal("3.00")  # 72,000 × 0.015 / 360


def test_rounding_is_half_up_to_the_fen():
    # 120 yuan for one day: 120 × 0.015 / 360 = 0.005 exactly, half a fen, so 0.01
    assert settle_interest([(date(2027, 6, 30), Decimal("120.00"))], YEAR_2027) == Decimal("0.01")
    # 119 yuan for one day: 0.004958… so 0.00
    assert settle_interest([(date(2027, 6, 30), Decimal("119.00"))], YEAR_2027) == Decimal("0.00")


def test_a_centre_dividing_by_365_pays_exactly_the_nominal_rate_on_a_full_year_balance():
    rules = InterestRules(day_basis=365)
    assert settle_interest([(date(2026, 1, 1), Decimal("10000.00"))], YEAR_2027, rules) == Decimal("150.00")


def test_last_years_settlement_entry_is_part_of_the_opening_balance():
    last_year = [(date(2025, 7, 1), Decimal("10000.00"))]
    interest_2026 = settle_interest(last_year, FundYear(2026))
    assert interest_2026 == Decimal("152.08")  # 10,000 × 365 × 0.015 / 360 = 152.083…
    with_settlement = [*last_year, (date(2026, 6, 30), interest_2026)]
    assert daily_balance_accumulation(with_settlement, YEAR_2027) == Decimal("10152.08") * 365


postings_in_and_around_the_year = st.lists(
    st.tuples(
        st.integers(min_value=-400, max_value=400).map(lambda offset: date(2026, 7, 1) + timedelta(days=offset)),
        st.decimals(min_value=Decimal("-5000"), max_value=Decimal("20000"), places=2),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(postings_in_and_around_the_year)
def test_the_set_based_formula_equals_the_day_by_day_accumulation(postings):
    assert accumulation_by_formula(postings, YEAR_2027) == daily_balance_accumulation(postings, YEAR_2027)
