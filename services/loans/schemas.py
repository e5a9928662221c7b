"""Request and response schemas of the loans API (marshmallow). Rates travel as percent strings: "2.60" is 2.60 %."""

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates

from chassis.bank_cards import bank_card_problem
from chassis.fields import Money as MoneyField
from chassis.pii import is_valid_id_number, normalize_id_number

Money = fields.Decimal(as_string=True)
METHODS = ("equal_installment", "equal_principal")


def _money(**kwargs) -> fields.Decimal:
    # the calculator's rules refuse a third decimal themselves, with their own codes (AMOUNT_TOO_PRECISE)
    return MoneyField(check_places=False, **kwargs)


def _bank_card(value: str) -> None:
    """The hall's one bank card rule (chassis.bank_cards), the same words as the application form's."""
    if problem := bank_card_problem(value):
        raise ValidationError(problem)


class LoanTermsIn(Schema):
    """What the calculator needs; the ranges are checked by the domain (one Chinese message per field)."""

    amount = _money(required=True)
    term_months = fields.Integer(required=True, strict=False)
    method = fields.String(required=True)
    annual_rate = _money(load_default=None, allow_none=True, metadata={"description": "年利率（百分数），如 2.60"})


class InstallmentOut(Schema):
    period = fields.Integer()
    payment = Money
    principal = Money
    interest = Money
    remaining = Money


class PlanOut(Schema):
    amount = Money
    term_months = fields.Integer()
    method = fields.String()
    method_label = fields.String()
    annual_rate = fields.String(metadata={"description": "年利率（百分数）"})
    first_payment = Money
    total_interest = Money
    total_payment = Money
    schedule = fields.List(fields.Nested(InstallmentOut))


class RateOut(Schema):
    label = fields.String()
    first_home = fields.Boolean()
    min_term_months = fields.Integer()
    max_term_months = fields.Integer(allow_none=True)
    annual_rate = fields.String()


class RatesOut(Schema):
    effective_from = fields.Date()
    unit = fields.String()
    rates = fields.List(fields.Nested(RateOut))


class PrepaymentIn(LoanTermsIn):
    after_period = fields.Integer(required=True, strict=False)
    prepayment = _money(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(("shorten_term", "lower_payment")))


class PrepaymentOut(Schema):
    after_period = fields.Integer()
    prepayment = Money
    mode = fields.String()
    mode_label = fields.String()
    remaining_before = Money
    remaining_after = Money
    original_next_payment = Money
    new_payment = Money
    new_term_months = fields.Integer()
    months_saved = fields.Integer()
    remaining_interest_before = Money
    remaining_interest_after = Money
    interest_saved = Money
    schedule = fields.List(fields.Nested(InstallmentOut))


class HouseIn(Schema):
    address = fields.String(required=True, validate=validate.Length(min=4, max=200))
    area = _money(required=True, validate=validate.Range(min=1, max=10000))
    price = _money(required=True)
    first_home = fields.Boolean(required=True)
    new_house = fields.Boolean(required=True)


class CoBorrowerIn(Schema):
    id_number = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=2, max=60))

    @validates("id_number")
    def _id_number(self, value: str, **_kwargs) -> None:
        if not is_valid_id_number(normalize_id_number(value)):
            raise ValidationError("身份证号码格式不正确")


class EligibilityHouseIn(Schema):
    class Meta:
        unknown = EXCLUDE  # the web form sends the whole application; only these fields matter here

    price = _money(required=True)
    first_home = fields.Boolean(load_default=True)
    address = fields.String(load_default=None)
    area = _money(load_default=None)
    new_house = fields.Boolean(load_default=None)


class EligibilityIn(LoanTermsIn):
    class Meta:
        unknown = EXCLUDE

    monthly_income = _money(load_default=None, allow_none=True)
    house = fields.Nested(EligibilityHouseIn, required=True)
    co_borrower = fields.Nested(CoBorrowerIn, load_default=None, allow_none=True)


class ApplicationIn(EligibilityIn):
    class Meta:
        unknown = RAISE

    repayment_card = fields.String(required=True, validate=_bank_card)
    entrusted_bank = fields.String(required=True)
    house = fields.Nested(HouseIn, required=True)


class FailureOut(Schema):
    code = fields.String()
    detail = fields.String()
    subject = fields.String()


class EligibilityOut(Schema):
    eligible = fields.Boolean()
    failures = fields.List(fields.Nested(FailureOut))
    max_amount = Money
    max_term_months = fields.Integer(allow_none=True)
    first_payment = _money(allow_none=True)
    monthly_income = Money
    continuous_deposit_months = fields.Integer()
    balance = Money


class TimelineOut(Schema):
    state = fields.String()
    state_label = fields.String()
    at = fields.DateTime()
    role = fields.String()
    role_label = fields.String()
    opinion = fields.String(allow_none=True)


class StepAheadOut(Schema):
    state = fields.String()
    label = fields.String()


class ApplicationOut(Schema):
    id = fields.String()
    application_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    name = fields.String()
    id_number = fields.String(metadata={"description": "脱敏"})
    center = fields.String()
    amount = Money
    term_months = fields.Integer()
    method = fields.String()
    annual_rate = fields.String()
    monthly_income = _money(allow_none=True)
    repayment_card = fields.String(metadata={"description": "脱敏"})
    entrusted_bank = fields.String()
    entrusted_bank_name = fields.String()
    house = fields.Dict()
    co_borrower = fields.Dict(allow_none=True)
    contract_no = fields.String(allow_none=True)
    loan_id = fields.String(allow_none=True)
    can_cancel = fields.Boolean()
    steps_ahead = fields.List(fields.Nested(StepAheadOut), metadata={"description": "尚待办理的环节（主流程）"})
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineOut))
    materials = fields.List(fields.String())


class ApplicationListArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class StaffListArgs(ApplicationListArgs):
    status = fields.String(load_default=None)
    q = fields.String(load_default=None, metadata={"description": "申请编号或身份证号码"})


class TransitionIn(Schema):
    to = fields.String(required=True)
    opinion = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    version = fields.Integer(load_default=None, allow_none=True, metadata={"description": "页面显示时的版本号"})


class BankOut(Schema):
    code = fields.String()
    name = fields.String()


class LoanOut(Schema):
    id = fields.String()
    contract_no = fields.String()
    application_id = fields.String(metadata={"description": "内部编号，仅用于查询办理进度，不向用户展示"})
    application_no = fields.String(metadata={"description": "贷款申请编号（DK…）"})
    amount = Money
    annual_rate = fields.String()
    method = fields.String()
    term_months = fields.Integer()
    monthly_payment = Money
    entrusted_bank_name = fields.String()
    disbursed_on = fields.Date()
    first_due_date = fields.Date()
    status = fields.String()
    status_label = fields.String()
    overdue = fields.Boolean()
    outstanding_principal = Money
    penalty_accrued = Money
    paid_off_on = fields.Date(allow_none=True)
    progress = fields.Dict()
    entrusted_withdrawal = fields.Boolean(metadata={"description": "已签约委托提取公积金按月还款"})


class EntrustedMonthOut(Schema):
    """The month's entrusted withdrawal from the fund accounts (委托提取)."""

    state = fields.String()  # taking | retrying | taken | posted
    state_label = fields.String()
    borrower_amount = Money
    spouse_amount = Money
    attempts = fields.Integer()
    last_failure = fields.String(allow_none=True)
    next_try_on = fields.Date(allow_none=True)


class ScheduleRowOut(InstallmentOut):
    due_date = fields.Date()
    status = fields.String()
    status_label = fields.String()
    penalty = Money
    paid_on = fields.Date(allow_none=True)
    fund_amount = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "公积金账户委托提取部分"})
    card_amount = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "还款银行卡扣款部分"})
    entrusted = fields.Nested(EntrustedMonthOut, allow_none=True)


class RepaymentOut(Schema):
    id = fields.Integer()
    period = fields.Integer()
    paid_on = fields.Date()
    amount = Money
    principal = Money
    interest = Money
    penalty = Money
    remaining = Money
    channel = fields.String()
    fund_amount = Money
    card_amount = fields.Decimal(as_string=True, allow_none=True)


# --- prepayment applications on a loan (提前部分还款 / 提前结清) ------------------------------------------------


class PrepaymentApplyIn(Schema):
    """`amount` or `full: true`; the rules (and their Chinese messages) are the domain's, one per field."""

    amount = _money(load_default=None, allow_none=True, metadata={"description": "部分提前还款金额（元）"})
    full = fields.Boolean(load_default=False, metadata={"description": "true：提前结清全部剩余本金"})
    mode = fields.String(
        load_default=None, allow_none=True, metadata={"description": "shorten_term 缩短期限 | reduce_payment 减少月供"}
    )
    source = fields.String(load_default=None, allow_none=True, metadata={"description": "card | fund_account"})


class PrepaymentRowOut(Schema):
    period = fields.Integer()
    payment = fields.String()
    principal = fields.String()
    interest = fields.String()
    remaining = fields.String()


class PrepaymentFiguresOut(Schema):
    after_period = fields.Integer(metadata={"description": "在第k期还款后办理"})
    amount = fields.String()
    full = fields.Boolean()
    mode = fields.String(allow_none=True)
    remaining_before = fields.String()
    remaining_after = fields.String()
    original_next_payment = fields.String()
    new_payment = fields.String(allow_none=True)
    new_term_months = fields.Integer()
    months_saved = fields.Integer()
    interest_saved = fields.String()
    schedule = fields.List(fields.Nested(PrepaymentRowOut))


class ChoiceOut(Schema):
    value = fields.String()
    label = fields.String()


class RefusalOut(Schema):
    code = fields.String()
    detail = fields.String()
    field = fields.String(allow_none=True)


class PrepaymentOptionsOut(Schema):
    modes = fields.List(fields.Nested(ChoiceOut))
    sources = fields.List(fields.Nested(ChoiceOut))
    minimum_amount = Money
    remaining_principal = Money
    last_paid_period = fields.Integer()
    can_apply = fields.Boolean()
    refusals = fields.List(fields.Nested(RefusalOut))


class PrepaymentApplicationOut(Schema):
    id = fields.String()
    prepayment_no = fields.String()
    loan_id = fields.String()
    contract_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    full = fields.Boolean()
    kind_label = fields.String()
    amount = Money
    mode = fields.String(allow_none=True)
    mode_label = fields.String(allow_none=True)
    source = fields.String()
    source_label = fields.String()
    quoted = fields.Nested(PrepaymentFiguresOut)
    applied = fields.Nested(PrepaymentFiguresOut, allow_none=True)
    opinion = fields.String(allow_none=True)
    can_cancel = fields.Boolean()
    submitted_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_on = fields.Date(allow_none=True)
    version = fields.Integer()
    timeline = fields.List(fields.Nested(TimelineOut))


class PrepaymentTransitionIn(Schema):
    to = fields.String(required=True, metadata={"description": "confirmed 确认办理 | refused 不予办理"})
    opinion = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
