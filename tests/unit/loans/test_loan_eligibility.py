"""Loan eligibility: each rule of the policy failing alone, several at once, and the computed max amount."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from chassis.pii import id_check_char
from services.loans.domain.eligibility import (
    DepositorFacts,
    LoanPolicy,
    LoanRequest,
    add_months,
    check_eligibility,
    sex_and_birth_date,
)
from services.loans.domain.rates import LoanRates

D = Decimal
AS_OF = date(2026, 3, 1)


def id_number(birth: date, male: bool, region: str = "640105") -> str:
    first17 = f"{region}{birth:%Y%m%d}12{'3' if male else '4'}"
    return first17 + id_check_char(first17)


YOUNG_MAN = id_number(date(1995, 6, 20), male=True)
APPLICANT = DepositorFacts(
    id_number=YOUNG_MAN,
    account_status="normal",
    balance=D("50000.00"),
    continuous_deposit_months=24,
    deposit_base=D("8000.00"),
)
SPOUSE = DepositorFacts(
    id_number=id_number(date(1996, 1, 5), male=False),
    account_status="normal",
    balance=D("20000.00"),
    continuous_deposit_months=12,
    deposit_base=D("6000.00"),
)
REQUEST = LoanRequest(
    amount=D("300000"),
    term_months=360,
    method="equal_installment",
    house_price=D("500000"),
    first_home=True,
    as_of=AS_OF,
)


def codes(applicant=APPLICANT, request=REQUEST, co_borrower=None, **options):
    return check_eligibility(applicant, request, co_borrower, **options).codes


def test_a_sound_application_passes_every_rule():
    result = check_eligibility(APPLICANT, REQUEST)

    assert result.eligible
    assert result.failures == ()
    assert result.first_payment == D("1201.02")
    assert result.monthly_income == D("8000.00")
    # min(700,000 cap, 30 × 50,000, 80 % × 500,000)
    assert result.max_amount == D("400000.00")
    assert (result.limits.by_policy_cap, result.limits.by_balance) == (D("700000"), D("1500000.00"))


def test_account_must_be_normal():
    result = check_eligibility(replace(APPLICANT, account_status="sealed"), REQUEST)

    assert result.codes == ["ACCOUNT_NOT_NORMAL"]
    assert result.failures[0].detail == "公积金账户状态为“封存”，须为“正常”方可申请贷款"


def test_six_months_of_continuous_deposits_are_needed():
    assert codes(replace(APPLICANT, continuous_deposit_months=6)) == []
    result = check_eligibility(replace(APPLICANT, continuous_deposit_months=5), REQUEST)

    assert result.codes == ["DEPOSIT_MONTHS_TOO_FEW"]
    assert result.failures[0].detail == "须连续足额缴存住房公积金满6个月，目前为5个月"


def test_no_other_open_loan():
    assert codes(replace(APPLICANT, has_open_loan=True)) == ["OPEN_LOAN_EXISTS"]


def test_no_withdrawal_in_progress():
    assert codes(replace(APPLICANT, withdrawal_in_progress=True)) == ["WITHDRAWAL_IN_PROGRESS"]


def test_co_borrowing_spouse_with_an_open_loan_fails_too():
    result = check_eligibility(APPLICANT, REQUEST, replace(SPOUSE, has_open_loan=True))

    assert [(f.code, f.subject) for f in result.failures] == [("OPEN_LOAN_EXISTS", "co_borrower")]
    assert result.failures[0].detail == "共同借款人（配偶）尚有未结清的住房公积金贷款"


def test_amount_capped_at_700_thousand_for_a_single_depositor():
    rich = replace(APPLICANT, balance=D("100000"))
    request = replace(REQUEST, amount=D("750000"), house_price=D("1200000"))
    result = check_eligibility(rich, request)

    assert result.codes == ["AMOUNT_OVER_LIMIT"]
    assert result.max_amount == D("700000")
    assert result.failures[0].detail == "申请金额750,000.00元超过可贷额度700,000.00元（单方缴存最高70万元）"


def test_a_depositing_spouse_raises_the_cap_to_900_thousand():
    rich = replace(APPLICANT, balance=D("100000"))
    request = replace(REQUEST, amount=D("850000"), house_price=D("1200000"), monthly_income=D("20000"))

    assert codes(rich, request, SPOUSE) == []
    assert check_eligibility(rich, request, SPOUSE).limits.by_policy_cap == D("900000")


def test_amount_at_most_30_times_the_balances():
    poor = replace(APPLICANT, balance=D("5000.00"))
    result = check_eligibility(poor, replace(REQUEST, amount=D("200000")))

    assert result.codes == ["AMOUNT_OVER_LIMIT"]
    assert result.max_amount == D("150000.00")
    assert "缴存余额的30倍" in result.failures[0].detail


def test_a_depositing_spouses_balance_counts():
    poor = replace(APPLICANT, balance=D("5000.00"))

    assert check_eligibility(poor, replace(REQUEST, amount=D("200000")), SPOUSE).max_amount == D("400000.00")
    assert codes(poor, replace(REQUEST, amount=D("200000")), SPOUSE) == []


def test_a_spouse_who_no_longer_deposits_adds_neither_balance_nor_cap():
    sealed_spouse = replace(SPOUSE, account_status="sealed")
    poor = replace(APPLICANT, balance=D("5000.00"))
    result = check_eligibility(poor, replace(REQUEST, amount=D("200000")), sealed_spouse)

    assert result.codes == ["AMOUNT_OVER_LIMIT"]
    assert (result.limits.by_policy_cap, result.max_amount) == (D("700000"), D("150000.00"))


def test_first_home_at_most_80_percent_of_the_price():
    result = check_eligibility(APPLICANT, replace(REQUEST, amount=D("400000.01")))

    assert result.codes == ["AMOUNT_OVER_LIMIT"]
    assert "首套住房不超过房屋总价的80%" in result.failures[0].detail


def test_second_home_at_most_60_percent_of_the_price():
    second = replace(REQUEST, amount=D("300000.01"), first_home=False)
    result = check_eligibility(APPLICANT, second)

    assert result.codes == ["AMOUNT_OVER_LIMIT"]
    assert result.max_amount == D("300000.00")
    assert "第二套住房不超过房屋总价的60%" in result.failures[0].detail
    assert result.first_payment == D("1276.98")  # at the second-home rate 3.075 %


def test_ceilings_round_down_to_the_fen():
    result = check_eligibility(replace(APPLICANT, balance=D("0.01")), REQUEST)

    assert result.limits.by_balance == D("0.30")
    assert check_eligibility(APPLICANT, replace(REQUEST, house_price=D("0.07"))).limits.by_house_price == D("0.05")


def test_sex_and_birth_date_come_from_the_id_number():
    assert sex_and_birth_date("11010519491231002X") == ("female", date(1949, 12, 31))
    assert sex_and_birth_date("440524188001010014") == ("male", date(1880, 1, 1))


def test_loan_must_end_within_5_years_after_a_mans_retirement_at_60():
    man = replace(APPLICANT, id_number=id_number(date(1970, 8, 10), male=True))
    # Latest end 2035-08-10: from 2026-03-01 that is 113 months.
    assert codes(man, replace(REQUEST, term_months=113)) == []
    result = check_eligibility(man, replace(REQUEST, term_months=114))

    assert result.codes == ["TERM_BEYOND_RETIREMENT"]
    assert result.max_term_months == 113
    assert result.failures[0].detail == (
        "贷款到期日不得晚于法定退休年龄（男60周岁）后5年，即2035年08月10日，最长可贷113个月"
    )


def test_a_woman_retires_at_55_by_default():
    woman = replace(APPLICANT, id_number=id_number(date(1970, 8, 10), male=False))
    result = check_eligibility(woman, replace(REQUEST, term_months=60, monthly_income=D("20000")))

    assert result.codes == ["TERM_BEYOND_RETIREMENT"]
    assert result.max_term_months == 53


def test_retirement_ages_are_configuration():
    woman = replace(APPLICANT, id_number=id_number(date(1970, 8, 10), male=False))
    policy = LoanPolicy(retirement_age_female=58)

    assert codes(woman, replace(REQUEST, term_months=60, monthly_income=D("20000")), policy=policy) == []


def test_past_the_latest_end_no_term_is_possible():
    old = replace(APPLICANT, id_number=id_number(date(1955, 1, 1), male=True))

    assert check_eligibility(old, replace(REQUEST, term_months=12)).max_term_months == 0


def test_term_at_most_the_policys_maximum():
    policy = LoanPolicy(max_term_months=240)
    result = check_eligibility(APPLICANT, replace(REQUEST, term_months=300), policy=policy)

    assert result.codes == ["TERM_TOO_LONG"]
    assert result.failures[0].detail == "贷款期限最长20年（240个月）"


def test_first_payment_at_most_half_the_stated_income():
    result = check_eligibility(APPLICANT, replace(REQUEST, monthly_income=D("2400")))

    assert result.codes == ["PAYMENT_OVER_INCOME"]
    assert result.failures[0].detail == "首月还款额1,201.02元超过月收入2,400.00元的50%"
    assert codes(request=replace(REQUEST, monthly_income=D("2402.04"))) == []


def test_deposit_bases_stand_for_income_when_none_is_given():
    low_base = replace(APPLICANT, deposit_base=D("2050"))

    assert codes(low_base) == ["PAYMENT_OVER_INCOME"]
    result = check_eligibility(low_base, REQUEST, SPOUSE)
    assert result.monthly_income == D("8050")
    assert result.codes == []


def test_stated_income_must_be_positive():
    assert codes(request=replace(REQUEST, monthly_income=D("0"))) == ["INCOME_INVALID"]


def test_house_price_must_be_positive():
    result = check_eligibility(APPLICANT, replace(REQUEST, house_price=D("0")))

    assert result.codes == ["HOUSE_PRICE_INVALID", "AMOUNT_OVER_LIMIT"]
    assert result.max_amount == D("0.00")


def test_invalid_id_number_is_reported_and_the_age_rule_skipped():
    result = check_eligibility(replace(APPLICANT, id_number="640105199506201230"), REQUEST)

    assert result.codes == ["INVALID_ID_NUMBER"]
    assert result.max_term_months is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"amount": D("999")}, "AMOUNT_OUT_OF_RANGE"),
        ({"term_months": 6}, "TERM_OUT_OF_RANGE"),
        ({"method": "interest_only"}, "METHOD_UNKNOWN"),
        ({"annual_rate": D("0.5")}, "RATE_OUT_OF_RANGE"),
    ],
)
def test_calculator_rules_are_failures_too(change, code):
    result = check_eligibility(APPLICANT, replace(REQUEST, **change))

    assert result.codes == [code]
    assert result.failures[0].subject == "request"
    assert result.first_payment is None


def test_every_failure_is_listed_not_only_the_first():
    troubled = replace(
        APPLICANT,
        id_number=id_number(date(1966, 5, 1), male=True),
        account_status="frozen",
        balance=D("3000"),
        continuous_deposit_months=2,
        has_open_loan=True,
        withdrawal_in_progress=True,
        deposit_base=D("2050"),
    )
    spouse = replace(SPOUSE, withdrawal_in_progress=True)
    request = replace(REQUEST, amount=D("450000"), term_months=240, first_home=False, monthly_income=D("4000"))
    result = check_eligibility(troubled, request, spouse)

    assert [(f.code, f.subject) for f in result.failures] == [
        ("ACCOUNT_NOT_NORMAL", "applicant"),
        ("DEPOSIT_MONTHS_TOO_FEW", "applicant"),
        ("OPEN_LOAN_EXISTS", "applicant"),
        ("WITHDRAWAL_IN_PROGRESS", "applicant"),
        ("WITHDRAWAL_IN_PROGRESS", "co_borrower"),
        ("AMOUNT_OVER_LIMIT", "request"),
        ("TERM_BEYOND_RETIREMENT", "request"),
        ("PAYMENT_OVER_INCOME", "request"),
    ]
    assert result.max_amount == D("300000.00")  # 60 % of 500,000 < 30 × (3,000 + 20,000) = 690,000
    assert all(f.detail for f in result.failures)


def test_policy_and_rates_are_configuration():
    strict = LoanPolicy(min_continuous_deposit_months=12, first_home_loan_ratio=D("0.70"))
    result = check_eligibility(replace(APPLICANT, continuous_deposit_months=10), REQUEST, policy=strict)

    assert result.codes == ["DEPOSIT_MONTHS_TOO_FEW"]
    assert result.max_amount == D("350000.00")
    dearer = check_eligibility(APPLICANT, REQUEST, rates=LoanRates(first_home_over_5_years=D("0.031")))
    assert dearer.first_payment > D("1201.02")


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(1972, 2, 29), 65 * 12) == date(2037, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)
