"""Monthly deposits: the two shares from base and ratios, the paid-up-to month, and continuous deposit months.

Rules (DOMAIN.md): the deposit base is last year's average monthly wage, reset each 1 July and bounded per
centre; the employer's and the employee's ratios are each 5%-12%; each share is rounded to the yuan, half up,
and the monthly deposit is their sum. Ratios are fractions (0.12 means 12%) everywhere in this package.

Paid-up-to month (缴至年月), decided here:
- a regular deposit (汇缴) is for a month after the paid-up-to month and moves it to that month; a later month
  than the next one is allowed (the employee was not employed in between) and leaves a gap that breaks
  continuity;
- a supplementary deposit (补缴) pays a month up to the one after the paid-up-to month: a month already
  passed (filling a gap or topping up an underpaid month) leaves the paid-up-to month where it is; the next
  month moves it on, so an employer catching up pays January, February, March in turn. A later month is
  refused: that is a regular deposit.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chassis.clock import YearMonth
from chassis.money import round_fen, round_yuan
from services.accounts.domain.errors import RuleViolation


@dataclass(frozen=True)
class DepositRules:
    """One centre's bounds for a fund year; the defaults are Yinchuan's 2026 figures."""

    base_min: Decimal = Decimal("2050")
    base_max: Decimal = Decimal("33747")
    ratio_min: Decimal = Decimal("0.05")
    ratio_max: Decimal = Decimal("0.12")


class DepositKind(StrEnum):
    REGULAR = "regular"
    SUPPLEMENTARY = "supplementary"

    @property
    def label(self) -> str:
        return {"regular": "汇缴", "supplementary": "补缴"}[self.value]


@dataclass(frozen=True)
class MonthlyDeposit:
    base: Decimal
    employer_ratio: Decimal
    personal_ratio: Decimal
    unit_amount: Decimal
    personal_amount: Decimal

    @property
    def total(self) -> Decimal:
        return self.unit_amount + self.personal_amount


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _percent(ratio: Decimal) -> str:
    return format((ratio * 100).normalize(), "f") + "%"


def check_base(base: Decimal, rules: DepositRules) -> Decimal:
    """The base itself, or a Chinese refusal when it is not a fen amount within the centre's bounds."""
    base = Decimal(base)
    if not base.is_finite() or base != round_fen(base):
        raise RuleViolation("DEPOSIT_BASE_INVALID", "缴存基数应为金额，最多两位小数", field="deposit_base")
    if not rules.base_min <= base <= rules.base_max:
        raise RuleViolation(
            "DEPOSIT_BASE_OUT_OF_RANGE",
            f"缴存基数应在{_yuan(rules.base_min)}元至{_yuan(rules.base_max)}元之间，当前为{_yuan(base)}元",
            field="deposit_base",
        )
    return base


def check_ratio(ratio: Decimal, rules: DepositRules, field: str) -> Decimal:
    """`field` is employer_ratio or personal_ratio; the message names the share."""
    share = "单位" if field == "employer_ratio" else "个人"
    ratio = Decimal(ratio)
    if not ratio.is_finite() or not rules.ratio_min <= ratio <= rules.ratio_max:
        shown = _percent(ratio) if ratio.is_finite() else str(ratio)
        raise RuleViolation(
            "DEPOSIT_RATIO_OUT_OF_RANGE",
            f"{share}缴存比例应在{_percent(rules.ratio_min)}至{_percent(rules.ratio_max)}之间，当前为{shown}",
            field=field,
        )
    return ratio


def monthly_deposit(
    base: Decimal, employer_ratio: Decimal, personal_ratio: Decimal, rules: DepositRules
) -> MonthlyDeposit:
    """The month's two shares, each rounded to the yuan half up; refuses a base or ratio out of bounds."""
    base = check_base(base, rules)
    employer_ratio = check_ratio(employer_ratio, rules, "employer_ratio")
    personal_ratio = check_ratio(personal_ratio, rules, "personal_ratio")
    return MonthlyDeposit(
        base=base,
        employer_ratio=employer_ratio,
        personal_ratio=personal_ratio,
        unit_amount=round_yuan(base * employer_ratio),
        personal_amount=round_yuan(base * personal_ratio),
    )


def paid_up_to_after(paid_up_to: YearMonth | None, month: YearMonth, kind: DepositKind) -> YearMonth:
    """The paid-up-to month once `month` is deposited as `kind` (rules in the module docstring)."""
    if paid_up_to is None:
        return month
    if kind is DepositKind.REGULAR:
        if month <= paid_up_to:
            raise RuleViolation(
                "DEPOSIT_MONTH_ALREADY_PAID",
                f"已缴至{paid_up_to.label}，{month.label}不能再汇缴，如需补足请办理补缴",
                field="month",
            )
        return month
    if month > paid_up_to.next():
        raise RuleViolation(
            "DEPOSIT_MONTH_NOT_CONTIGUOUS",
            f"补缴月份不能晚于{paid_up_to.next().label}（缴至年月的下一个月），以后的月份请办理汇缴",
            field="month",
        )
    return max(paid_up_to, month)


def fully_deposited_months(
    postings: Iterable[tuple[YearMonth, Decimal]], required: Decimal | Mapping[YearMonth, Decimal]
) -> set[YearMonth]:
    """Months whose regular and supplementary postings together reach the month's required deposit.

    `required` is one figure, or one per month when the base changed over the years (each 1 July).
    """
    paid: dict[YearMonth, Decimal] = {}
    for month, amount in postings:
        paid[month] = paid.get(month, Decimal("0")) + amount

    def required_for(month: YearMonth) -> Decimal:
        return required[month] if isinstance(required, Mapping) else required

    return {month for month, amount in paid.items() if amount >= required_for(month)}
