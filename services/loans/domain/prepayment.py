"""Early repayment trial (提前还款试算): a partial prepayment right after month k, then a new schedule.

The prepayment is made on month k's due date, together with that instalment, so month k+1's interest already
runs on the reduced balance and no interest is due on the prepayment itself. Two choices:

- shorten the term (缩短期限): 等额本息 keeps its monthly payment, 等额本金 keeps its monthly principal; the
  schedule runs until the balance is gone and its last month takes what remains;
- lower the payment (减少月供): the same remaining months, a schedule recomputed from the reduced balance by
  the same method and the same rules as the calculator.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chassis.money import FEN
from services.loans.domain.calculator import (
    DEFAULT_LIMITS,
    CalculatorLimits,
    Installment,
    RepaymentMethod,
    RepaymentPlan,
    amortize,
    amortize_with_payment,
    amortize_with_principal,
    parse_decimal,
)
from services.loans.domain.errors import RuleViolation


class PrepaymentMode(StrEnum):
    SHORTEN_TERM = "shorten_term"
    LOWER_PAYMENT = "lower_payment"

    @property
    def label(self) -> str:
        return {"shorten_term": "缩短还款期限（月供基本不变）", "lower_payment": "减少月还款额（期限不变）"}[self.value]


@dataclass(frozen=True)
class PrepaymentTrial:
    original: RepaymentPlan
    after_period: int
    prepayment: Decimal
    mode: PrepaymentMode
    remaining_before: Decimal  # principal owed after month k's instalment, before the prepayment
    remaining_after: Decimal
    schedule: tuple[Installment, ...]  # months k+1 ... of the new schedule, numbered on from k+1
    original_next_payment: Decimal  # month k+1 as originally planned
    new_payment: Decimal  # month k+1 after the prepayment
    new_term_months: int  # months of the whole loan, the k already paid included
    remaining_interest_before: Decimal  # interest of months k+1 ... n as originally planned
    remaining_interest_after: Decimal
    interest_saved: Decimal

    @property
    def months_saved(self) -> int:
        return self.original.term_months - self.new_term_months


def check_prepayment(
    plan: RepaymentPlan,
    after_period: object,
    prepayment: object,
    mode: object,
    limits: CalculatorLimits = DEFAULT_LIMITS,
) -> list[RuleViolation]:
    """Every problem with a prepayment request against `plan`; empty when the trial can run."""
    problems: list[RuleViolation] = []
    last_allowed = len(plan.schedule) - 1
    period_ok = isinstance(after_period, int) and not isinstance(after_period, bool)
    if not period_ok or not 1 <= after_period <= last_allowed:
        problems.append(
            RuleViolation(
                "PREPAYMENT_PERIOD_OUT_OF_RANGE",
                f"提前还款须在第1期至第{last_allowed}期还款之后办理",
                "after_period",
            )
        )
    amount = parse_decimal(prepayment)
    if amount is None or amount <= 0 or amount != amount.quantize(FEN):
        problems.append(
            RuleViolation("PREPAYMENT_AMOUNT_INVALID", "提前还款金额须大于0且最多保留两位小数", "prepayment")
        )
    elif period_ok and 1 <= after_period <= last_allowed:
        owed = plan.schedule[after_period - 1].remaining
        most = owed - limits.min_principal_after_prepayment
        if amount > most:
            problems.append(
                RuleViolation(
                    "PREPAYMENT_TOO_LARGE",
                    f"第{after_period}期后剩余本金{owed:,.2f}元，部分提前还款后须至少保留"
                    f"{limits.min_principal_after_prepayment:,.0f}元本金，本次最多可还{max(most, 0):,.2f}元；"
                    "如需全部结清请办理提前结清",
                    "prepayment",
                )
            )
    if mode not in tuple(PrepaymentMode):
        problems.append(RuleViolation("PREPAYMENT_MODE_UNKNOWN", "请选择缩短还款期限或减少月还款额", "mode"))
    return problems


def trial_prepayment(
    plan: RepaymentPlan,
    after_period: int,
    prepayment: Decimal | int | str,
    mode: PrepaymentMode | str,
    limits: CalculatorLimits = DEFAULT_LIMITS,
    regular: Installment | None = None,
) -> PrepaymentTrial:
    """Prepay `prepayment` after month `after_period` of `plan`; RuleViolation for the first problem.

    `regular` is the month whose payment (等额本息) or principal (等额本金) shortening the term keeps: month 1 of a
    fresh plan, or the first month of a loan's schedule as its latest prepayment recomputed it."""
    problems = check_prepayment(plan, after_period, prepayment, mode, limits)
    if problems:
        raise problems[0]
    amount = parse_decimal(prepayment).quantize(FEN)
    chosen = PrepaymentMode(mode)
    owed = plan.schedule[after_period - 1].remaining
    balance = owed - amount
    rows = _new_schedule(plan, after_period, balance, chosen, regular or plan.schedule[0])
    interest_before = sum((row.interest for row in plan.schedule[after_period:]), Decimal("0.00"))
    interest_after = sum((row.interest for row in rows), Decimal("0.00"))
    return PrepaymentTrial(
        original=plan,
        after_period=after_period,
        prepayment=amount,
        mode=chosen,
        remaining_before=owed,
        remaining_after=balance,
        schedule=tuple(rows),
        original_next_payment=plan.schedule[after_period].payment,
        new_payment=rows[0].payment,
        new_term_months=after_period + len(rows),
        remaining_interest_before=interest_before,
        remaining_interest_after=interest_after,
        interest_saved=interest_before - interest_after,
    )


def _new_schedule(
    plan: RepaymentPlan, after_period: int, balance: Decimal, mode: PrepaymentMode, regular: Installment
) -> list[Installment]:
    next_period = after_period + 1
    if mode is PrepaymentMode.LOWER_PAYMENT:
        months_left = len(plan.schedule) - after_period
        return amortize(balance, plan.annual_rate, months_left, plan.method, next_period)
    # Keep what the borrower pays regularly: the regular month's figure (only a schedule's last month differs).
    if plan.method is RepaymentMethod.EQUAL_INSTALLMENT:
        return amortize_with_payment(balance, plan.annual_rate, regular.payment, next_period)
    return amortize_with_principal(balance, plan.annual_rate, regular.principal, next_period)
