"""Withdrawal reasons (提取事由) as configuration: fields, materials to bring and rules of each reason.

The figures and choices themselves are in `reason_catalogue.py`; this module only says what a reason is.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from enum import StrEnum


class AccountStatus(StrEnum):
    NORMAL = "normal"
    SEALED = "sealed"
    FROZEN = "frozen"
    CLOSED = "closed"


ACCOUNT_STATUS_LABELS = {
    AccountStatus.NORMAL: "正常",
    AccountStatus.SEALED: "封存",
    AccountStatus.FROZEN: "冻结",
    AccountStatus.CLOSED: "销户",
}


class FieldKind(StrEnum):
    MONEY = "money"
    DATE = "date"
    TEXT = "text"
    FLAG = "flag"
    ID_NUMBER = "id_number"
    CHOICE = "choice"


@dataclass(frozen=True)
class ReasonField:
    """One extra field a reason asks for, flat in the request body next to reason, amount and bank_card."""

    name: str
    label: str
    kind: FieldKind
    choices: tuple[str, ...] = ()
    max_length: int = 64


@dataclass(frozen=True)
class Material:
    """A document to bring to the counter; `note` says which variant or when it applies."""

    name: str
    note: str = ""


class FrequencyKind(StrEnum):
    UNLIMITED = "unlimited"
    ONCE = "once"
    ONCE_PER_YEAR = "once_per_year"  # not again within 12 months of the last withdrawal for this reason
    ONCE_PER_REFERENCE = "once_per_reference"  # once per house or loan, named by `reference_field`


@dataclass(frozen=True)
class Frequency:
    kind: FrequencyKind = FrequencyKind.UNLIMITED
    reference_field: str | None = None


@dataclass(frozen=True)
class RentCap:
    """Rent withdrawals are capped per month of lease (and by the rent itself) and per year."""

    monthly: Decimal = Decimal("1800.00")
    yearly: Decimal = Decimal("21600.00")


ANY_LIVE_ACCOUNT = frozenset({AccountStatus.NORMAL, AccountStatus.SEALED})


@dataclass(frozen=True)
class ReasonRules:
    rent_cap: RentCap | None = None
    amount_within_fields: tuple[str, ...] = ()  # the amount may not exceed these declared figures
    frequency: Frequency = field(default_factory=Frequency)
    min_deposit_months: int = 0
    whole_balance: bool = False  # takes the whole balance and closes the account
    allowed_statuses: frozenset[AccountStatus] = ANY_LIVE_ACCOUNT
    requires_no_home: bool = False
    refused_with_open_fund_loan: bool = False
    event_date_field: str | None = None  # the date of the event the withdrawal rests on; never in the future
    event_max_age_months: int | None = None
    card_holder_field: str | None = None  # whose name the card must be in, when not the applicant's


@dataclass(frozen=True)
class WithdrawalReason:
    code: str
    name: str
    description: str
    materials: tuple[Material, ...]
    fields: tuple[ReasonField, ...]
    rules: ReasonRules
    enabled: bool = True

    @property
    def closes_account(self) -> bool:
        return self.rules.whole_balance

    def field_named(self, name: str) -> ReasonField | None:
        return next((spec for spec in self.fields if spec.name == name), None)

    def label_of(self, name: str) -> str:
        spec = self.field_named(name)
        return spec.label if spec else name

    def rule_lines(self) -> list[str]:
        """The rules in Chinese, for the reasons page and the booking answer."""
        rules = self.rules
        lines = []
        if rules.whole_balance:
            lines.append("提取账户全部余额并办理销户，有未结清住房公积金贷款的须先结清")
        if rules.rent_cap:
            lines.append(
                f"每月不超过{format_yuan(rules.rent_cap.monthly)}元且不超过实际月租金，"
                f"每年不超过{format_yuan(rules.rent_cap.yearly)}元"
            )
        lines.extend(f"提取金额不超过{self.label_of(name)}" for name in rules.amount_within_fields)
        if rules.min_deposit_months:
            lines.append(f"须连续足额缴存满{rules.min_deposit_months}个月")
        statuses = "、".join(ACCOUNT_STATUS_LABELS[s] for s in AccountStatus if s in rules.allowed_statuses)
        lines.append(f"{statuses}状态的账户可办理")
        if rules.requires_no_home:
            lines.append("本人及配偶在缴存地无自有住房")
        if rules.refused_with_open_fund_loan:
            lines.append("有未结清住房公积金贷款的不能办理")
        if rules.event_date_field and rules.event_max_age_months:
            lines.append(f"须在{self.label_of(rules.event_date_field)}起{rules.event_max_age_months}个月内申请")
        frequency = rules.frequency
        if frequency.kind is FrequencyKind.ONCE:
            lines.append("限办理一次")
        elif frequency.kind is FrequencyKind.ONCE_PER_YEAR:
            lines.append("每12个月限提取一次")
        elif frequency.kind is FrequencyKind.ONCE_PER_REFERENCE:
            lines.append(f"同一{self.label_of(frequency.reference_field or '')}限提取一次")
        return lines


def format_yuan(amount: Decimal) -> str:
    """1800 → "1,800.00", as figures are written in messages to users."""
    return f"{Decimal(amount):,.2f}"


@dataclass(frozen=True)
class ReasonCatalogue:
    reasons: tuple[WithdrawalReason, ...]

    def get(self, code: str) -> WithdrawalReason | None:
        return next((reason for reason in self.reasons if reason.code == code), None)

    def offered(self) -> tuple[WithdrawalReason, ...]:
        return tuple(reason for reason in self.reasons if reason.enabled)

    def with_overrides(self, overrides: Mapping[str, Mapping[str, object]]) -> "ReasonCatalogue":
        """A copy where overrides[code] replaces attributes of that reason or of its rules, by name."""
        unknown = set(overrides) - {reason.code for reason in self.reasons}
        if unknown:
            raise ValueError(f"overrides name unknown reasons: {sorted(unknown)}")
        return ReasonCatalogue(tuple(_overridden(r, overrides.get(r.code, {})) for r in self.reasons))


def _overridden(reason: WithdrawalReason, changes: Mapping[str, object]) -> WithdrawalReason:
    rule_names = {spec.name for spec in fields(ReasonRules)}
    reason_names = {spec.name for spec in fields(WithdrawalReason)} - {"code"}
    unknown = set(changes) - rule_names - reason_names
    if unknown:
        raise ValueError(f"reason {reason.code}: unknown settings {sorted(unknown)}")
    rules = replace(reason.rules, **{k: v for k, v in changes.items() if k in rule_names})
    return replace(reason, rules=rules, **{k: v for k, v in changes.items() if k in reason_names})
