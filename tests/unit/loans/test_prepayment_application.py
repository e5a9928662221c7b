"""The prepayment application's rules and figures, without Flask or a database: the figures are the calculator's
trial on the loan's schedule, each refusal has its code, the workflow table says who moves it where."""

from decimal import Decimal

import pytest

from services.loans.domain.calculator import calculate
from services.loans.domain.errors import TransitionRefused
from services.loans.domain.prepayment import PrepaymentMode, trial_prepayment
from services.loans.domain.prepayment_application import (
    LoanPosition,
    PrepaymentRequest,
    advance_prepayment,
    allowed_moves,
    check_prepayment_request,
    figure_prepayment,
)

PLAN = calculate("300000", 240, "equal_installment", "0.026")
MINIMUM = Decimal("10000")


def position(k: int = 3, **changes) -> LoanPosition:
    return LoanPosition(
        **{"plan": PLAN, "last_paid_period": k, "repaying": True, "overdue": False, "regular": PLAN.schedule[0]}
        | changes
    )


def codes(request: PrepaymentRequest, where: LoanPosition | None = None) -> list[str]:
    return [problem.code for problem in check_prepayment_request(where or position(), request, MINIMUM)]


@pytest.mark.parametrize(
    ("mode", "trial_mode"), [("shorten_term", "shorten_term"), ("reduce_payment", "lower_payment")]
)
def test_the_figures_are_the_calculators_trial_after_the_last_paid_month(mode, trial_mode):
    figures = figure_prepayment(position(), PrepaymentRequest("50000.00", False, mode, "card"), MINIMUM)
    trial = trial_prepayment(PLAN, 3, "50000.00", trial_mode)
    assert figures.schedule == trial.schedule and figures.new_term_months == trial.new_term_months
    assert figures.remaining_after == PLAN.schedule[2].remaining - Decimal("50000.00")
    assert figures.interest_saved == trial.interest_saved > 0


def test_a_full_payoff_repays_the_principal_owed_and_saves_every_later_months_interest():
    figures = figure_prepayment(position(), PrepaymentRequest(None, True, None, "fund_account"), MINIMUM)
    assert figures.amount == PLAN.schedule[2].remaining and figures.remaining_after == 0
    assert figures.schedule == () and figures.new_term_months == 3 and figures.months_saved == 237
    assert figures.interest_saved == sum(row.interest for row in PLAN.schedule[3:])


def test_each_rule_refuses_with_its_own_code():
    assert codes(PrepaymentRequest("400000", False, "shorten_term", "card")) == ["PREPAYMENT_EXCEEDS_PRINCIPAL"]
    assert codes(PrepaymentRequest("9999.99", False, "shorten_term", "card")) == ["PREPAYMENT_BELOW_MINIMUM"]
    owed = PLAN.schedule[2].remaining
    assert codes(PrepaymentRequest(str(owed - 500), False, "shorten_term", "card")) == ["PREPAYMENT_TOO_LARGE"]
    assert codes(PrepaymentRequest("10000.001", False, "shorten_term", "card")) == ["PREPAYMENT_AMOUNT_INVALID"]
    assert codes(PrepaymentRequest(None, False, "shorten_term", "card")) == ["PREPAYMENT_AMOUNT_REQUIRED"]
    assert codes(PrepaymentRequest("20000", False, "shorter", "cash")) == [
        "PREPAYMENT_SOURCE_UNKNOWN",
        "PREPAYMENT_MODE_UNKNOWN",
    ]
    assert codes(PrepaymentRequest(None, True, None, "card"), position(overdue=True)) == ["PREPAYMENT_LOAN_OVERDUE"]
    assert codes(PrepaymentRequest(None, True, None, "card"), position(open_prepayment_no="TH1")) == [
        "PREPAYMENT_ALREADY_OPEN"
    ]
    assert codes(PrepaymentRequest(None, True, None, "card"), position(0)) == ["PREPAYMENT_BEFORE_FIRST_INSTALMENT"]
    assert codes(PrepaymentRequest(None, True, None, "card"), position(repaying=False)) == ["LOAN_NOT_REPAYING"]
    assert codes(PrepaymentRequest(None, True, None, "card")) == []


def test_shortening_after_an_earlier_lower_payment_keeps_the_lowered_payment():
    lowered = trial_prepayment(PLAN, 3, "50000", PrepaymentMode.LOWER_PAYMENT)
    schedule = (*PLAN.schedule[:3], *lowered.schedule)
    plan = PLAN.__class__.of(PLAN.amount, PLAN.method, PLAN.annual_rate, list(schedule))
    later = LoanPosition(plan, 10, True, False, regular=schedule[3])
    figures = figure_prepayment(later, PrepaymentRequest("20000", False, "shorten_term", "card"), MINIMUM)
    assert figures.schedule[0].payment == lowered.new_payment
    assert figures.new_term_months < 240


def test_the_bank_officer_decides_the_borrower_cancels_only_before_and_a_refusal_needs_an_opinion():
    bank, borrower = frozenset({"bank_officer"}), frozenset({"applicant"})
    assert [move.target.value for move in allowed_moves("submitted", bank)] == ["confirmed", "refused"]
    assert [move.target.value for move in allowed_moves("submitted", borrower)] == ["cancelled"]
    assert advance_prepayment("submitted", to="confirmed", roles=bank).action == "确认办理"
    with pytest.raises(TransitionRefused) as refused:
        advance_prepayment("submitted", to="refused", roles=bank)
    assert refused.value.code == "OPINION_REQUIRED"
    with pytest.raises(TransitionRefused) as late:
        advance_prepayment("confirmed", to="cancelled", roles=borrower)
    assert late.value.code == "ILLEGAL_TRANSITION"
    with pytest.raises(TransitionRefused) as officer:
        advance_prepayment("submitted", to="confirmed", roles=frozenset({"loan_officer"}))
    assert officer.value.code == "ROLE_NOT_ALLOWED"
