"""Early repayment trial: shortening the term or lowering the payment after a partial prepayment."""

import math
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.loans.domain.calculator import (
    CalculatorLimits,
    RepaymentMethod,
    calculate,
    equal_installment_payment,
)
from services.loans.domain.errors import RuleViolation
from services.loans.domain.prepayment import PrepaymentMode, check_prepayment, trial_prepayment

D = Decimal
RATE = D("0.026")


@pytest.fixture
def installment_plan():
    return calculate(D("300000"), 360, "equal_installment", RATE)


@pytest.fixture
def principal_plan():
    return calculate(D("300000"), 360, "equal_principal", RATE)


def test_shortening_the_term_keeps_the_monthly_payment(installment_plan):
    trial = trial_prepayment(installment_plan, 12, D("100000"), "shorten_term")

    assert trial.remaining_before == installment_plan.schedule[11].remaining == D("293308.39")
    assert trial.remaining_after == D("193308.39")
    assert trial.new_payment == trial.original_next_payment == D("1201.02")
    assert {row.payment for row in trial.schedule[:-1]} == {D("1201.02")}
    assert trial.schedule[-1].payment <= D("1201.02")
    assert trial.new_term_months == 211
    assert trial.months_saved == 149
    assert trial.interest_saved == D("79986.41")


def test_shortened_term_matches_the_annuity_formula(installment_plan):
    trial = trial_prepayment(installment_plan, 12, D("100000"), "shorten_term")
    i = 0.026 / 12

    months_needed = math.ceil(-math.log(1 - 193308.39 * i / 1201.02) / math.log(1 + i))
    assert len(trial.schedule) == months_needed


def test_lowering_the_payment_keeps_the_term(installment_plan):
    trial = trial_prepayment(installment_plan, 12, D("100000"), "lower_payment")

    assert trial.new_term_months == 360
    assert len(trial.schedule) == 348
    assert trial.new_payment == equal_installment_payment(D("193308.39"), RATE, 348) == D("791.55")
    assert trial.schedule[-1].period == 360
    assert trial.interest_saved == D("42496.99")


def test_shortening_saves_more_interest_than_lowering(installment_plan):
    shorter = trial_prepayment(installment_plan, 24, D("50000"), "shorten_term")
    lower = trial_prepayment(installment_plan, 24, D("50000"), "lower_payment")

    assert shorter.interest_saved > lower.interest_saved > 0


def test_equal_principal_shortening_keeps_the_monthly_principal(principal_plan):
    trial = trial_prepayment(principal_plan, 12, D("100000"), "shorten_term")

    assert trial.remaining_before == D("290000.04")
    assert {row.principal for row in trial.schedule[:-1]} == {D("833.33")}
    assert len(trial.schedule) == math.ceil(D("190000.04") / D("833.33"))
    assert trial.schedule[-1].principal == D("190000.04") - D("833.33") * (len(trial.schedule) - 1)
    assert trial.new_term_months == 241


def test_equal_principal_lowering_spreads_the_rest_over_the_same_months(principal_plan):
    trial = trial_prepayment(principal_plan, 12, D("100000"), "lower_payment")

    assert trial.schedule[0].principal == D("545.98")  # 190,000.04 / 348 = 545.977…
    assert trial.new_payment == D("545.98") + D("411.67")  # interest on 190,000.04 at 2.6 % / 12
    assert trial.new_term_months == 360


def test_new_schedule_is_numbered_on_from_the_prepayment_month(installment_plan):
    trial = trial_prepayment(installment_plan, 100, D("20000"), PrepaymentMode.LOWER_PAYMENT)

    assert [row.period for row in trial.schedule] == list(range(101, 361))
    assert trial.schedule[0].interest == round(trial.remaining_after * RATE / 12, 2)


@pytest.mark.parametrize(
    ("after_period", "prepayment", "mode", "code"),
    [
        (0, D("10000"), "shorten_term", "PREPAYMENT_PERIOD_OUT_OF_RANGE"),
        (360, D("10000"), "shorten_term", "PREPAYMENT_PERIOD_OUT_OF_RANGE"),
        ("12", D("10000"), "shorten_term", "PREPAYMENT_PERIOD_OUT_OF_RANGE"),
        (12, D("0"), "shorten_term", "PREPAYMENT_AMOUNT_INVALID"),
        (12, D("-5"), "shorten_term", "PREPAYMENT_AMOUNT_INVALID"),
        (12, D("100.001"), "shorten_term", "PREPAYMENT_AMOUNT_INVALID"),
        (12, D("292308.40"), "shorten_term", "PREPAYMENT_TOO_LARGE"),
        (12, D("293308.39"), "lower_payment", "PREPAYMENT_TOO_LARGE"),
        (12, D("10000"), "skip_months", "PREPAYMENT_MODE_UNKNOWN"),
    ],
)
def test_unusable_prepayments_are_refused(installment_plan, after_period, prepayment, mode, code):
    with pytest.raises(RuleViolation) as refused:
        trial_prepayment(installment_plan, after_period, prepayment, mode)

    assert refused.value.code == code


def test_the_largest_partial_prepayment_leaves_the_minimum_principal(installment_plan):
    trial = trial_prepayment(installment_plan, 12, D("292308.39"), "shorten_term")

    assert trial.remaining_after == D("1000.00")
    assert sum(row.principal for row in trial.schedule) == D("1000.00")


def test_too_large_message_says_how_much_may_be_prepaid(installment_plan):
    problems = check_prepayment(installment_plan, 12, D("300000"), "shorten_term")

    assert problems[0].detail == (
        "第12期后剩余本金293,308.39元，部分提前还款后须至少保留1,000元本金，本次最多可还292,308.39元；"
        "如需全部结清请办理提前结清"
    )


def test_the_minimum_principal_left_is_configuration(installment_plan):
    limits = CalculatorLimits(min_principal_after_prepayment=D("50000"))

    assert [p.code for p in check_prepayment(installment_plan, 12, D("250000"), "shorten_term", limits)] == [
        "PREPAYMENT_TOO_LARGE"
    ]


@st.composite
def prepayment_cases(draw):
    amount = D(draw(st.integers(min_value=1_000_000, max_value=120_000_000))) / 100
    term = draw(st.integers(min_value=12, max_value=360))
    rate = D(draw(st.integers(min_value=1000, max_value=8000))) / 100_000
    method = draw(st.sampled_from(list(RepaymentMethod)))
    plan = calculate(amount, term, method, rate)
    after = draw(st.integers(min_value=1, max_value=term - 1))
    owed = plan.schedule[after - 1].remaining
    assume(owed > D("1100"))
    fen = draw(st.integers(min_value=10_000, max_value=int((owed - 1000) * 100)))
    mode = draw(st.sampled_from(list(PrepaymentMode)))
    return plan, after, D(fen) / 100, mode


@settings(max_examples=300, deadline=None)
@given(prepayment_cases())
def test_every_trial_repays_exactly_what_remains_and_saves_interest(case):
    plan, after, prepayment, mode = case
    trial = trial_prepayment(plan, after, prepayment, mode)

    assert sum(row.principal for row in trial.schedule) == trial.remaining_after == trial.remaining_before - prepayment
    assert trial.schedule[-1].remaining == D("0.00")
    assert all(row.principal > 0 for row in trial.schedule)
    assert trial.schedule[0].period == after + 1
    assert trial.new_term_months == after + len(trial.schedule) <= plan.term_months
    assert trial.interest_saved > 0
    if mode is PrepaymentMode.LOWER_PAYMENT:
        assert trial.new_term_months == plan.term_months
        assert trial.new_payment <= trial.original_next_payment
    elif plan.method is RepaymentMethod.EQUAL_INSTALLMENT:
        assert {row.payment for row in trial.schedule[:-1]} <= {plan.first_payment}
    else:
        assert {row.principal for row in trial.schedule[:-1]} <= {plan.schedule[0].principal}
