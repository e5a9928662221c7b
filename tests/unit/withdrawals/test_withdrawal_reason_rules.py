"""Each reason's own rules, passing and failing: declared limits, event dates, frequency, whole balance."""

from datetime import date
from decimal import Decimal

import pytest

from services.withdrawals.domain.rules import PreviousWithdrawal


def test_purchase_amount_may_reach_but_not_pass_the_house_price(check, facts):
    rich = facts(balance=Decimal("900000.00"), available=Decimal("900000.00"))
    assert check("01", amount="860000.00", applicant=rich).codes == []
    result = check("01", amount="860000.01", applicant=rich)
    assert [(f.code, f.message, f.field) for f in result.failures] == [
        ("AMOUNT_EXCEEDS_HOUSE_PRICE", "提取金额不得超过房屋总价860,000.00元", "amount")
    ]


def test_purchase_must_be_claimed_within_twelve_months(check):
    assert check("01", purchase_date="2025-06-15").codes == []
    result = check("01", purchase_date="2025-06-14")
    assert [(f.code, f.message, f.field) for f in result.failures] == [
        ("EVENT_TOO_OLD", "购房日期距今已超过12个月，不能再办理“购买住房”提取", "purchase_date")
    ]


def test_purchase_date_cannot_be_in_the_future(check):
    result = check("01", purchase_date="2026-06-16")
    assert [(f.code, f.message) for f in result.failures] == [("EVENT_DATE_IN_FUTURE", "购房日期不能晚于今天")]


def test_purchase_is_withdrawn_once_per_house(check, facts):
    earlier = PreviousWithdrawal("01", date(2026, 4, 1), Decimal("80000.00"), reference="yc2026 0001234")
    result = check("01", applicant=facts(previous_withdrawals=(earlier,)))
    assert [(f.code, f.field) for f in result.failures] == [("ALREADY_WITHDRAWN_FOR_HOUSE", "contract_no")]
    assert result.failures[0].message == (
        "购房合同编号为YC2026-0001234的住房已办理过“购买住房”提取，同一住房限提取一次"
    )
    another_house = PreviousWithdrawal("01", date(2026, 4, 1), Decimal("80000.00"), reference="YC2025-0999")
    assert check("01", applicant=facts(previous_withdrawals=(another_house,))).codes == []


def test_purchase_is_refused_while_a_provident_fund_loan_is_open(check, facts):
    result = check("01", applicant=facts(has_open_fund_loan=True))
    assert [(f.code, f.message) for f in result.failures] == [
        ("OPEN_FUND_LOAN", "您有未结清的住房公积金贷款，不能办理“购买住房”提取")
    ]


def test_building_is_capped_by_the_project_cost_and_once_per_permit(check, facts):
    rich = facts(balance=Decimal("200000.00"), available=Decimal("200000.00"))
    assert check("02", amount="120000.00", applicant=rich).codes == []
    assert check("02", amount="40000.00", project_cost="30000").codes == ["AMOUNT_EXCEEDS_PROJECT_COST"]
    permit = "乡字第640122202600017号"
    earlier = PreviousWithdrawal("02", date(2026, 3, 1), Decimal("30000"), reference=permit)
    result = check("02", applicant=facts(previous_withdrawals=(earlier,)))
    assert result.codes == ["ALREADY_WITHDRAWN_FOR_HOUSE"]


@pytest.mark.parametrize("reason", ["03", "05", "08"])
def test_whole_balance_reasons_take_the_whole_balance_whatever_amount_is_asked(check, reason):
    result = check(reason, amount="100.00")
    assert result.failures == ()
    assert result.amount == Decimal("52368.40")
    assert result.closes_account
    assert check(reason, amount=None).amount == Decimal("52368.40")
    assert check(reason, amount="not a number").failures == ()


@pytest.mark.parametrize("reason", ["03", "05", "08"])
def test_whole_balance_reasons_need_every_fen_free_and_something_to_withdraw(check, facts, reason):
    reserved = check(reason, applicant=facts(available=Decimal("50000.00")))
    assert [(f.code, f.field) for f in reserved.failures] == [("FUNDS_RESERVED", "amount")]
    empty = check(reason, applicant=facts(balance=Decimal("0.00"), available=Decimal("0.00")))
    assert [(f.code, f.message) for f in empty.failures] == [("BALANCE_EMPTY", "账户余额为0，无可提取金额")]
    assert empty.amount is None


@pytest.mark.parametrize("reason", ["03", "05", "08"])
def test_an_open_provident_fund_loan_must_be_paid_off_before_closing(check, facts, reason):
    result = check(reason, applicant=facts(has_open_fund_loan=True))
    assert [(f.code, f.message) for f in result.failures] == [
        ("OPEN_FUND_LOAN_BLOCKS_CLOSING", "您有未结清的住房公积金贷款，须先结清贷款才能提取全部余额销户")
    ]


def test_retirement_cannot_be_claimed_before_the_retirement_date(check):
    result = check("03", retirement_date="2026-07-01")
    assert [(f.code, f.field) for f in result.failures] == [("EVENT_DATE_IN_FUTURE", "retirement_date")]


def test_retirement_is_claimed_only_once(check, facts):
    earlier = PreviousWithdrawal("03", date(2020, 1, 6), Decimal("1000"))
    result = check("03", applicant=facts(previous_withdrawals=(earlier,)))
    assert [(f.code, f.message) for f in result.failures] == [
        ("ALREADY_WITHDRAWN", "您已办理过“离休/退休”提取，不能重复办理")
    ]


def test_disability_lets_the_applicant_choose_the_amount_and_keeps_the_account(check):
    result = check("04", amount="20000.00")
    assert result.failures == ()
    assert result.amount == Decimal("20000.00")
    assert not result.closes_account
    assert check("04", termination_date="2026-12-31").codes == ["EVENT_DATE_IN_FUTURE"]


def test_emigration_names_one_of_the_two_kinds_of_departure(check):
    assert check("05", departure_kind="户口迁出").codes == []
    result = check("05", departure_kind="出国旅游")
    assert [(f.code, f.message) for f in result.failures] == [
        ("FIELD_NOT_A_CHOICE", "迁出类型须为户口迁出、出境定居之一")
    ]


def test_commercial_loan_repayment_is_capped_by_the_declared_outstanding(check):
    assert check("06", amount="20000.00", loan_outstanding="20000").codes == []
    result = check("06", amount="20000.01", loan_outstanding="20000")
    assert [(f.code, f.message) for f in result.failures] == [
        ("AMOUNT_EXCEEDS_LOAN_OUTSTANDING", "提取金额不得超过贷款剩余本息20,000.00元")
    ]


def test_commercial_loan_repayment_is_once_every_twelve_months(check, facts):
    earlier = PreviousWithdrawal("06", date(2025, 12, 1), Decimal("15000"), reference="ICBC-NX-2019-88812")
    result = check("06", applicant=facts(previous_withdrawals=(earlier,)))
    assert result.codes == ["WITHDRAWN_TOO_RECENTLY"]
    assert "2026-12-01起可再次申请" in result.failures[0].message


def test_death_is_claimed_by_an_heir_with_a_valid_id_number(check):
    result = check("08", heir_id_number="11010519491231002Y")
    assert [(f.code, f.message, f.field) for f in result.failures] == [
        ("FIELD_INVALID", "继承人身份证号格式不正确", "heir_id_number")
    ]
    assert check("08", heir_id_number="11010519491231002x").values["heir_id_number"] == "11010519491231002X"


def test_death_pays_to_a_card_in_the_heirs_name_not_the_depositors(check):
    assert check("08", card_holder="张小红").codes == []
    result = check("08", card_holder="张伟")
    assert [(f.code, f.message) for f in result.failures] == [
        ("BANK_CARD_NOT_OWN", "银行卡须为继承人张小红名下的借记卡")
    ]


def test_death_date_cannot_be_in_the_future(check):
    assert check("08", death_date="2026-06-16").codes == ["EVENT_DATE_IN_FUTURE"]


def test_illness_is_capped_by_the_expenses_borne_personally(check):
    assert check("09", amount="52368.40", expenses="52368.40").codes == []
    result = check("09", amount="30000.00", expenses="29999.99")
    assert [(f.code, f.message) for f in result.failures] == [
        ("AMOUNT_EXCEEDS_EXPENSES", "提取金额不得超过个人负担医疗费用29,999.99元")
    ]


def test_illness_must_be_claimed_within_twelve_months_of_the_diagnosis(check):
    assert check("09", diagnosis_date="2025-06-14").codes == ["EVENT_TOO_OLD"]


def test_illness_names_the_patients_relationship(check):
    assert check("09", patient_relationship="同事").codes == ["FIELD_NOT_A_CHOICE"]


def test_other_reasons_need_a_description_of_at_most_200_characters(check):
    assert check("99", description="字" * 200).codes == []
    assert check("99", description="字" * 201).codes == ["FIELD_TOO_LONG"]
    result = check("99", description=None)
    assert [(f.code, f.message) for f in result.failures] == [("FIELD_REQUIRED", "请填写提取事由说明")]
