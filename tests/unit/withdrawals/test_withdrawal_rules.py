"""Pre-application rules common to every reason: amount, account, bank card, fields, all failures at once."""

from datetime import date
from decimal import Decimal

import pytest

from services.withdrawals.domain.errors import PreApplicationRefused
from services.withdrawals.domain.reason_catalogue import DEFAULT_CATALOGUE
from services.withdrawals.domain.rules import ApplicantFacts, PreviousWithdrawal, add_months


@pytest.mark.parametrize("reason", [reason.code for reason in DEFAULT_CATALOGUE.reasons])
def test_a_valid_request_passes_for_every_reason(check, reason):
    result = check(reason)
    assert result.failures == ()
    assert result.passed
    assert result.bank_card == "6222021234567890128"
    assert set(result.values) == {spec.name for spec in result.reason.fields}


def test_fields_are_parsed_to_their_types(check):
    result = check("01")
    assert result.values == {
        "contract_no": "YC2026-0001234",
        "house_price": Decimal("860000.00"),
        "purchase_date": date(2026, 3, 18),
    }
    assert result.amount == Decimal("5000.00")
    assert not result.closes_account


def test_every_failed_rule_is_reported_not_just_the_first(check, facts):
    applicant = facts(account_status="frozen", withdrawal_in_progress=True)
    result = check(
        "01", amount="0", applicant=applicant, card="4111111111111112", house_price="abc", purchase_date=None
    )
    assert result.codes == [
        "FIELD_INVALID",
        "FIELD_REQUIRED",
        "AMOUNT_NOT_POSITIVE",
        "ACCOUNT_FROZEN",
        "WITHDRAWAL_IN_PROGRESS",
        "BANK_CARD_INVALID",
    ]
    assert [failure.field for failure in result.failures] == [
        "house_price",
        "purchase_date",
        "amount",
        None,
        None,
        "bank_card",
    ]
    assert result.failures[0].message == "房屋总价格式不正确"
    assert result.failures[1].message == "请填写购房日期"


def test_a_refusal_groups_the_messages_by_field(check, facts):
    result = check("07", amount="99999", applicant=facts(withdrawal_in_progress=True), lease_end="2026-03-01")
    with pytest.raises(PreApplicationRefused) as refused:
        result.raise_if_failed()
    assert refused.value.code == "WITHDRAWAL_RULES_FAILED"
    assert refused.value.errors_by_field() == {
        "amount": ["提取金额不得超过可提取余额52,368.40元"],
        "_general": ["您有一笔提取申请正在办理中，办结或撤销后才能再次申请"],
        "lease_end": ["租赁结束日期须晚于租赁开始日期"],
    }
    assert refused.value.detail.startswith("提取申请未通过校验，共3项不符合：")


def test_a_passing_check_raises_nothing(check):
    assert check("09").raise_if_failed().amount == Decimal("5000.00")


@pytest.mark.parametrize(
    ("amount", "code", "message"),
    [
        (None, "AMOUNT_REQUIRED", "请填写提取金额"),
        ("  ", "AMOUNT_REQUIRED", "请填写提取金额"),
        ("12,000", "AMOUNT_INVALID", "提取金额格式不正确"),
        ("NaN", "AMOUNT_INVALID", "提取金额格式不正确"),
        (1200.5, "AMOUNT_INVALID", "提取金额格式不正确"),  # floats cannot hold fen exactly
        ("100.005", "AMOUNT_TOO_PRECISE", "提取金额最多两位小数"),
        ("0", "AMOUNT_NOT_POSITIVE", "提取金额须大于0"),
        ("-100.00", "AMOUNT_NOT_POSITIVE", "提取金额须大于0"),
        ("52368.41", "AMOUNT_EXCEEDS_AVAILABLE", "提取金额不得超过可提取余额52,368.40元"),
    ],
)
def test_the_amount_is_a_positive_decimal_of_fen_within_the_available_balance(check, amount, code, message):
    result = check("09", amount=amount, expenses="99999.00")
    assert [(f.code, f.message, f.field) for f in result.failures] == [(code, message, "amount")]


def test_the_amount_is_measured_against_the_available_not_the_balance(check, facts):
    reserved = facts(available=Decimal("2000.00"))
    assert check("09", amount="2000.00", applicant=reserved).codes == []
    assert check("09", amount="2000.01", applicant=reserved).codes == ["AMOUNT_EXCEEDS_AVAILABLE"]


def test_amounts_may_be_given_as_decimal_int_or_string(check):
    assert check("09", amount=Decimal("5000")).amount == Decimal("5000.00")
    assert check("09", amount=5000).amount == Decimal("5000.00")
    assert check("09", amount="5000.1").amount == Decimal("5000.10")


def test_the_whole_available_balance_may_be_withdrawn(check):
    assert check("09", amount="52368.40", expenses="60000").codes == []


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        ("frozen", "ACCOUNT_FROZEN", "账户已冻结，暂不能办理提取，请咨询管理中心"),
        ("closed", "ACCOUNT_CLOSED", "账户已销户，不能办理提取"),
    ],
)
def test_frozen_and_closed_accounts_never_withdraw(check, facts, status, code, message):
    for reason in ("01", "03", "09"):
        result = check(reason, applicant=facts(account_status=status))
        assert [(f.code, f.message) for f in result.failures] == [(code, message)]


def test_a_sealed_account_withdraws_for_reasons_that_allow_it(check, facts):
    sealed = facts(account_status="sealed", continuous_deposit_months=0)
    for reason in ("01", "02", "03", "04", "05", "06", "08", "09", "99"):
        assert check(reason, applicant=sealed).codes == [], reason


def test_only_one_withdrawal_may_be_in_progress(check, facts):
    result = check("09", applicant=facts(withdrawal_in_progress=True))
    assert result.codes == ["WITHDRAWAL_IN_PROGRESS"]


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ("", "BANK_CARD_REQUIRED"),
        ("6222021234567890127", "BANK_CARD_INVALID"),
        ("622202", "BANK_CARD_INVALID"),
    ],
)
def test_the_bank_card_must_be_a_valid_number(check, card, code):
    result = check("09", card=card)
    assert [(f.code, f.field) for f in result.failures] == [(code, "bank_card")]


def test_the_bank_card_must_be_in_the_applicants_name(check):
    assert check("09", card_holder="张伟").codes == []
    result = check("09", card_holder="李娜")
    assert [(f.code, f.message) for f in result.failures] == [("BANK_CARD_NOT_OWN", "银行卡须为申请人本人名下的借记卡")]


def test_an_unknown_reason_is_refused_and_the_rest_still_checked(check):
    result = check("42", amount="-1")
    assert result.codes == ["REASON_UNKNOWN", "AMOUNT_NOT_POSITIVE"]
    assert result.failures[0].message == "不存在的提取事由：42"
    assert result.reason is None


def test_a_reason_a_centre_does_not_offer_is_refused(check):
    catalogue = DEFAULT_CATALOGUE.with_overrides({"99": {"enabled": False}})
    result = check("99", catalogue=catalogue)
    assert [(f.code, f.message) for f in result.failures] == [
        ("REASON_NOT_OFFERED", "本中心暂未开通“其他”提取，请咨询12329")
    ]


@pytest.mark.parametrize(
    ("changes", "code", "message", "field"),
    [
        ({"house_price": "0"}, "FIELD_NOT_POSITIVE", "房屋总价须大于0", "house_price"),
        ({"house_price": "860000.001"}, "FIELD_TOO_PRECISE", "房屋总价最多两位小数", "house_price"),
        (
            {"purchase_date": "2026/03/18"},
            "FIELD_INVALID",
            "购房日期格式不正确，应为YYYY-MM-DD",
            "purchase_date",
        ),
        ({"contract_no": "   "}, "FIELD_REQUIRED", "请填写购房合同编号", "contract_no"),
        ({"contract_no": "Y" * 65}, "FIELD_TOO_LONG", "购房合同编号不能超过64个字", "contract_no"),
    ],
)
def test_each_field_is_checked_with_its_chinese_label(check, changes, code, message, field):
    result = check("01", **changes)
    assert [(f.code, f.message, f.field) for f in result.failures] == [(code, message, field)]


def test_a_missing_field_is_named_for_each_field_missing(check):
    result = check("06", loan_contract_no=None, loan_outstanding=None)
    assert [(f.code, f.field) for f in result.failures] == [
        ("FIELD_REQUIRED", "loan_contract_no"),
        ("FIELD_REQUIRED", "loan_outstanding"),
    ]


def test_once_a_year_counts_twelve_months_from_the_last_withdrawal(check, facts):
    last = PreviousWithdrawal("09", date(2025, 9, 1), Decimal("30000.00"))
    result = check("09", applicant=facts(previous_withdrawals=(last,)))
    assert [(f.code, f.message) for f in result.failures] == [
        (
            "WITHDRAWN_TOO_RECENTLY",
            "“大病医疗”提取每12个月限一次，上次提取日期为2025-09-01，2026-09-01起可再次申请",
        )
    ]
    a_year_ago = PreviousWithdrawal("09", date(2025, 6, 15), Decimal("30000.00"))
    assert check("09", applicant=facts(previous_withdrawals=(a_year_ago,))).codes == []


def test_withdrawals_for_other_reasons_do_not_count_against_the_frequency(check, facts):
    other = PreviousWithdrawal("07", date(2026, 5, 1), Decimal("9000.00"))
    assert check("09", applicant=facts(previous_withdrawals=(other,))).codes == []


def test_months_are_added_to_the_end_of_shorter_months():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 6, 15), -12) == date(2025, 6, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_the_facts_default_to_no_history_no_loan_and_an_unknown_home():
    plain = ApplicantFacts("张伟", "normal", Decimal("100.00"), Decimal("100.00"), 12)
    assert plain.previous_withdrawals == ()
    assert not plain.withdrawal_in_progress
    assert not plain.has_open_fund_loan
    assert plain.owns_home is None
