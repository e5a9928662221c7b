"""Request and response schemas of the withdrawals API (money as decimal strings, bank cards masked)."""

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates

from chassis.api import ListArgs
from services.withdrawals.domain.reasons import WithdrawalReason
from services.withdrawals.domain.workflow import (
    ApplicationState,
)


class ReasonsArgs(Schema):
    center = fields.String(load_default=None)


class MaterialOut(Schema):
    name = fields.String()
    note = fields.String()


class ReasonFieldOut(Schema):
    name = fields.String()
    label = fields.String()
    kind = fields.String()
    choices = fields.List(fields.String())
    max_length = fields.Integer(metadata={"description": "文字最长字数（服务端同样检查）"})


class ReasonOut(Schema):
    code = fields.String()
    name = fields.String()
    description = fields.String()
    closes_account = fields.Boolean()
    materials = fields.List(fields.Nested(MaterialOut))
    fields_ = fields.List(fields.Nested(ReasonFieldOut), data_key="fields")
    rules = fields.List(fields.String())


class ReasonsOut(Schema):
    center = fields.String()
    items = fields.List(fields.Nested(ReasonOut))


def reason_out(reason: WithdrawalReason) -> dict:
    return {
        "code": reason.code,
        "name": reason.name,
        "description": reason.description,
        "closes_account": reason.closes_account,
        "materials": [{"name": item.name, "note": item.note} for item in reason.materials],
        "fields_": [
            {
                "name": spec.name,
                "label": spec.label,
                "kind": spec.kind.value,
                "choices": list(spec.choices),
                "max_length": spec.max_length,
            }
            for spec in reason.fields
        ],
        "rules": reason.rule_lines(),
    }


class ApplicationIn(Schema):
    """Flat: reason, amount, bank_card and the reason's own fields; the rules check the fields, in Chinese."""

    class Meta:
        unknown = INCLUDE

    reason = fields.String(required=True)
    amount = fields.Raw(load_default=None, allow_none=True)
    bank_card = fields.String(required=True)
    card_holder = fields.String(load_default=None, allow_none=True)


class TransitionIn(Schema):
    to = fields.String(required=True)
    opinion = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class StaffListArgs(ListArgs):
    status = fields.String(load_default=None)

    @validates("status")
    def _known(self, value, **_kwargs) -> None:
        if value and value not in ApplicationState._value2member_map_:
            raise ValidationError("不存在的状态")


class TimelineOut(Schema):
    step = fields.String()
    label = fields.String()
    at = fields.String()
    opinion = fields.String(allow_none=True)
    by = fields.String()


class StepAheadOut(Schema):
    state = fields.String()
    label = fields.String()


class ApplicationOut(Schema):
    id = fields.String()
    application_no = fields.String()
    reason = fields.String()
    reason_name = fields.String()
    amount = fields.Decimal(as_string=True)
    closes_account = fields.Boolean()
    bank_card = fields.String()
    fields_ = fields.Dict(data_key="fields")
    status = fields.String()
    status_label = fields.String()
    can_cancel = fields.Boolean(metadata={"description": "申请人现在能否撤销"})
    steps_ahead = fields.List(fields.Nested(StepAheadOut), metadata={"description": "尚待办理的环节（主流程）"})
    opinion = fields.String(allow_none=True)
    appointment_id = fields.String(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()
    timeline = fields.List(fields.Nested(TimelineOut))


class StaffApplicationOut(ApplicationOut):
    account_no = fields.String()
    name = fields.String()
    center = fields.String()
    accepted_by = fields.String(allow_none=True)
    allowed = fields.List(fields.String())


class SlotsArgs(Schema):
    date = fields.Date(required=True)


class SlotOut(Schema):
    start = fields.String()
    end = fields.String()
    label = fields.String()
    capacity = fields.Integer()
    places_left = fields.Integer()


class SlotsOut(Schema):
    branch_code = fields.String()
    branch_name = fields.String()
    date = fields.Date()
    items = fields.List(fields.Nested(SlotOut))


class BookingWindowOut(Schema):
    today = fields.Date(metadata={"description": "今天（北京时间）"})
    first_day = fields.Date()
    last_day = fields.Date()
    max_days_ahead = fields.Integer()


class BranchOut(Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String()
    phone = fields.String()
    hours = fields.String()


class BranchesOut(Schema):
    items = fields.List(fields.Nested(BranchOut))


class AppointmentIn(Schema):
    branch_code = fields.String(required=True)
    reason = fields.String(required=True)
    date = fields.Date(required=True)
    start = fields.Time(required=True, format="%H:%M")


class AttendIn(ApplicationIn):
    reason = fields.String(load_default=None)


class AppointmentOut(Schema):
    id = fields.String()
    branch_code = fields.String()
    branch_name = fields.String()
    reason = fields.String()
    reason_name = fields.String()
    slot_start = fields.String()
    slot_end = fields.String()
    status = fields.String()
    status_label = fields.String()
    can_cancel = fields.Boolean(metadata={"description": "现在能否取消（预约时段开始前）"})
    application_id = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(MaterialOut))


class EntrustedRepaymentIn(Schema):
    """Sign up a fund loan for the monthly entrusted withdrawal; `include_spouse` adds the co-borrowing spouse's
    fund account (taken after the borrower's)."""

    loan_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    include_spouse = fields.Boolean(load_default=False)


class EntrustedRepaymentOut(Schema):
    id = fields.String()
    loan_id = fields.String()
    contract_no = fields.String(allow_none=True)
    account_no = fields.String()
    include_spouse = fields.Boolean()
    spouse_name = fields.String(allow_none=True)  # masked
    spouse_account_no = fields.String(allow_none=True)  # masked
    status = fields.String()
    status_label = fields.String()
    created_at = fields.String()
    ended_at = fields.String(allow_none=True)
