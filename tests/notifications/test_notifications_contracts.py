"""Every consumed event, built from its producer's contract schema, fills its template (contract test)."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from marshmallow import fields, validate

from chassis.bus import Envelope
from services.notifications.cases.notices import BUSINESS_NOTICES, CODE_NOTICES, notice_for
from services.notifications.domain.templates import TEMPLATES, render, render_in_app

# values whose format the contract states only in a comment
_SEMANTIC = {
    "month": "2026-02",
    "template": "sms_code.register",
    "params": {"code": "482916", "minutes": 5},
    "reason": "07",
    "bank_card_last4": "5678",
}


def _value(name, field, state):
    if name in _SEMANTIC:
        return _SEMANTIC[name]
    if name == "state":
        return state
    one_of = [v for v in field.validators if isinstance(v, validate.OneOf)]
    if one_of:
        return one_of[0].choices[0]
    if isinstance(field, fields.AwareDateTime | fields.DateTime):
        return datetime(2026, 3, 12, 1, 0, tzinfo=UTC) + (timedelta(hours=1) if name.endswith("end") else timedelta())
    if isinstance(field, fields.Date):
        return date(2026, 3, 12)
    if isinstance(field, fields.Decimal):
        return Decimal("1201.02")
    if isinstance(field, fields.Integer):
        return 12
    if isinstance(field, fields.Boolean):
        return False
    if isinstance(field, fields.List):
        return ["身份证", "本人银行卡"]
    if isinstance(field, fields.Dict):
        return {}
    return f"{name}-示例"


def payload(contract, required_only: bool, kind: str | None = None) -> dict:
    """A valid payload of `contract`: every field, or only the required ones (optional ones left out)."""
    schema = contract.schema()
    state = contract.type.rsplit(".", 1)[1]
    data = {
        name: _value(name, field, state) for name, field in schema.fields.items() if field.required or not required_only
    }
    if kind:
        data["kind"] = kind
    dumped = schema.dump(data)
    assert schema.validate(dumped) == {}, contract
    return dumped


def cases():
    for event_type, (contract, _builder) in {**BUSINESS_NOTICES, **CODE_NOTICES}.items():
        kinds = ("regular_deposit", "interest") if event_type == "accounts.account.credited" else (None,)
        for kind in kinds:
            for required_only in (False, True):
                label = f"{event_type}{'/' + kind if kind else ''}{'/required-only' if required_only else ''}"
                yield pytest.param(contract, required_only, kind, id=label)


@pytest.mark.parametrize(("contract", "required_only", "kind"), list(cases()))
def test_each_consumed_event_renders_its_template_from_the_producer_contract(contract, required_only, kind):
    data = payload(contract, required_only, kind)
    envelope = Envelope(type=contract.type, data=data, source="test", id=str(uuid.uuid4()))
    notice = notice_for(contract.load(envelope), envelope)
    if notice is None:
        assert contract.type in ("loans.application.disbursed", "loans.application.cancelled")
        return
    params = {"name": "张伟", **notice.params} if notice.needs_name else notice.params
    text = render(notice.template, params)
    assert "None" not in text and "{" not in text
    if TEMPLATES[notice.template].in_app:
        title, body = render_in_app(notice.template, params)
        assert title and body in text


def test_every_template_is_filled_by_some_consumed_event():
    reached = set()
    for contract, required_only, kind in (case.values for case in cases()):
        data = payload(contract, required_only, kind)
        envelope = Envelope(type=contract.type, data=data, source="test")
        notice = notice_for(contract.load(envelope), envelope)
        if notice:
            reached.add(notice.template)
    # the generated code request asks for the register template; the reset one is pinned below
    assert reached | {"sms_code.reset_password"} == set(TEMPLATES)


def test_reset_code_request_uses_the_reset_template_and_minutes_from_the_request():
    contract, _builder = CODE_NOTICES["identity.sms.requested"]
    data = {
        "request_id": "r1",
        "purpose": "reset_password",
        "mobile": "13895000001",
        "template": "sms_code.reset_password",
        "params": {"code": "135790", "minutes": 5},
    }
    envelope = Envelope(type=contract.type, data=data, source="identity")
    notice = notice_for(contract.load(envelope), envelope)
    assert notice.template == "sms_code.reset_password" and notice.mobile == "13895000001"
    assert "验证码135790，5分钟内有效" in render(notice.template, notice.params)


def test_appointment_times_are_shown_in_beijing_time():
    contract, _builder = BUSINESS_NOTICES["withdrawals.appointment.booked"]
    data = payload(contract, required_only=False)
    data.update(slot_start="2026-03-12T01:00:00+00:00", slot_end="2026-03-12T02:00:00+00:00", branch_name="金凤网点")
    envelope = Envelope(type=contract.type, data=data, source="withdrawals")
    notice = notice_for(contract.load(envelope), envelope)
    assert "2026年3月12日 09:00-10:00到金凤网点" in render(notice.template, {"name": "李娜", **notice.params})
