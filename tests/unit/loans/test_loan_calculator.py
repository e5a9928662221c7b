"""The loan calculator against DOMAIN.md's check figures, its input rules and the properties of schedules."""

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.loans.domain.calculator import (
    CalculatorLimits,
    RepaymentMethod,
    calculate,
    check_loan_terms,
    equal_installment_payment,
    monthly_interest,
)
from services.loans.domain.errors import RuleViolation
from services.loans.domain.rates import LoanRates

D = Decimal


def test_equal_installment_reproduces_the_domain_check_figures():
    plan = calculate(D("300000"), 360, "equal_installment", D("0.026"))

    assert plan.first_payment == D("1201.02")
    assert plan.schedule[0].interest == D("650.00")
    assert plan.schedule[0].principal == D("551.02")
    assert plan.schedule[0].remaining == D("299448.98")
    assert plan.total_interest == D("132366.63")
    assert plan.total_payment == D("432366.63")
    assert plan.annual_rate == D("0.026")
    assert plan.method is RepaymentMethod.EQUAL_INSTALLMENT


def test_equal_installment_last_month_takes_all_remaining_principal():
    last = calculate(D("300000"), 360, "equal_installment", D("0.026")).schedule[-1]

    assert last == last.__class__(360, D("1200.45"), D("1197.85"), D("2.60"), D("0.00"))


def test_equal_principal_reproduces_the_domain_check_figures():
    plan = calculate(D("300000"), 360, "equal_principal", D("0.026"))

    assert plan.schedule[0].payment == D("1483.33")
    assert plan.schedule[0].principal == D("833.33")
    assert plan.schedule[0].interest == D("650.00")
    assert plan.schedule[1].payment == D("1481.52")
    assert plan.schedule[1].interest == D("648.19")
    assert plan.first_payment == D("1483.33")


def test_equal_principal_last_month_takes_the_rounding_remainder():
    plan = calculate(D("300000"), 360, "equal_principal", D("0.026"))

    # 359 × 833.33 = 299,165.47 leaves 834.53 for month 360.
    assert plan.schedule[-1].principal == D("834.53")
    assert plan.schedule[-1].payment == D("836.34")
    assert plan.total_interest == D("117325.45")


def test_interest_rounds_half_up_on_an_exact_half_fen():
    # 1,500.00 × 2.6 % / 12 = 3.25 exactly; 10.00 × 3 % / 12 = 0.025 exactly, which rounds up to 0.03.
    assert monthly_interest(D("1500.00"), D("0.026")) == D("3.25")
    assert monthly_interest(D("10.00"), D("0.03")) == D("0.03")


def test_equal_installment_payment_is_the_annuity_rounded_to_the_fen():
    assert equal_installment_payment(D("300000"), D("0.026"), 360) == D("1201.02")
    assert equal_installment_payment(D("120000"), D("0.021"), 60) == D("2108.59")


def test_default_rate_follows_the_term_and_the_home():
    assert calculate(100000, 60, "equal_installment").annual_rate == D("0.021")
    assert calculate(100000, 61, "equal_installment").annual_rate == D("0.026")
    assert calculate(100000, 60, "equal_principal", first_home=False).annual_rate == D("0.02525")
    assert calculate(100000, 240, "equal_principal", first_home=False).annual_rate == D("0.03075")


def test_a_centre_may_replace_the_rates():
    rates = LoanRates(first_home_over_5_years=D("0.0285"))

    assert calculate(100000, 120, "equal_installment", rates=rates).annual_rate == D("0.0285")


def test_amount_and_rate_accept_strings_and_integers():
    from_text = calculate("300000.00", 360, "equal_installment", "0.026")

    assert from_text.first_payment == D("1201.02")
    assert from_text.amount == D("300000.00")


@pytest.mark.parametrize(
    ("amount", "term", "method", "rate", "code", "field"),
    [
        (D("999.99"), 120, "equal_installment", None, "AMOUNT_OUT_OF_RANGE", "amount"),
        (D("1200000.01"), 120, "equal_installment", None, "AMOUNT_OUT_OF_RANGE", "amount"),
        (D("5000.001"), 120, "equal_installment", None, "AMOUNT_TOO_PRECISE", "amount"),
        ("五万", 120, "equal_installment", None, "AMOUNT_INVALID", "amount"),
        ("NaN", 120, "equal_installment", None, "AMOUNT_INVALID", "amount"),
        (True, 120, "equal_installment", None, "AMOUNT_INVALID", "amount"),
        (D("50000"), 11, "equal_installment", None, "TERM_OUT_OF_RANGE", "term_months"),
        (D("50000"), 361, "equal_installment", None, "TERM_OUT_OF_RANGE", "term_months"),
        (D("50000"), 12.5, "equal_installment", None, "TERM_INVALID", "term_months"),
        (D("50000"), 120, "balloon", None, "METHOD_UNKNOWN", "method"),
        (D("50000"), 120, "equal_principal", D("0"), "RATE_OUT_OF_RANGE", "annual_rate"),
        (D("50000"), 120, "equal_principal", D("-0.01"), "RATE_OUT_OF_RANGE", "annual_rate"),
        (D("50000"), 120, "equal_principal", D("0.20"), "RATE_OUT_OF_RANGE", "annual_rate"),
        (D("50000"), 120, "equal_principal", D("2.6"), "RATE_OUT_OF_RANGE", "annual_rate"),
    ],
)
def test_unusable_inputs_are_refused_with_a_stable_code(amount, term, method, rate, code, field):
    with pytest.raises(RuleViolation) as refused:
        calculate(amount, term, method, rate)

    assert refused.value.code == code
    assert refused.value.field == field
    assert refused.value.detail  # shown to the user as is


def test_range_messages_are_in_chinese_with_the_limits():
    problems = check_loan_terms(D("500"), 400, "equal_installment", D("0.3"))

    assert [p.detail for p in problems] == [
        "贷款金额须在1,000元至1,200,000元之间",
        "贷款期限须在12至360个月之间",
        "年利率须大于0且小于20.00%",
    ]


def test_every_problem_is_listed_not_only_the_first():
    problems = check_loan_terms("x", "y", "z", "w")

    assert [p.code for p in problems] == [
        "AMOUNT_INVALID",
        "TERM_INVALID",
        "METHOD_UNKNOWN",
        "RATE_OUT_OF_RANGE",
    ]


def test_limits_are_configuration():
    limits = CalculatorLimits(max_amount=D("500000"), max_term_months=300)

    assert [p.code for p in check_loan_terms(D("600000"), 360, "equal_principal", None, limits)] == [
        "AMOUNT_OUT_OF_RANGE",
        "TERM_OUT_OF_RANGE",
    ]
    assert calculate(D("1200000"), 360, "equal_principal").term_months == 360


def test_boundaries_are_inclusive():
    assert len(calculate(D("1000"), 12, "equal_installment").schedule) == 12
    assert len(calculate(D("1200000"), 360, "equal_principal").schedule) == 360


def test_high_rate_small_loan_may_end_early_rather_than_go_below_zero():
    # A's half-fen rounding compounds with (1+i)^k; at 17.7 % on 1,468.12 yuan the regular payment covers the
    # rest one month before the term. The schedule ends there: no negative or empty row.
    plan = calculate(D("1468.12"), 360, "equal_installment", D("0.17742"))

    assert len(plan.schedule) == 359
    assert plan.term_months == 359
    assert plan.schedule[-1].remaining == D("0.00")
    assert all(row.principal > 0 for row in plan.schedule)
    assert sum(row.principal for row in plan.schedule) == D("1468.12")


def test_equal_principal_last_payment_can_exceed_the_one_before_by_the_rounding_remainder():
    # 1,001.79 / 360 = 2.78275 rounds to 2.78; 359 × 2.78 leaves 3.77 for the last month, 0.99 more than the
    # regular principal, while the interest only falls by about a fen: DOMAIN.md's rule makes the last rise.
    plan = calculate(D("1001.79"), 360, "equal_principal", D("0.026"))

    assert plan.schedule[-2].payment == D("2.79")
    assert plan.schedule[-1].principal == D("3.77")
    assert plan.schedule[-1].payment == D("3.78")


amounts = st.integers(min_value=100_000, max_value=120_000_000).map(lambda fen: Decimal(fen) / 100)
terms = st.integers(min_value=12, max_value=360)
# Up to 8 %: fund rates have never come near; above ~9 % tiny loans can end a month early (see above).
rates = st.integers(min_value=1, max_value=8000).map(lambda basis: Decimal(basis) / 100_000)
any_rates = st.integers(min_value=1, max_value=19_999).map(lambda basis: Decimal(basis) / 100_000)
methods = st.sampled_from(list(RepaymentMethod))


@settings(max_examples=300, deadline=None)
@given(amounts, terms, any_rates, methods)
def test_principal_sums_to_the_amount_exactly_and_remaining_reaches_zero(amount, term, rate, method):
    plan = calculate(amount, term, method, rate)

    assert sum(row.principal for row in plan.schedule) == amount
    assert plan.schedule[-1].remaining == D("0.00")
    assert all(row.remaining > 0 for row in plan.schedule[:-1])
    assert all(row.payment == row.principal + row.interest for row in plan.schedule)
    assert all(row.principal > 0 and row.interest >= 0 for row in plan.schedule)
    assert plan.total_interest == sum(row.interest for row in plan.schedule)
    assert plan.total_payment == amount + plan.total_interest
    assert [row.period for row in plan.schedule] == list(range(1, len(plan.schedule) + 1))


@settings(max_examples=300, deadline=None)
@given(amounts, terms, rates, methods)
def test_schedule_runs_the_whole_term_at_realistic_rates(amount, term, rate, method):
    assert len(calculate(amount, term, method, rate).schedule) == term


@settings(max_examples=300, deadline=None)
@given(amounts, terms, any_rates)
def test_equal_installment_payments_are_equal_except_the_last(amount, term, rate):
    plan = calculate(amount, term, "equal_installment", rate)

    assert {row.payment for row in plan.schedule[:-1]} <= {plan.first_payment}
    assert plan.first_payment == equal_installment_payment(amount, rate, term)


@settings(max_examples=300, deadline=None)
@given(amounts, terms, any_rates)
def test_equal_principal_payments_never_rise_before_the_last_month(amount, term, rate):
    plan = calculate(amount, term, "equal_principal", rate)
    payments = [row.payment for row in plan.schedule]
    regular = plan.schedule[0].principal

    assert all(later <= earlier for earlier, later in pairwise(payments[:-1]))
    # The last month may exceed the one before only by the principal rounding remainder it absorbs.
    remainder = amount - regular * term
    assert payments[-1] - payments[-2] <= max(remainder, D(0))
    assert abs(remainder) <= D("0.005") * term
