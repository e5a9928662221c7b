"""Request and response schemas of the accounts API (money as decimal strings, PII masked on the way out)."""

import re

from marshmallow import Schema, ValidationError, fields, validate, validates

from chassis.fields import Money
from chassis.pii import mask_id_number, mask_mobile
from chassis.rules import RuleViolation
from services.accounts.domain.deposits import DepositKind, YearMonth
from services.accounts.domain.ledger import AccountStatus, EntryKind

# the business numbers a depositor reads on papers and screens: TQ… (withdrawals), DK… (loans)
BUSINESS_NO = re.compile(r"^(TQ|DK)[0-9A-Z-]+$")


def _money(**options) -> fields.Decimal:
    return Money(**options)


class PersonSchema(Schema):
    name = fields.String()
    id_number = fields.Function(lambda person: mask_id_number(person["id_number"]))
    mobile = fields.Function(lambda person: mask_mobile(person["mobile"]))
    center = fields.String()
    center_name = fields.String()
    account_no = fields.String()
    employer_name = fields.String()
    employer_account_no = fields.String()


class AccountSchema(Schema):
    account_no = fields.String()
    center = fields.String()
    employer_name = fields.String()
    status = fields.String()
    status_label = fields.Function(lambda account: AccountStatus(account["status"]).label)
    balance = _money()
    reserved = _money()
    available = _money()
    deposit_base = _money()
    employer_ratio = fields.Decimal(as_string=True)
    personal_ratio = fields.Decimal(as_string=True)
    unit_monthly = _money()
    personal_monthly = _money()
    monthly_amount = _money()
    paid_up_to = fields.String(allow_none=True)
    opened_on = fields.Date()


def _kind_label(entry) -> str:
    return EntryKind(entry.kind).label


class StatementRowSchema(Schema):
    id = fields.Integer()
    posted_on = fields.Date()
    kind = fields.String()
    kind_label = fields.Function(_kind_label)
    summary = fields.String()
    amount = _money()
    balance = _money(attribute="balance_after")


def _business_no(entry) -> str | None:
    """The entry's business number (TQ... of a withdrawal, DK... of a loan) when its reference is one; internal
    references (an application's id, `batch-…`, `counter-…`) are the ledger's own and never shown."""
    reference = entry.reference or ""
    return reference if BUSINESS_NO.match(reference) else None


class StatementDetailSchema(StatementRowSchema):
    month = fields.String(allow_none=True)
    unit_amount = _money(allow_none=True)
    personal_amount = _money(allow_none=True)
    business_no = fields.Function(_business_no, allow_none=True)


class DepositRowSchema(Schema):
    id = fields.Integer()
    month = fields.String()
    posted_on = fields.Date()
    kind = fields.Function(lambda entry: "regular" if entry.kind == "regular_deposit" else "supplementary")
    kind_label = fields.Function(_kind_label)
    amount = _money()
    unit_amount = _money()
    personal_amount = _money()


class DepositDetailSchema(DepositRowSchema):
    summary = fields.String()
    balance = _money(attribute="balance_after")


class WithdrawalRowSchema(Schema):
    id = fields.Integer()
    posted_on = fields.Date()
    summary = fields.String()
    amount = fields.Function(lambda entry: f"{-entry.amount:.2f}")
    balance = _money(attribute="balance_after")


class WithdrawalDetailSchema(WithdrawalRowSchema):
    business_no = fields.Function(_business_no, allow_none=True)


class CenterSchema(Schema):
    code = fields.String()
    name = fields.String()
    short_name = fields.String()


class BranchSchema(Schema):
    code = fields.String()
    name = fields.String()
    address = fields.String()
    phone = fields.String()
    hours = fields.String()
    lat = fields.Float()
    lng = fields.Float()


class AccessLinksArgs(Schema):
    center = fields.String(load_default=None, metadata={"description": "管理中心代码：官方网站取该中心的网站"})


class AccessLinkSchema(Schema):
    kind = fields.String(metadata={"description": "hall 本网厅 | website 官方网站 | wechat 公众号 | android | ios"})
    label = fields.String()
    url = fields.String()
    qr_svg = fields.String(metadata={"description": "该地址的二维码（SVG，data: URI）"})


class GuideArgs(Schema):
    center = fields.String(load_default=None)
    category = fields.String(load_default=None, validate=validate.OneOf(["loan", "withdrawal", "deposit", "other"]))


class GuideRowSchema(Schema):
    id = fields.String()
    title = fields.String()
    category = fields.String()
    category_label = fields.Function(lambda guide: guide.category.label)
    center = fields.String()
    updated = fields.Date()
    summary = fields.String()


class GuideSchema(GuideRowSchema):
    body = fields.String()


# -- operations (staff) ------------------------------------------------------------------------------------


class DepositBatchIn(Schema):
    employer_account_no = fields.String(required=True, validate=validate.Length(min=1, max=30))
    month = fields.String(required=True)
    kind = fields.String(load_default="regular", validate=validate.OneOf([kind.value for kind in DepositKind]))
    posted_on = fields.Date(load_default=None)
    account_nos = fields.List(fields.String(), load_default=None)

    @validates("month")
    def _month(self, value: str, **_kwargs) -> None:
        try:
            YearMonth.parse(value)
        except RuleViolation as error:
            raise ValidationError(error.detail) from error


class SkippedSchema(Schema):
    account_no = fields.String()
    reason = fields.String()


class DepositBatchOut(Schema):
    batch_id = fields.Integer()
    employer_account_no = fields.String()
    month = fields.String()
    kind = fields.String()
    posted_on = fields.Date()
    accounts = fields.Integer()
    total = _money()
    replayed = fields.Boolean()
    skipped = fields.List(fields.Nested(SkippedSchema))


class SettlementIn(Schema):
    fund_year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class SettlementOut(Schema):
    fund_year = fields.Integer()
    settled_on = fields.Date()
    annual_rate = fields.Decimal(as_string=True)
    accounts = fields.Integer()
    total = _money()
    replayed = fields.Boolean()


class MobileIn(Schema):
    mobile = fields.String(required=True)


class AccountStatusOut(Schema):
    account_no = fields.String()
    status = fields.String()
    status_label = fields.Function(lambda account: AccountStatus(account.status).label)
    mobile = fields.Function(lambda account: mask_mobile(account.depositor.mobile))


class ImportOut(Schema):
    imported = fields.Integer()
    account_nos = fields.List(fields.String())
