"""Rent (07): caps per month and year prorated over the lease, deposits, no home owned, a lease in force."""

from datetime import date
from decimal import Decimal

import pytest

from services.withdrawals.domain.reason_catalogue import DEFAULT_CATALOGUE
from services.withdrawals.domain.reasons import RentCap
from services.withdrawals.domain.rules import PreviousWithdrawal, lease_months_in_year, rent_cap_for

CAP = RentCap()


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2026, 3, 1), date(2027, 2, 28), 12),
        (date(2026, 4, 1), date(2026, 9, 30), 6),
        (date(2026, 1, 15), date(2026, 3, 20), 3),  # a started month counts as a month
        (date(2026, 6, 1), date(2026, 6, 10), 1),
        (date(2025, 1, 1), date(2027, 12, 31), 12),  # a longer lease is claimed a year at a time
    ],
)
def test_lease_months_are_counted_within_a_year_from_the_start(start, end, months):
    assert lease_months_in_year(start, end) == months


@pytest.mark.parametrize(
    ("rent", "start", "end", "cap"),
    [
        (Decimal("1500.00"), date(2026, 3, 1), date(2027, 2, 28), Decimal("18000.00")),  # the rent binds
        (Decimal("2500.00"), date(2026, 3, 1), date(2027, 2, 28), Decimal("21600.00")),  # the year cap binds
        (Decimal("2500.00"), date(2026, 4, 1), date(2026, 9, 30), Decimal("10800.00")),  # 6 × 1,800
        (Decimal("1233.33"), date(2026, 4, 1), date(2026, 6, 30), Decimal("3699.99")),  # 3 × the rent
    ],
)
def test_the_rent_cap_is_the_lesser_of_rent_and_monthly_cap_over_the_lease_months(rent, start, end, cap):
    assert rent_cap_for(rent, start, end, CAP) == cap


def test_rent_within_the_cap_passes(check):
    assert check("07", amount="18000.00").codes == []


def test_rent_above_the_actual_rent_over_the_lease_fails(check):
    result = check("07", amount="18000.01")
    assert [(f.code, f.message, f.field) for f in result.failures] == [
        (
            "AMOUNT_EXCEEDS_RENT_CAP",
            "租房提取金额不得超过18,000.00元（按租期12个月计，每月不超过1,500.00元，每年不超过21,600.00元）",
            "amount",
        )
    ]


def test_rent_never_passes_the_yearly_cap(check):
    assert check("07", amount="21600.00", monthly_rent="3000").codes == []
    assert check("07", amount="21600.01", monthly_rent="3000").codes == ["AMOUNT_EXCEEDS_RENT_CAP"]


def test_a_short_lease_is_prorated(check):
    short = {"monthly_rent": "2600", "lease_start": "2026-04-01", "lease_end": "2026-09-30"}
    assert check("07", amount="10800.00", **short).codes == []
    result = check("07", amount="10800.01", **short)
    assert "不得超过10,800.00元（按租期6个月计，每月不超过1,800.00元" in result.failures[0].message


def test_a_centres_own_caps_apply(check):
    lower = DEFAULT_CATALOGUE.with_overrides({"07": {"rent_cap": RentCap(Decimal("1200"), Decimal("14400"))}})
    assert check("07", amount="14400.00", catalogue=lower).codes == []
    assert check("07", amount="14400.01", catalogue=lower).codes == ["AMOUNT_EXCEEDS_RENT_CAP"]


def test_rent_needs_three_months_of_continuous_deposits(check, facts):
    assert check("07", applicant=facts(continuous_deposit_months=3)).codes == []
    result = check("07", applicant=facts(continuous_deposit_months=2))
    assert [(f.code, f.message) for f in result.failures] == [
        ("DEPOSIT_MONTHS_INSUFFICIENT", "“租房”提取须连续足额缴存满3个月，您目前连续缴存2个月")
    ]


def test_a_sealed_account_cannot_withdraw_for_rent(check, facts):
    result = check("07", applicant=facts(account_status="sealed"))
    assert [(f.code, f.message) for f in result.failures] == [
        ("ACCOUNT_STATUS_NOT_ALLOWED", "封存状态的账户不能办理“租房”提取")
    ]


def test_rent_is_refused_to_a_home_owner(check, facts):
    result = check("07", applicant=facts(owns_home=True))
    assert [(f.code, f.message) for f in result.failures] == [
        ("HOME_OWNED", "记录显示您在缴存地有自有住房，不能办理“租房”提取")
    ]
    assert check("07", applicant=facts(owns_home=False)).codes == []


def test_rent_needs_the_no_home_declaration(check):
    for refused in (False, "false", "0"):
        result = check("07", no_home_declared=refused)
        assert [(f.code, f.field) for f in result.failures] == [("NO_HOME_NOT_DECLARED", "no_home_declared")]
    assert check("07", no_home_declared="true").codes == []
    assert check("07", no_home_declared="maybe").codes == ["FIELD_INVALID"]
    assert check("07", no_home_declared=None).codes == ["FIELD_REQUIRED"]


def test_rent_is_refused_while_a_provident_fund_loan_is_open(check, facts):
    assert check("07", applicant=facts(has_open_fund_loan=True)).codes == ["OPEN_FUND_LOAN"]


@pytest.mark.parametrize(
    ("start", "end", "code", "field"),
    [
        ("2026-03-01", "2026-03-01", "LEASE_DATES_INVALID", "lease_end"),
        ("2026-07-01", "2027-06-30", "LEASE_NOT_STARTED", "lease_start"),
        ("2025-06-01", "2026-06-14", "LEASE_ENDED", "lease_end"),
    ],
)
def test_the_lease_must_be_in_force(check, start, end, code, field):
    result = check("07", amount="1000.00", lease_start=start, lease_end=end)
    assert [(f.code, f.field) for f in result.failures] == [(code, field)]


def test_a_lease_ending_today_is_still_in_force(check):
    assert check("07", amount="1000.00", lease_start="2025-06-15", lease_end="2026-06-15").codes == []


def test_rent_is_withdrawn_once_every_twelve_months(check, facts):
    recent = PreviousWithdrawal("07", date(2025, 9, 1), Decimal("18000.00"))
    result = check("07", applicant=facts(previous_withdrawals=(recent,)))
    assert result.codes == ["WITHDRAWN_TOO_RECENTLY"]
    assert "上次提取日期为2025-09-01，2026-09-01起可再次申请" in result.failures[0].message
    a_year_ago = PreviousWithdrawal("07", date(2025, 6, 15), Decimal("18000.00"))
    assert check("07", applicant=facts(previous_withdrawals=(a_year_ago,))).codes == []
