"""Who may borrow how much (贷款条件): every rule of a centre's loan policy checked, never stopping early.

The answer lists each failed rule with a stable code and a Chinese message, and the largest amount the
applicants could borrow, so the depositor sees everything before submitting and the officer sees it again on
the case page.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from chassis.money import FEN
from chassis.pii import birth_date_of, is_valid_id_number, normalize_id_number
from services.loans.domain.calculator import (
    DEFAULT_LIMITS,
    CalculatorLimits,
    calculate,
    check_loan_terms,
    parse_decimal,
    parse_term,
)
from services.loans.domain.rates import CURRENT_RATES, LoanRates

ACCOUNT_STATUS_LABELS = {"normal": "正常", "sealed": "封存", "frozen": "冻结", "closed": "销户"}


@dataclass(frozen=True)
class LoanPolicy:
    """A centre's loan conditions; the defaults are DOMAIN.md's Yinchuan-like ones."""

    min_continuous_deposit_months: int = 6
    max_amount_single: Decimal = Decimal("700000")
    max_amount_with_spouse: Decimal = Decimal("900000")  # when the co-borrowing spouse deposits too
    balance_multiple: Decimal = Decimal("30")
    first_home_loan_ratio: Decimal = Decimal("0.80")
    # Our choice: centres commonly lend at most 60 % of the price for a second home (down payment ≥ 40 %).
    second_home_loan_ratio: Decimal = Decimal("0.60")
    max_term_months: int = 360
    # The long-standing statutory ages; the 2025 reform raises them gradually, so a centre sets its own here.
    retirement_age_male: int = 60
    retirement_age_female: int = 55
    years_after_retirement: int = 5
    max_payment_to_income: Decimal = Decimal("0.50")
    # The least a partial prepayment (提前部分还款) may be; a full payoff (提前结清) takes whatever remains.
    min_prepayment_amount: Decimal = Decimal("10000")
    required_account_status: str = "normal"


DEFAULT_POLICY = LoanPolicy()


@dataclass(frozen=True)
class DepositorFacts:
    """What loans knows of one depositor from accounts' and withdrawals' events and from its own loans."""

    id_number: str
    account_status: str  # normal | sealed | frozen | closed
    balance: Decimal
    continuous_deposit_months: int  # consecutive months paid in full up to the as-of date
    deposit_base: Decimal  # monthly wage base; stands for income when none is given
    has_open_loan: bool = False
    withdrawal_in_progress: bool = False


@dataclass(frozen=True)
class LoanRequest:
    amount: Decimal
    term_months: int
    method: str
    house_price: Decimal
    first_home: bool
    as_of: date
    monthly_income: Decimal | None = None  # of the applicants together; None means use the deposit bases
    annual_rate: Decimal | None = None  # None means the current rate for the term and home


@dataclass(frozen=True)
class EligibilityFailure:
    code: str
    detail: str
    subject: str = "applicant"  # applicant | co_borrower | request


@dataclass(frozen=True)
class AmountLimits:
    """The three ceilings on the amount and the lowest of them, which is what may be borrowed."""

    by_policy_cap: Decimal
    by_balance: Decimal
    by_house_price: Decimal
    max_amount: Decimal


@dataclass(frozen=True)
class EligibilityResult:
    failures: tuple[EligibilityFailure, ...]
    limits: AmountLimits
    max_term_months: int | None  # by age; None when the ID number gives no birth date
    first_payment: Decimal | None  # None when the request cannot be calculated
    monthly_income: Decimal

    @property
    def eligible(self) -> bool:
        return not self.failures

    @property
    def max_amount(self) -> Decimal:
        return self.limits.max_amount

    @property
    def codes(self) -> list[str]:
        return [failure.code for failure in self.failures]


def check_eligibility(
    applicant: DepositorFacts,
    request: LoanRequest,
    co_borrower: DepositorFacts | None = None,
    policy: LoanPolicy = DEFAULT_POLICY,
    rates: LoanRates = CURRENT_RATES,
    limits: CalculatorLimits = DEFAULT_LIMITS,
) -> EligibilityResult:
    """Every rule the applicants fail for `request` (none means they may apply), and the max amount."""
    failures: list[EligibilityFailure] = []
    spouse_deposits = co_borrower is not None and co_borrower.account_status == policy.required_account_status

    failures += _account_failures(applicant, policy)
    failures += _obligation_failures(applicant, "applicant", "")
    if co_borrower is not None:
        failures += _obligation_failures(co_borrower, "co_borrower", "共同借款人（配偶）")

    terms_problems = check_loan_terms(request.amount, request.term_months, request.method, request.annual_rate, limits)
    failures += [EligibilityFailure(problem.code, problem.detail, "request") for problem in terms_problems]
    if request.house_price is None or request.house_price <= 0:
        failures.append(EligibilityFailure("HOUSE_PRICE_INVALID", "房屋总价须大于0", "request"))

    amount_limits = _amount_limits(applicant, co_borrower if spouse_deposits else None, request, policy)
    amount_ok = not any(problem.field == "amount" for problem in terms_problems)
    if amount_ok and parse_decimal(request.amount) > amount_limits.max_amount:
        failures.append(_amount_over_limit(request, amount_limits, policy, spouse_deposits))

    term_ok = not any(problem.field == "term_months" for problem in terms_problems)
    max_term_by_age = _max_term_by_age(applicant.id_number, request.as_of, policy)
    term = parse_term(request.term_months) if term_ok else None
    if term_ok and term > policy.max_term_months:
        failures.append(
            EligibilityFailure(
                "TERM_TOO_LONG",
                f"贷款期限最长{policy.max_term_months // 12}年（{policy.max_term_months}个月）",
                "request",
            )
        )
    if term_ok and max_term_by_age is not None and term > max_term_by_age:
        failures.append(_beyond_retirement(applicant.id_number, max_term_by_age, policy))

    income = request.monthly_income
    if income is None:
        income = applicant.deposit_base + (co_borrower.deposit_base if spouse_deposits else Decimal(0))
    elif income <= 0:
        failures.append(EligibilityFailure("INCOME_INVALID", "月收入须大于0", "request"))
    first_payment = None
    if not terms_problems:
        plan = calculate(
            request.amount,
            request.term_months,
            request.method,
            request.annual_rate,
            first_home=request.first_home,
            rates=rates,
            limits=limits,
        )
        first_payment = plan.first_payment
        if income > 0 and first_payment > income * policy.max_payment_to_income:
            failures.append(
                EligibilityFailure(
                    "PAYMENT_OVER_INCOME",
                    f"首月还款额{first_payment:,.2f}元超过月收入{income:,.2f}元的"
                    f"{_percent(policy.max_payment_to_income)}%",
                    "request",
                )
            )
    return EligibilityResult(tuple(failures), amount_limits, max_term_by_age, first_payment, income)


def _account_failures(applicant: DepositorFacts, policy: LoanPolicy) -> list[EligibilityFailure]:
    failures = []
    if not is_valid_id_number(applicant.id_number):
        failures.append(EligibilityFailure("INVALID_ID_NUMBER", "申请人身份证号码无效，无法核实年龄"))
    if applicant.account_status != policy.required_account_status:
        shown = ACCOUNT_STATUS_LABELS.get(applicant.account_status, applicant.account_status)
        required = ACCOUNT_STATUS_LABELS.get(policy.required_account_status, policy.required_account_status)
        failures.append(
            EligibilityFailure("ACCOUNT_NOT_NORMAL", f"公积金账户状态为“{shown}”，须为“{required}”方可申请贷款")
        )
    if applicant.continuous_deposit_months < policy.min_continuous_deposit_months:
        failures.append(
            EligibilityFailure(
                "DEPOSIT_MONTHS_TOO_FEW",
                f"须连续足额缴存住房公积金满{policy.min_continuous_deposit_months}个月，"
                f"目前为{applicant.continuous_deposit_months}个月",
            )
        )
    return failures


def _obligation_failures(person: DepositorFacts, subject: str, who: str) -> list[EligibilityFailure]:
    failures = []
    if person.has_open_loan:
        failures.append(EligibilityFailure("OPEN_LOAN_EXISTS", f"{who}尚有未结清的住房公积金贷款", subject))
    if person.withdrawal_in_progress:
        failures.append(
            EligibilityFailure("WITHDRAWAL_IN_PROGRESS", f"{who}有正在办理中的公积金提取业务，请办结后再申请", subject)
        )
    return failures


def _amount_limits(
    applicant: DepositorFacts,
    depositing_spouse: DepositorFacts | None,
    request: LoanRequest,
    policy: LoanPolicy,
) -> AmountLimits:
    cap = policy.max_amount_with_spouse if depositing_spouse else policy.max_amount_single
    balances = applicant.balance + (depositing_spouse.balance if depositing_spouse else Decimal(0))
    by_balance = _floor_fen(max(balances, Decimal(0)) * policy.balance_multiple)
    ratio = policy.first_home_loan_ratio if request.first_home else policy.second_home_loan_ratio
    price = request.house_price if request.house_price is not None and request.house_price > 0 else Decimal(0)
    by_price = _floor_fen(price * ratio)
    return AmountLimits(cap, by_balance, by_price, min(cap, by_balance, by_price))


def _amount_over_limit(
    request: LoanRequest, amount_limits: AmountLimits, policy: LoanPolicy, spouse_deposits: bool
) -> EligibilityFailure:
    ratio = policy.first_home_loan_ratio if request.first_home else policy.second_home_loan_ratio
    home = "首套" if request.first_home else "第二套"
    reasons = {
        amount_limits.by_policy_cap: f"{'夫妻双方缴存' if spouse_deposits else '单方缴存'}最高"
        f"{amount_limits.by_policy_cap / 10000:,.0f}万元",
        amount_limits.by_balance: f"缴存余额的{policy.balance_multiple:,.0f}倍",
        amount_limits.by_house_price: f"{home}住房不超过房屋总价的{_percent(ratio)}%",
    }
    binding = reasons[amount_limits.max_amount]
    return EligibilityFailure(
        "AMOUNT_OVER_LIMIT",
        f"申请金额{parse_decimal(request.amount):,.2f}元超过可贷额度{amount_limits.max_amount:,.2f}元（{binding}）",
        "request",
    )


def sex_and_birth_date(id_number: str) -> tuple[str, date]:
    """("male" | "female", birth date) from an ID number: the 17th digit is odd for men."""
    id_number = normalize_id_number(id_number)
    return ("male" if int(id_number[16]) % 2 else "female"), birth_date_of(id_number)


def _latest_loan_end(id_number: str, policy: LoanPolicy) -> date:
    sex, birth = sex_and_birth_date(id_number)
    age = policy.retirement_age_male if sex == "male" else policy.retirement_age_female
    return add_months(birth, (age + policy.years_after_retirement) * 12)


def _max_term_by_age(id_number: str, as_of: date, policy: LoanPolicy) -> int | None:
    """The most months a loan starting `as_of` may run and still end by retirement age + the grace years."""
    if not is_valid_id_number(id_number):
        return None
    latest_end = _latest_loan_end(id_number, policy)
    months = (latest_end.year - as_of.year) * 12 + latest_end.month - as_of.month
    # Day-of-month and month-end clamping can make that estimate one too many.
    while months > 0 and add_months(as_of, months) > latest_end:
        months -= 1
    return max(months, 0)


def _beyond_retirement(id_number: str, max_term: int, policy: LoanPolicy) -> EligibilityFailure:
    sex, _ = sex_and_birth_date(id_number)
    age = policy.retirement_age_male if sex == "male" else policy.retirement_age_female
    latest_end = _latest_loan_end(id_number, policy)
    return EligibilityFailure(
        "TERM_BEYOND_RETIREMENT",
        f"贷款到期日不得晚于法定退休年龄（{'男' if sex == 'male' else '女'}{age}周岁）后"
        f"{policy.years_after_retirement}年，即{latest_end:%Y年%m月%d日}，最长可贷{max_term}个月",
        "request",
    )


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has fewer (29 February → 28 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}"


def _floor_fen(amount: Decimal) -> Decimal:
    # A ceiling is never rounded up: lending a fen more than the rule allows would break it.
    return amount.quantize(FEN, rounding=ROUND_DOWN)
