"""Checking a withdrawal pre-application against the applicant's facts: every failed rule, in Chinese.

The check never stops at the first failure, so the applicant can correct everything in one go. Facts come
from the caller (a read model of accounts' events and this service's own history); `previous_withdrawals`
holds only withdrawals that were paid or are still under way, never rejected or cancelled ones.
"""

import calendar
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from chassis.money import FEN, round_fen
from chassis.pii import is_valid_id_number, normalize_id_number
from services.withdrawals.domain.cards import bank_card_problem, normalize_bank_card
from services.withdrawals.domain.errors import PreApplicationRefused, RuleFailure
from services.withdrawals.domain.reasons import (
    ACCOUNT_STATUS_LABELS,
    AccountStatus,
    FieldKind,
    FrequencyKind,
    ReasonCatalogue,
    RentCap,
    WithdrawalReason,
    format_yuan,
)

# The rent reason's own fields: the caps are computed from them.
MONTHLY_RENT, LEASE_START, LEASE_END = "monthly_rent", "lease_start", "lease_end"
NO_HOME_DECLARED = "no_home_declared"
_TRUE_WORDS, _FALSE_WORDS = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


@dataclass(frozen=True)
class PreviousWithdrawal:
    reason: str
    on: date
    amount: Decimal
    reference: str | None = None  # the house or loan it was for: contract, permit or loan contract number


@dataclass(frozen=True)
class ApplicantFacts:
    name: str
    account_status: str
    balance: Decimal
    available: Decimal  # balance minus reserved funds
    continuous_deposit_months: int
    previous_withdrawals: tuple[PreviousWithdrawal, ...] = ()
    withdrawal_in_progress: bool = False
    has_open_fund_loan: bool = False
    owns_home: bool | None = None  # None: not known, the applicant's declaration stands


@dataclass(frozen=True)
class WithdrawalRequest:
    reason: str
    amount: Decimal | str | None  # ignored for reasons that take the whole balance
    bank_card: str
    today: date
    fields: Mapping[str, object] = field(default_factory=dict)
    card_holder: str | None = None  # None: the applicant declares the card is in the expected name


@dataclass(frozen=True)
class PreApplicationCheck:
    reason: WithdrawalReason | None
    amount: Decimal | None  # what will be withdrawn: the whole balance for reasons that close the account
    closes_account: bool
    bank_card: str
    values: Mapping[str, object]  # the reason's fields, parsed to Decimal, date, bool or str
    failures: tuple[RuleFailure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def codes(self) -> list[str]:
        return [failure.code for failure in self.failures]

    def raise_if_failed(self) -> "PreApplicationCheck":
        if self.failures:
            raise PreApplicationRefused(self.failures)
        return self


def check_pre_application(
    request: WithdrawalRequest, facts: ApplicantFacts, catalogue: ReasonCatalogue
) -> PreApplicationCheck:
    reason = catalogue.get(request.reason)
    failures: list[RuleFailure] = []
    if reason is None:
        failures.append(RuleFailure("REASON_UNKNOWN", f"不存在的提取事由：{request.reason}", "reason"))
    elif not reason.enabled:
        message = f"本中心暂未开通“{reason.name}”提取，请咨询12329"
        failures.append(RuleFailure("REASON_NOT_OFFERED", message, "reason"))
        reason = None

    values: dict[str, object] = {}
    if reason:
        failures.extend(_parse_fields(reason, request.fields, values))
    whole_balance = bool(reason and reason.rules.whole_balance)
    amount, amount_failures = _amount(request.amount, facts, whole_balance)
    failures.extend(amount_failures)
    failures.extend(_account_failures(reason, facts))
    failures.extend(_card_failures(request, reason, values, facts))
    if reason:
        failures.extend(_eligibility_failures(reason, facts, values))
        failures.extend(_event_date_failures(reason, values, request.today))
        failures.extend(_frequency_failures(reason, facts, values, request.today))
        failures.extend(_declared_limit_failures(reason, values, amount))
        if reason.rules.rent_cap:
            failures.extend(_rent_failures(reason.rules.rent_cap, values, amount, request.today))
    return PreApplicationCheck(
        reason=reason,
        amount=amount,
        closes_account=whole_balance,
        bank_card=normalize_bank_card(request.bank_card),
        values=values,
        failures=tuple(failures),
    )


def _parse_fields(
    reason: WithdrawalReason, raw: Mapping[str, object], values: dict[str, object]
) -> Iterator[RuleFailure]:
    for spec in reason.fields:
        text = raw.get(spec.name)
        if text is None or (isinstance(text, str) and not text.strip()):
            yield RuleFailure("FIELD_REQUIRED", f"请填写{spec.label}", spec.name)
            continue
        try:
            values[spec.name] = _parse_value(spec.kind, text, spec.choices, spec.max_length)
        except ValueError as problem:
            yield RuleFailure(str(problem), _FIELD_MESSAGES[str(problem)](spec), spec.name)


_FIELD_MESSAGES = {
    "FIELD_INVALID": lambda spec: (
        f"{spec.label}格式不正确" + ("，应为YYYY-MM-DD" if spec.kind is FieldKind.DATE else "")
    ),
    "FIELD_TOO_PRECISE": lambda spec: f"{spec.label}最多两位小数",
    "FIELD_NOT_POSITIVE": lambda spec: f"{spec.label}须大于0",
    "FIELD_TOO_LONG": lambda spec: f"{spec.label}不能超过{spec.max_length}个字",
    "FIELD_NOT_A_CHOICE": lambda spec: f"{spec.label}须为{'、'.join(spec.choices)}之一",
}


def _parse_value(kind: FieldKind, raw: object, choices: tuple[str, ...], max_length: int) -> object:
    """The typed value of one field; a ValueError carries the failure code."""
    if kind is FieldKind.MONEY:
        figure = _decimal(raw)
        if figure is None:
            raise ValueError("FIELD_INVALID")
        if figure != figure.quantize(FEN):
            raise ValueError("FIELD_TOO_PRECISE")
        if figure <= 0:
            raise ValueError("FIELD_NOT_POSITIVE")
        return figure.quantize(FEN)
    if kind is FieldKind.DATE:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        try:
            return date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError("FIELD_INVALID") from None
    if kind is FieldKind.FLAG:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in _TRUE_WORDS | _FALSE_WORDS:
            raise ValueError("FIELD_INVALID")
        return word in _TRUE_WORDS
    text = str(raw).strip()
    if kind is FieldKind.ID_NUMBER:
        if not is_valid_id_number(text):
            raise ValueError("FIELD_INVALID")
        return normalize_id_number(text)
    if kind is FieldKind.CHOICE and text not in choices:
        raise ValueError("FIELD_NOT_A_CHOICE")
    if len(text) > max_length:
        raise ValueError("FIELD_TOO_LONG")
    return text


def _decimal(raw: object) -> Decimal | None:
    """A finite Decimal from a Decimal, an int or a string; no floats, which cannot hold fen exactly."""
    if isinstance(raw, bool | float) or not isinstance(raw, Decimal | int | str):
        return None
    try:
        figure = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    return figure if figure.is_finite() else None


def _amount(raw: object, facts: ApplicantFacts, whole_balance: bool) -> tuple[Decimal | None, list[RuleFailure]]:
    if whole_balance:
        # The amount is not the applicant's to choose: the account is emptied and closed.
        if facts.balance <= 0:
            return None, [RuleFailure("BALANCE_EMPTY", "账户余额为0，无可提取金额", "amount")]
        if facts.available < facts.balance:
            message = "账户有占用中的资金（可能有提取或贷款业务正在办理），暂不能提取全部余额销户"
            return facts.balance, [RuleFailure("FUNDS_RESERVED", message, "amount")]
        return facts.balance, []
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, [RuleFailure("AMOUNT_REQUIRED", "请填写提取金额", "amount")]
    amount = _decimal(raw)
    if amount is None:
        return None, [RuleFailure("AMOUNT_INVALID", "提取金额格式不正确", "amount")]
    if amount != amount.quantize(FEN):
        return None, [RuleFailure("AMOUNT_TOO_PRECISE", "提取金额最多两位小数", "amount")]
    amount = amount.quantize(FEN)
    if amount <= 0:
        return None, [RuleFailure("AMOUNT_NOT_POSITIVE", "提取金额须大于0", "amount")]
    if amount > facts.available:
        message = f"提取金额不得超过可提取余额{format_yuan(facts.available)}元"
        return amount, [RuleFailure("AMOUNT_EXCEEDS_AVAILABLE", message, "amount")]
    return amount, []


def _account_failures(reason: WithdrawalReason | None, facts: ApplicantFacts) -> Iterator[RuleFailure]:
    status = facts.account_status
    if status == AccountStatus.FROZEN:
        yield RuleFailure("ACCOUNT_FROZEN", "账户已冻结，暂不能办理提取，请咨询管理中心")
    elif status == AccountStatus.CLOSED:
        yield RuleFailure("ACCOUNT_CLOSED", "账户已销户，不能办理提取")
    elif reason and status not in reason.rules.allowed_statuses:
        label = ACCOUNT_STATUS_LABELS.get(status, status)
        message = f"{label}状态的账户不能办理“{reason.name}”提取"
        yield RuleFailure("ACCOUNT_STATUS_NOT_ALLOWED", message, "reason")
    if facts.withdrawal_in_progress:
        message = "您有一笔提取申请正在办理中，办结或撤销后才能再次申请"
        yield RuleFailure("WITHDRAWAL_IN_PROGRESS", message)


def _card_failures(
    request: WithdrawalRequest,
    reason: WithdrawalReason | None,
    values: Mapping[str, object],
    facts: ApplicantFacts,
) -> Iterator[RuleFailure]:
    if not normalize_bank_card(request.bank_card):
        yield RuleFailure("BANK_CARD_REQUIRED", "请填写银行卡号", "bank_card")
        return
    if problem := bank_card_problem(request.bank_card):
        yield RuleFailure("BANK_CARD_INVALID", problem, "bank_card")
    holder_field = reason.rules.card_holder_field if reason else None
    expected_holder = values.get(holder_field) if holder_field else facts.name
    if request.card_holder is not None and expected_holder and request.card_holder.strip() != expected_holder:
        whose = f"继承人{expected_holder}" if holder_field else "申请人本人"
        yield RuleFailure("BANK_CARD_NOT_OWN", f"银行卡须为{whose}名下的借记卡", "bank_card")


def _eligibility_failures(
    reason: WithdrawalReason, facts: ApplicantFacts, values: Mapping[str, object]
) -> Iterator[RuleFailure]:
    rules = reason.rules
    if facts.continuous_deposit_months < rules.min_deposit_months:
        message = (
            f"“{reason.name}”提取须连续足额缴存满{rules.min_deposit_months}个月，"
            f"您目前连续缴存{facts.continuous_deposit_months}个月"
        )
        yield RuleFailure("DEPOSIT_MONTHS_INSUFFICIENT", message)
    if facts.has_open_fund_loan and rules.whole_balance:
        message = "您有未结清的住房公积金贷款，须先结清贷款才能提取全部余额销户"
        yield RuleFailure("OPEN_FUND_LOAN_BLOCKS_CLOSING", message, "reason")
    elif facts.has_open_fund_loan and rules.refused_with_open_fund_loan:
        message = f"您有未结清的住房公积金贷款，不能办理“{reason.name}”提取"
        yield RuleFailure("OPEN_FUND_LOAN", message, "reason")
    if rules.requires_no_home:
        if facts.owns_home:
            message = f"记录显示您在缴存地有自有住房，不能办理“{reason.name}”提取"
            yield RuleFailure("HOME_OWNED", message, "reason")
        if reason.field_named(NO_HOME_DECLARED) and values.get(NO_HOME_DECLARED) is False:
            message = "须声明本人及配偶在缴存地无自有住房"
            yield RuleFailure("NO_HOME_NOT_DECLARED", message, NO_HOME_DECLARED)


def _event_date_failures(reason: WithdrawalReason, values: Mapping[str, object], today: date) -> Iterator[RuleFailure]:
    name, max_age = reason.rules.event_date_field, reason.rules.event_max_age_months
    event_day = values.get(name) if name else None
    if not isinstance(event_day, date):
        return
    label = reason.label_of(name)
    if event_day > today:
        yield RuleFailure("EVENT_DATE_IN_FUTURE", f"{label}不能晚于今天", name)
    elif max_age and event_day < add_months(today, -max_age):
        message = f"{label}距今已超过{max_age}个月，不能再办理“{reason.name}”提取"
        yield RuleFailure("EVENT_TOO_OLD", message, name)


def _frequency_failures(
    reason: WithdrawalReason, facts: ApplicantFacts, values: Mapping[str, object], today: date
) -> Iterator[RuleFailure]:
    frequency = reason.rules.frequency
    earlier = sorted(
        (previous for previous in facts.previous_withdrawals if previous.reason == reason.code),
        key=lambda previous: previous.on,
    )
    if not earlier or frequency.kind is FrequencyKind.UNLIMITED:
        return
    if frequency.kind is FrequencyKind.ONCE:
        yield RuleFailure("ALREADY_WITHDRAWN", f"您已办理过“{reason.name}”提取，不能重复办理", "reason")
    elif frequency.kind is FrequencyKind.ONCE_PER_YEAR:
        next_allowed = add_months(earlier[-1].on, 12)
        if today < next_allowed:
            message = (
                f"“{reason.name}”提取每12个月限一次，上次提取日期为{earlier[-1].on.isoformat()}，"
                f"{next_allowed.isoformat()}起可再次申请"
            )
            yield RuleFailure("WITHDRAWN_TOO_RECENTLY", message, "reason")
    elif frequency.kind is FrequencyKind.ONCE_PER_REFERENCE and frequency.reference_field:
        reference = values.get(frequency.reference_field)
        if reference and any(_same_reference(previous.reference, reference) for previous in earlier):
            label = reason.label_of(frequency.reference_field)
            message = f"{label}为{reference}的住房已办理过“{reason.name}”提取，同一住房限提取一次"
            yield RuleFailure("ALREADY_WITHDRAWN_FOR_HOUSE", message, frequency.reference_field)


def _same_reference(previous: str | None, current: object) -> bool:
    return bool(previous) and _reference_key(previous) == _reference_key(current)


def _reference_key(reference: object) -> str:
    # Contract numbers are typed by hand: letters in either case, spaces or dashes between the groups.
    return _REFERENCE_SEPARATORS.sub("", str(reference)).upper()


_REFERENCE_SEPARATORS = re.compile(r"[\s\-－—_]")


def _declared_limit_failures(
    reason: WithdrawalReason, values: Mapping[str, object], amount: Decimal | None
) -> Iterator[RuleFailure]:
    for name in reason.rules.amount_within_fields:
        limit = values.get(name)
        if amount is not None and isinstance(limit, Decimal) and amount > limit:
            message = f"提取金额不得超过{reason.label_of(name)}{format_yuan(limit)}元"
            yield RuleFailure(f"AMOUNT_EXCEEDS_{name.upper()}", message, "amount")


def _rent_failures(
    cap: RentCap, values: Mapping[str, object], amount: Decimal | None, today: date
) -> Iterator[RuleFailure]:
    start, end, rent = values.get(LEASE_START), values.get(LEASE_END), values.get(MONTHLY_RENT)
    if not (isinstance(start, date) and isinstance(end, date)):
        return
    if end <= start:
        yield RuleFailure("LEASE_DATES_INVALID", "租赁结束日期须晚于租赁开始日期", LEASE_END)
        return
    if start > today:
        yield RuleFailure("LEASE_NOT_STARTED", "租赁合同尚未开始，不能办理租房提取", LEASE_START)
    elif end < today:
        yield RuleFailure("LEASE_ENDED", "租赁合同已到期，请提供有效期内的租赁合同", LEASE_END)
    if amount is None or not isinstance(rent, Decimal):
        return
    months = lease_months_in_year(start, end)
    limit = rent_cap_for(rent, start, end, cap)
    if amount > limit:
        message = (
            f"租房提取金额不得超过{format_yuan(limit)}元（按租期{months}个月计，每月不超过"
            f"{format_yuan(min(cap.monthly, rent))}元，每年不超过{format_yuan(cap.yearly)}元）"
        )
        yield RuleFailure("AMOUNT_EXCEEDS_RENT_CAP", message, "amount")


def lease_months_in_year(lease_start: date, lease_end: date) -> int:
    """Months of the lease counted from its start, a started month as a whole one, at most a year's 12.

    A longer lease is claimed year by year: the frequency rule spaces rent withdrawals 12 months apart.
    """
    day_after_end = date.fromordinal(lease_end.toordinal() + 1)
    months = (day_after_end.year - lease_start.year) * 12 + day_after_end.month - lease_start.month
    if day_after_end.day > lease_start.day:
        months += 1
    return max(1, min(12, months))


def rent_cap_for(monthly_rent: Decimal, lease_start: date, lease_end: date, cap: RentCap) -> Decimal:
    """The most a rent withdrawal may take: the lease months times the lesser of the rent and the monthly
    cap, and never more than the yearly cap."""
    months = lease_months_in_year(lease_start, lease_end)
    return min(cap.yearly, round_fen(min(cap.monthly, monthly_rent) * months))


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier); the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
