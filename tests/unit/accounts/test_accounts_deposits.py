from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chassis.rules import RuleViolation as BaseRuleViolation
from services.accounts.domain.deposits import (
    DepositKind,
    DepositRules,
    YearMonth,
    check_base,
    fully_deposited_months,
    monthly_deposit,
    paid_up_to_after,
)
from services.accounts.domain.errors import RuleViolation

YINCHUAN = DepositRules()


def months(*texts):
    return [YearMonth.parse(text) for text in texts]


def test_each_share_is_rounded_to_the_yuan_half_up_and_the_total_is_their_sum():
    deposit = monthly_deposit(Decimal("4050"), Decimal("0.07"), Decimal("0.07"), YINCHUAN)
    assert deposit.unit_amount == Decimal("284.00")  # 283.5 rounds up
    assert deposit.personal_amount == Decimal("284.00")
    assert deposit.total == Decimal("568.00")


def test_shares_with_different_ratios_round_separately():
    deposit = monthly_deposit(Decimal("5123.45"), Decimal("0.12"), Decimal("0.05"), YINCHUAN)
    assert deposit.unit_amount == Decimal("615.00")  # 614.814
    assert deposit.personal_amount == Decimal("256.00")  # 256.1725
    assert deposit.total == Decimal("871.00")


def test_twelve_percent_of_six_thousand_is_1440_a_month():
    assert monthly_deposit(Decimal("6000"), Decimal("0.12"), Decimal("0.12"), YINCHUAN).total == Decimal("1440.00")


@given(
    base=st.decimals(min_value=2050, max_value=33747, places=2),
    employer=st.integers(min_value=5, max_value=12),
    personal=st.integers(min_value=5, max_value=12),
)
def test_each_share_is_within_half_a_yuan_of_the_exact_product(base, employer, personal):
    deposit = monthly_deposit(base, Decimal(employer) / 100, Decimal(personal) / 100, YINCHUAN)
    for share, ratio in ((deposit.unit_amount, employer), (deposit.personal_amount, personal)):
        assert share == share.to_integral_value()
        assert abs(share - base * ratio / 100) <= Decimal("0.5")
    assert deposit.total == deposit.unit_amount + deposit.personal_amount


def test_the_bounds_themselves_are_accepted():
    assert check_base(Decimal("2050"), YINCHUAN) == Decimal("2050")
    assert check_base(Decimal("33747"), YINCHUAN) == Decimal("33747")


@pytest.mark.parametrize("base", ["2049.99", "33747.01", "0"])
def test_a_base_out_of_the_centres_bounds_is_refused_in_chinese(base):
    with pytest.raises(RuleViolation) as refused:
        monthly_deposit(Decimal(base), Decimal("0.12"), Decimal("0.12"), YINCHUAN)
    assert refused.value.code == "DEPOSIT_BASE_OUT_OF_RANGE"
    assert refused.value.field == "deposit_base"
    assert "2,050.00元至33,747.00元" in refused.value.detail


@pytest.mark.parametrize(
    ("employer", "personal", "field", "words"),
    [("0.04", "0.12", "employer_ratio", "单位缴存比例"), ("0.12", "0.13", "personal_ratio", "个人缴存比例")],
)
def test_a_ratio_outside_5_to_12_percent_is_refused_naming_the_share(employer, personal, field, words):
    with pytest.raises(RuleViolation) as refused:
        monthly_deposit(Decimal("6000"), Decimal(employer), Decimal(personal), YINCHUAN)
    assert refused.value.code == "DEPOSIT_RATIO_OUT_OF_RANGE"
    assert refused.value.field == field
    assert words in refused.value.detail and "5%至12%" in refused.value.detail


def test_a_base_with_more_than_two_decimals_is_refused():
    with pytest.raises(RuleViolation) as refused:
        check_base(Decimal("6000.001"), YINCHUAN)
    assert refused.value.code == "DEPOSIT_BASE_INVALID"


def test_regular_deposit_moves_paid_up_to_to_its_month():
    assert paid_up_to_after(YearMonth(2026, 3), YearMonth(2026, 4), DepositKind.REGULAR) == YearMonth(2026, 4)
    assert paid_up_to_after(None, YearMonth(2026, 4), DepositKind.REGULAR) == YearMonth(2026, 4)


def test_regular_deposit_across_a_year_end_advances_to_january():
    assert paid_up_to_after(YearMonth(2026, 12), YearMonth(2027, 1), DepositKind.REGULAR) == YearMonth(2027, 1)


def test_a_month_already_paid_cannot_be_deposited_regularly_again():
    with pytest.raises(RuleViolation) as refused:
        paid_up_to_after(YearMonth(2026, 4), YearMonth(2026, 4), DepositKind.REGULAR)
    assert refused.value.code == "DEPOSIT_MONTH_ALREADY_PAID"
    assert "2026年04月" in refused.value.detail


def test_supplementary_deposit_of_a_past_month_leaves_paid_up_to_alone():
    assert paid_up_to_after(YearMonth(2026, 4), YearMonth(2026, 1), DepositKind.SUPPLEMENTARY) == YearMonth(2026, 4)


def test_supplementary_deposits_of_the_next_months_catch_up_one_by_one():
    paid_up_to = YearMonth(2025, 12)
    for month in months("2026-01", "2026-02", "2026-03"):
        paid_up_to = paid_up_to_after(paid_up_to, month, DepositKind.SUPPLEMENTARY)
    assert paid_up_to == YearMonth(2026, 3)


def test_supplementary_deposit_beyond_the_next_month_is_refused():
    with pytest.raises(RuleViolation) as refused:
        paid_up_to_after(YearMonth(2026, 1), YearMonth(2026, 3), DepositKind.SUPPLEMENTARY)
    assert refused.value.code == "DEPOSIT_MONTH_NOT_CONTIGUOUS"


def test_a_month_paid_partly_then_topped_up_counts_as_full():
    postings = [
        (YearMonth(2026, 1), Decimal("1440.00")),
        (YearMonth(2026, 2), Decimal("1000.00")),
        (YearMonth(2026, 3), Decimal("1440.00")),
    ]
    assert fully_deposited_months(postings, Decimal("1440.00")) == {YearMonth(2026, 1), YearMonth(2026, 3)}
    topped_up = [*postings, (YearMonth(2026, 2), Decimal("440.00"))]
    assert fully_deposited_months(topped_up, Decimal("1440.00")) == set(months("2026-01", "2026-02", "2026-03"))


def test_required_amount_may_change_with_the_fund_year():
    postings = [(YearMonth(2026, 6), Decimal("1200.00")), (YearMonth(2026, 7), Decimal("1300.00"))]
    required = {YearMonth(2026, 6): Decimal("1200.00"), YearMonth(2026, 7): Decimal("1440.00")}
    assert fully_deposited_months(postings, required) == {YearMonth(2026, 6)}


def test_year_month_parses_both_spellings_and_prints_for_users():
    assert YearMonth.parse("202603") == YearMonth.parse("2026-03") == YearMonth(2026, 3)
    assert YearMonth(2026, 3).label == "2026年03月"
    assert str(YearMonth(2026, 3)) == "2026-03"
    with pytest.raises(BaseRuleViolation):
        YearMonth.parse("2026-13")
