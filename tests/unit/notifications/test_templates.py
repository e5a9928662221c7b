"""The SMS templates: every notice of issue 5, signed, rendered in a sandbox, strict about parameters."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from services.notifications.domain.errors import TemplateError
from services.notifications.domain.templates import (
    SIGNATURE,
    TEMPLATES,
    cn_date,
    cn_datetime,
    cn_month,
    describe_for_log,
    render,
    render_in_app,
    render_untrusted,
    required_params,
    undeclared_names,
    yuan,
)

SAMPLE_PARAMS = {
    "sms_code.register": {"code": "482916", "valid_minutes": 5},
    "sms_code.reset_password": {"code": "482916", "valid_minutes": 5},
    "user.welcome": {"name": "张伟", "username": "zhangwei01"},
    "user.password_changed": {"name": "张伟", "changed_at": "2026-03-05T14:07:00"},
    "user.password_reset": {"name": "张伟", "reset_at": datetime(2026, 3, 5, 9, 5)},
    "loan.submitted": {"name": "张伟", "application_no": "DK202603050001"},
    "loan.prereviewed": {
        "name": "张伟",
        "application_no": "DK202603050001",
        "materials": ["身份证", "购房合同", "首付款发票"],
    },
    "loan.accepted": {"name": "张伟", "application_no": "DK202603050001"},
    "loan.preliminarily_approved": {"name": "张伟", "application_no": "DK202603050001"},
    "loan.approved": {
        "name": "张伟",
        "application_no": "DK202603050001",
        "amount": "300000.00",
        "term_months": 360,
    },
    "loan.rejected": {
        "name": "张伟",
        "application_no": "DK202603050001",
        "opinion": "月还款额超过月收入的50%",
    },
    "loan.contract_signed": {"name": "张伟", "application_no": "DK202603050001"},
    "loan.mortgage_registered": {"name": "张伟", "application_no": "DK202603050001"},
    "loan.disbursed": {
        "name": "张伟",
        "amount": Decimal("300000"),
        "disbursed_on": date(2026, 4, 1),
        "first_due_date": "2026-05-01",
        "monthly_payment": "1201.02",
    },
    "repayment.posted": {
        "name": "张伟",
        "period": 1,
        "amount": "1201.02",
        "paid_on": "2026-05-01",
        "principal": "551.02",
        "interest": "650.00",
        "remaining": "299448.98",
    },
    "repayment.due": {"name": "张伟", "period": 2, "amount": "1201.02", "due_date": "2026-06-01"},
    "repayment.posted_entrusted": {
        "name": "张伟",
        "period": 2,
        "amount": "1201.02",
        "paid_on": "2026-06-01",
        "fund_amount": "1000.00",
        "card_amount": "201.02",
        "remaining": "198798.98",
    },
    "entrusted.retrying": {
        "name": "张伟",
        "period": 2,
        "amount": "1201.02",
        "reason": "银行划款失败",
        "retry_on": "2026-06-02",
    },
    "entrusted.gave_up": {"name": "张伟", "period": 2, "amount": "1201.02", "reason": "银行划款失败"},
    "entrusted.signed_up": {"name": "张伟", "contract_no": "HT2026001", "with_spouse": "（含配偶账户）"},
    "entrusted.cancelled": {"name": "张伟", "contract_no": "HT2026001"},
    "loan.overdue": {"name": "张伟", "overdue_amount": "1201.02", "due_date": "2026-06-01"},
    "loan.paid_off": {"name": "张伟", "contract_no": "HT2026001", "paid_off_on": "2056-04-01"},
    "certificate.issued": {
        "name": "张伟",
        "title": "住房公积金缴存证明",
        "code": "ABCD-EFGH-JKLM-NPQR",
        "expires_on": "2026-06-03",
    },
    "withdrawal.submitted": {
        "name": "李娜",
        "application_no": "TQ2026001",
        "reason": "租房",
        "amount": "1800",
    },
    "withdrawal.prereviewed": {
        "name": "李娜",
        "application_no": "TQ2026001",
        "reason": "租房",
        "materials": ["身份证", "本人银行卡", "租房合同"],
    },
    "withdrawal.accepted": {"name": "李娜", "application_no": "TQ2026001", "reason": "租房"},
    "withdrawal.approved": {
        "name": "李娜",
        "application_no": "TQ2026001",
        "reason": "租房",
        "amount": "1800",
        "bank_card_last4": "5678",
    },
    "withdrawal.rejected": {
        "name": "李娜",
        "application_no": "TQ2026001",
        "reason": "租房",
        "opinion": "连续缴存不足3个月",
    },
    "withdrawal.paid": {
        "name": "李娜",
        "amount": "1800",
        "paid_on": "2026-03-10",
        "bank_card_last4": "5678",
    },
    "appointment.booked": {
        "name": "李娜",
        "date": "2026-03-12",
        "time_slot": "09:00-10:00",
        "branch_name": "银川市金凤区服务网点",
        "reason": "租房",
        "materials": ["身份证", "本人银行卡", "租房合同"],
    },
    "appointment.reminder": {
        "name": "李娜",
        "date": "2026-03-12",
        "time_slot": "09:00-10:00",
        "branch_name": "银川市金凤区服务网点",
    },
    "appointment.cancelled": {
        "name": "李娜",
        "date": "2026-03-12",
        "time_slot": "09:00-10:00",
        "branch_name": "银川市金凤区服务网点",
    },
    "deposit.posted": {"name": "张伟", "month": "2026-02", "amount": "1440", "balance": "56789.12"},
    "interest.settled": {
        "name": "张伟",
        "fund_year": "2025",
        "interest": "812.34",
        "settled_on": "2026-06-30",
        "balance": "57601.46",
    },
}

NOTICES_OF_ISSUE_5 = {
    "sms_code.register",
    "sms_code.reset_password",
    "user.welcome",
    "user.password_changed",
    "user.password_reset",
    "loan.submitted",
    "loan.prereviewed",
    "loan.accepted",
    "loan.preliminarily_approved",
    "loan.approved",
    "loan.rejected",
    "loan.contract_signed",
    "loan.mortgage_registered",
    "loan.disbursed",
    "repayment.posted",
    "repayment.due",
    "loan.overdue",
    "loan.paid_off",
    "withdrawal.submitted",
    "withdrawal.approved",
    "withdrawal.rejected",
    "withdrawal.paid",
    "appointment.booked",
    "appointment.reminder",
    "appointment.cancelled",
    "deposit.posted",
    "interest.settled",
}


# and issue 20's: a certificate issued (a message in the hall only, never a text)
NOTICES_OF_ISSUE_20 = {"certificate.issued"}
# and issue 19's: a withdrawal's pre-review passed (with the materials to bring) and the counter's acceptance
NOTICES_OF_ISSUE_19 = {"withdrawal.prereviewed", "withdrawal.accepted"}
# and issue 21's: the monthly entrusted withdrawal (signed up, cancelled, each month's result, a failed month)
NOTICES_OF_ISSUE_21 = {
    "repayment.posted_entrusted",
    "entrusted.retrying",
    "entrusted.gave_up",
    "entrusted.signed_up",
    "entrusted.cancelled",
}
ALL_NOTICES = NOTICES_OF_ISSUE_5 | NOTICES_OF_ISSUE_20 | NOTICES_OF_ISSUE_19 | NOTICES_OF_ISSUE_21


def test_every_notice_of_the_issue_has_a_template_and_a_sample():
    assert set(TEMPLATES) == ALL_NOTICES
    assert set(SAMPLE_PARAMS) == ALL_NOTICES
    assert [key for key, template in TEMPLATES.items() if not template.sms] == ["certificate.issued"]


@pytest.mark.parametrize("key", sorted(NOTICES_OF_ISSUE_5 | NOTICES_OF_ISSUE_19 | NOTICES_OF_ISSUE_21))
def test_template_renders_signed_with_a_full_set_of_params(key):
    text = render(key, SAMPLE_PARAMS[key])
    assert text.startswith(SIGNATURE)
    assert text.count(SIGNATURE) == 1
    assert "{" not in text and "}" not in text
    assert "None" not in text
    assert text.endswith(("。", "！"))


@pytest.mark.parametrize(
    ("key", "missing"), [(key, name) for key in sorted(TEMPLATES) for name in sorted(TEMPLATES[key].params)]
)
def test_template_fails_when_any_param_is_missing(key, missing):
    params = {name: value for name, value in SAMPLE_PARAMS[key].items() if name != missing}
    with pytest.raises(TemplateError) as caught:
        render(key, params)
    assert caught.value.code == "TEMPLATE_PARAMS_MISSING"
    assert missing in caught.value.detail


def test_a_param_given_as_none_counts_as_missing():
    with pytest.raises(TemplateError):
        render("loan.rejected", {**SAMPLE_PARAMS["loan.rejected"], "opinion": None})


@pytest.mark.parametrize("key", sorted(NOTICES_OF_ISSUE_5))
def test_declared_params_are_exactly_what_the_template_reads(key):
    assert undeclared_names(TEMPLATES[key].body) == required_params(key)


def test_codes_are_urgent_and_kept_out_of_the_message_centre():
    for key in ("sms_code.register", "sms_code.reset_password"):
        template = TEMPLATES[key]
        assert (template.urgent, template.in_app, template.secret_params) == (True, False, {"code"})
    with pytest.raises(TemplateError):
        render_in_app("sms_code.register", SAMPLE_PARAMS["sms_code.register"])


def test_business_notices_may_wait_out_quiet_hours():
    urgent = {key for key, template in TEMPLATES.items() if template.urgent}
    assert urgent == {
        "sms_code.register",
        "sms_code.reset_password",
        "user.password_changed",
        "user.password_reset",
    }


def test_register_code_sms_reads_as_expected():
    assert render("sms_code.register", SAMPLE_PARAMS["sms_code.register"]) == (
        "【宁夏住房公积金】您正在注册宁夏住房公积金网上业务大厅账号，验证码482916，5分钟内有效。"
        "工作人员不会向您索取验证码，请勿告知他人。"
    )


def test_prereviewed_lists_the_materials_and_rejected_shows_the_opinion():
    prereviewed = render("loan.prereviewed", SAMPLE_PARAMS["loan.prereviewed"])
    assert "请携带以下材料到柜台办理：身份证、购房合同、首付款发票。" in prereviewed
    rejected = render("loan.rejected", SAMPLE_PARAMS["loan.rejected"])
    assert "审核意见：月还款额超过月收入的50%。" in rejected
    assert "12329" in rejected


def test_money_and_dates_are_shown_the_chinese_way():
    disbursed = render("loan.disbursed", SAMPLE_PARAMS["loan.disbursed"])
    assert "贷款300,000.00元已于2026年4月1日发放，首期还款日2026年5月1日，月还款额1,201.02元。" in disbursed
    assert "您2026年2月的住房公积金1,440.00元已入账" in render("deposit.posted", SAMPLE_PARAMS["deposit.posted"])
    assert "2026年3月5日09:05" in render("user.password_reset", SAMPLE_PARAMS["user.password_reset"])


def test_in_app_message_has_a_title_and_no_signature():
    title, text = render_in_app("withdrawal.paid", SAMPLE_PARAMS["withdrawal.paid"])
    assert title == "提取已办结"
    assert text == ("李娜，您提取的住房公积金1,800.00元已于2026年3月10日转入您尾号5678的银行卡。")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1201.02"), "1,201.02元"),
        ("1201.02", "1,201.02元"),
        (300000, "300,000.00元"),
        (Decimal("0.005"), "0.01元"),
        ("0", "0.00元"),
        (Decimal("1234567.8"), "1,234,567.80元"),
    ],
)
def test_money_is_shown_with_thousands_separators_and_two_decimals(amount, shown):
    assert yuan(amount) == shown


@pytest.mark.parametrize("amount", [1201.02, True, "12.345", "abc", None])
def test_money_that_is_not_exact_is_refused(amount):
    with pytest.raises(TemplateError) as caught:
        yuan(amount)
    assert caught.value.code == "TEMPLATE_BAD_VALUE"


def test_date_filters_accept_dates_datetimes_and_iso_text():
    assert cn_date(date(2026, 3, 5)) == cn_date("2026-03-05") == cn_date(datetime(2026, 3, 5, 8)) == "2026年3月5日"
    assert cn_month("2026-03") == cn_month(date(2026, 3, 31)) == "2026年3月"
    assert cn_datetime("2026-03-05T14:07:00") == "2026年3月5日14:07"
    with pytest.raises(TemplateError):
        cn_date("5 March")


@pytest.mark.parametrize(
    "source",
    [
        "{{ name.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ name|attr('__class__') }}",
        "{{ '{0.__class__.__mro__}'.format(name) }}",
        "{{ '%s'|format(name.__class__) }}",
        "{{ materials.append('x') }}",
        "{{ materials.__class__.__base__ }}",
        "{{ range(10**9)|list }}",
    ],
)
def test_sandbox_refuses_attribute_tricks(source):
    with pytest.raises(TemplateError) as caught:
        render_untrusted(source, {"name": "张伟", "materials": ["身份证"]})
    assert caught.value.code == "TEMPLATE_UNSAFE"


def test_sandbox_cannot_change_the_params_it_is_given():
    materials = ["身份证"]
    with pytest.raises(TemplateError):
        render_untrusted("{{ materials.append('银行卡') }}", {"materials": materials})
    assert materials == ["身份证"]


def test_untrusted_source_with_an_unknown_name_fails_instead_of_rendering_blank():
    with pytest.raises(TemplateError) as caught:
        render_untrusted("您好{{ nmae }}", {"name": "张伟"})
    assert caught.value.code == "TEMPLATE_PARAMS_MISSING"
    with pytest.raises(TemplateError) as syntax:
        render_untrusted("{{ name", {"name": "张伟"})
    assert syntax.value.code == "TEMPLATE_SYNTAX"


def test_param_values_are_text_never_template_code():
    text = render("loan.rejected", {**SAMPLE_PARAMS["loan.rejected"], "opinion": "{{ 7 * 7 }}"})
    assert "审核意见：{{ 7 * 7 }}。" in text


def test_a_failing_render_never_shows_the_code():
    with pytest.raises(TemplateError) as caught:
        render("sms_code.register", {"code": "482916"})
    assert "482916" not in str(caught.value)
    assert "valid_minutes" in caught.value.detail


def test_params_for_the_log_hide_the_code_and_mask_the_mobile():
    logged = describe_for_log("sms_code.register", {"code": "482916", "valid_minutes": 5, "mobile": "13895001234"})
    assert logged == {"code": "******", "valid_minutes": 5, "mobile": "138****1234"}
    assert "482916" not in repr(logged)


def test_unknown_template_is_named_in_the_error():
    with pytest.raises(TemplateError) as caught:
        render("loan.teleported", {})
    assert caught.value.code == "TEMPLATE_UNKNOWN"
    with pytest.raises(TemplateError):
        required_params("loan.teleported")


def test_required_params_of_a_code():
    assert required_params("sms_code.reset_password") == {"code", "valid_minutes"}
