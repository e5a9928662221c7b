"""The loan calculator (贷款计算器): 等额本息 and 等额本金 repayment schedules in Decimal, to the fen.

The rules are DOMAIN.md's: monthly rate i = annual / 12; each month's interest is round(balance × i) half up
to the fen; 等额本息 pays A = P·i·(1+i)^n / ((1+i)^n − 1) rounded to the fen, 等额本金 pays round(P / n) of
principal plus the interest; in both the last month takes all remaining principal, so it differs slightly.
Annual rates are fractions: Decimal("0.026") is 2.60 %.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from enum import StrEnum

from chassis.money import FEN, round_fen
from services.loans.domain.errors import RuleViolation
from services.loans.domain.rates import CURRENT_RATES, LoanRates, as_percent

# Enough digits that (1+i)^360 cannot move A by a fen; the caller's decimal context is never used.
_PRECISION = 40


class RepaymentMethod(StrEnum):
    EQUAL_INSTALLMENT = "equal_installment"
    EQUAL_PRINCIPAL = "equal_principal"

    @property
    def label(self) -> str:
        return {"equal_installment": "等额本息", "equal_principal": "等额本金"}[self.value]


@dataclass(frozen=True)
class CalculatorLimits:
    """What the calculator accepts; a centre may pass its own."""

    min_amount: Decimal = Decimal("1000")
    max_amount: Decimal = Decimal("1200000")
    min_term_months: int = 12
    max_term_months: int = 360
    # Exclusive: a rate at or above this is a typing slip (2.6 entered as a fraction means 260 %).
    max_annual_rate: Decimal = Decimal("0.20")
    # A partial prepayment must leave at least this much principal; below it the borrower settles in full.
    # It also keeps every recomputed instalment's principal above zero (see tests).
    min_principal_after_prepayment: Decimal = Decimal("1000")


DEFAULT_LIMITS = CalculatorLimits()


@dataclass(frozen=True)
class Installment:
    """One month of a schedule; `remaining` is the principal still owed after this month's payment."""

    period: int
    payment: Decimal
    principal: Decimal
    interest: Decimal
    remaining: Decimal


@dataclass(frozen=True)
class RepaymentPlan:
    amount: Decimal
    term_months: int  # the schedule's length: the term asked for, bar the high-rate drift case below
    method: RepaymentMethod
    annual_rate: Decimal
    first_payment: Decimal
    total_interest: Decimal
    total_payment: Decimal
    schedule: tuple[Installment, ...]

    @classmethod
    def of(
        cls, amount: Decimal, method: RepaymentMethod, annual_rate: Decimal, schedule: list[Installment]
    ) -> "RepaymentPlan":
        total_interest = sum((row.interest for row in schedule), Decimal("0.00"))
        return cls(
            amount=amount,
            term_months=len(schedule),
            method=method,
            annual_rate=annual_rate,
            first_payment=schedule[0].payment,
            total_interest=total_interest,
            total_payment=amount + total_interest,
            schedule=tuple(schedule),
        )


def monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal:
    """round(balance × annual / 12), dividing last: annual / 12 does not terminate, and a rounded i could turn
    an exact half-fen tie into a round-down."""
    return round_fen(balance * annual_rate / 12)


def equal_installment_payment(principal: Decimal, annual_rate: Decimal, periods: int) -> Decimal:
    """A = P·i·(1+i)^n / ((1+i)^n − 1), rounded half up to the fen."""
    with localcontext(prec=_PRECISION):
        i = annual_rate / 12
        growth = (1 + i) ** periods
        return round_fen(principal * i * growth / (growth - 1))


def amortize_with_payment(
    balance: Decimal,
    annual_rate: Decimal,
    payment: Decimal,
    first_period: int = 1,
    periods: int | None = None,
) -> list[Installment]:
    """Pay `payment` a month until the balance is gone; the last month pays what remains plus its interest.

    With `periods` the last month is that one whatever remains (等额本息 over a fixed term); without it the
    schedule runs until the payment covers the rest (the payment-keeping prepayment, 缩短期限).
    """
    rows: list[Installment] = []
    period = first_period
    while balance > 0:
        interest = monthly_interest(balance, annual_rate)
        last_by_term = periods is not None and period == first_period + periods - 1
        if periods is None and payment <= interest:
            raise ValueError(f"月还款额{payment}不足以支付利息{interest}")
        # Rounding drift (A's half fen, compounded) can let the payment cover the rest early at high rates on
        # small amounts: the loan ends there rather than any row going below zero.
        principal = balance if last_by_term or payment - interest >= balance else payment - interest
        balance -= principal
        rows.append(Installment(period, principal + interest, principal, interest, balance))
        period += 1
    return rows


def amortize_with_principal(
    balance: Decimal,
    annual_rate: Decimal,
    principal: Decimal,
    first_period: int = 1,
    periods: int | None = None,
) -> list[Installment]:
    """Repay `principal` a month plus interest; the last month takes the remaining principal (等额本金)."""
    rows: list[Installment] = []
    period = first_period
    while balance > 0:
        interest = monthly_interest(balance, annual_rate)
        last_by_term = periods is not None and period == first_period + periods - 1
        paid = balance if last_by_term or principal >= balance else principal
        balance -= paid
        rows.append(Installment(period, paid + interest, paid, interest, balance))
        period += 1
    return rows


def amortize(
    balance: Decimal, annual_rate: Decimal, periods: int, method: RepaymentMethod, first_period: int = 1
) -> list[Installment]:
    """A fresh schedule of `periods` months for `balance` by `method`, numbered from `first_period`."""
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        payment = equal_installment_payment(balance, annual_rate, periods)
        return amortize_with_payment(balance, annual_rate, payment, first_period, periods)
    return amortize_with_principal(balance, annual_rate, round_fen(balance / periods), first_period, periods)


def parse_decimal(value: object) -> Decimal | None:
    """A finite Decimal from user input (str, int, Decimal), or None; booleans are not numbers here."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_term(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def check_loan_terms(
    amount: object,
    term_months: object,
    method: object,
    annual_rate: object,
    limits: CalculatorLimits = DEFAULT_LIMITS,
) -> list[RuleViolation]:
    """Every problem with the calculator's inputs, in form order; an empty list means they are usable."""
    problems: list[RuleViolation] = []
    number = parse_decimal(amount)
    if number is None:
        problems.append(RuleViolation("AMOUNT_INVALID", "贷款金额格式不正确", "amount"))
    elif number != number.quantize(FEN):
        problems.append(RuleViolation("AMOUNT_TOO_PRECISE", "贷款金额最多保留两位小数", "amount"))
    elif not limits.min_amount <= number <= limits.max_amount:
        problems.append(
            RuleViolation(
                "AMOUNT_OUT_OF_RANGE",
                f"贷款金额须在{limits.min_amount:,.0f}元至{limits.max_amount:,.0f}元之间",
                "amount",
            )
        )
    term = parse_term(term_months)
    if term is None:
        problems.append(RuleViolation("TERM_INVALID", "贷款期限须为整数个月", "term_months"))
    elif not limits.min_term_months <= term <= limits.max_term_months:
        problems.append(
            RuleViolation(
                "TERM_OUT_OF_RANGE",
                f"贷款期限须在{limits.min_term_months}至{limits.max_term_months}个月之间",
                "term_months",
            )
        )
    if method not in tuple(RepaymentMethod):
        problems.append(RuleViolation("METHOD_UNKNOWN", "还款方式须为等额本息或等额本金", "method"))
    if annual_rate is not None:
        rate = parse_decimal(annual_rate)
        if rate is None or not Decimal(0) < rate < limits.max_annual_rate:
            problems.append(
                RuleViolation(
                    "RATE_OUT_OF_RANGE",
                    f"年利率须大于0且小于{as_percent(limits.max_annual_rate)}%",
                    "annual_rate",
                )
            )
    return problems


def calculate(
    amount: Decimal | int | str,
    term_months: int,
    method: RepaymentMethod | str,
    annual_rate: Decimal | str | None = None,
    *,
    first_home: bool = True,
    rates: LoanRates = CURRENT_RATES,
    limits: CalculatorLimits = DEFAULT_LIMITS,
) -> RepaymentPlan:
    """The full schedule; without `annual_rate` the current rate for the term (and home) applies.

    Raises RuleViolation for the first unusable input; `check_loan_terms` lists them all.
    """
    problems = check_loan_terms(amount, term_months, method, annual_rate, limits)
    if problems:
        raise problems[0]
    term = parse_term(term_months)
    principal = parse_decimal(amount).quantize(FEN)
    rate = parse_decimal(annual_rate) if annual_rate is not None else rates.default_rate(term, first_home)
    chosen = RepaymentMethod(method)
    return RepaymentPlan.of(principal, chosen, rate, amortize(principal, rate, term, chosen))
