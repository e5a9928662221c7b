"""Prepayment applications (提前部分还款 / 提前结清) on a loan: what a borrower may ask, the figures it comes to, and
the steps it goes through.

The figures are the calculator's trial (domain/prepayment.py) run on the loan's own schedule after its latest paid
month k: the prepayment is made with month k's instalment, so month k+1's interest already runs on the reduced
balance, and what the borrower was shown before applying is exactly what the schedule becomes. A full payoff
repays the principal still owed after month k; the months after k are no longer due.

    submitted ──bank officer confirms──▶ confirmed ──money in (card: at once; fund account: the saga)──▶ completed
        │  └──bank officer refuses──▶ refused                      └──the fund account could not pay──▶ failed
        └──the borrower cancels──▶ cancelled
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chassis.money import FEN
from services.loans.domain.calculator import Installment, RepaymentPlan, parse_decimal
from services.loans.domain.errors import RuleViolation, TransitionRefused
from services.loans.domain.prepayment import PrepaymentMode, check_prepayment, trial_prepayment

ZERO = Decimal("0.00")

# the API's words for the two modes; the calculator's trial calls lowering the payment `lower_payment`
MODE_NAMES = {
    "shorten_term": PrepaymentMode.SHORTEN_TERM,
    "reduce_payment": PrepaymentMode.LOWER_PAYMENT,
    "lower_payment": PrepaymentMode.LOWER_PAYMENT,
}
API_MODE = {PrepaymentMode.SHORTEN_TERM: "shorten_term", PrepaymentMode.LOWER_PAYMENT: "reduce_payment"}


class PrepaymentSource(StrEnum):
    CARD = "card"
    FUND_ACCOUNT = "fund_account"

    @property
    def label(self) -> str:
        return {"card": "还款银行卡", "fund_account": "住房公积金账户（提取偿还贷款）"}[self.value]


class PrepaymentState(StrEnum):
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    PrepaymentState.SUBMITTED: "已提交，待银行确认",
    PrepaymentState.CONFIRMED: "银行已确认，待还款资金到账",
    PrepaymentState.COMPLETED: "已办结，还款计划已更新",
    PrepaymentState.REFUSED: "银行未予办理",
    PrepaymentState.CANCELLED: "已撤销",
    PrepaymentState.FAILED: "还款资金未到账，未办理",
}
OPEN_STATES = frozenset({PrepaymentState.SUBMITTED, PrepaymentState.CONFIRMED})

BANK_OFFICER, APPLICANT, SYSTEM = "bank_officer", "applicant", "system"


@dataclass(frozen=True)
class Move:
    source: PrepaymentState
    target: PrepaymentState
    role: str
    action: str  # the console's button and the timeline's words
    needs_opinion: bool = False


_S = PrepaymentState
MOVES: tuple[Move, ...] = (
    Move(_S.SUBMITTED, _S.CONFIRMED, BANK_OFFICER, "确认办理"),
    Move(_S.SUBMITTED, _S.REFUSED, BANK_OFFICER, "不予办理", needs_opinion=True),
    Move(_S.SUBMITTED, _S.CANCELLED, APPLICANT, "撤销申请"),
    Move(_S.CONFIRMED, _S.COMPLETED, SYSTEM, "还款入账"),
    Move(_S.CONFIRMED, _S.FAILED, SYSTEM, "还款资金未到账", needs_opinion=True),
)


def advance_prepayment(state: str, *, to: str, roles: frozenset[str], opinion: str | None = None) -> Move:
    """The move `roles` make from `state` to `to`, or TransitionRefused saying why they may not."""
    try:
        source, target = PrepaymentState(state), PrepaymentState(to)
    except ValueError:
        raise TransitionRefused("ILLEGAL_TRANSITION", f"未知的提前还款状态：{to}", "to") from None
    moves = [move for move in MOVES if move.source is source and move.target is target]
    if not moves:
        raise TransitionRefused(
            "ILLEGAL_TRANSITION", f"提前还款申请当前为「{source.label}」，不能办理为「{target.label}」", "to"
        )
    move = moves[0]
    if move.role not in roles and not (move.role == BANK_OFFICER and "admin" in roles):
        raise TransitionRefused("ROLE_NOT_ALLOWED", f"只有{_ROLE_NAMES[move.role]}可以{move.action}", "to")
    if move.needs_opinion and not (opinion or "").strip():
        raise TransitionRefused("OPINION_REQUIRED", "不予办理须填写意见，说明原因", "opinion")
    return move


_ROLE_NAMES = {BANK_OFFICER: "受托银行经办人员", APPLICANT: "借款人本人", SYSTEM: "系统"}


def allowed_moves(state: str, roles: frozenset[str]) -> list[Move]:
    """The console's buttons for a prepayment in `state`."""
    return [
        move
        for move in MOVES
        if move.source == state and (move.role in roles or (move.role == BANK_OFFICER and "admin" in roles))
    ]


@dataclass(frozen=True)
class LoanPosition:
    """What a prepayment is checked and figured against: the loan's schedule as it stands."""

    plan: RepaymentPlan  # the loan's current schedule, months numbered 1..n
    last_paid_period: int  # k: every month up to k is paid, none after
    repaying: bool
    overdue: bool
    regular: Installment  # the month whose payment (or principal) shortening the term keeps
    open_prepayment_no: str | None = None  # another prepayment of this loan still being handled

    @property
    def owed(self) -> Decimal:
        """Principal still owed after month k."""
        return self.plan.schedule[self.last_paid_period - 1].remaining if self.last_paid_period else self.plan.amount


@dataclass(frozen=True)
class PrepaymentRequest:
    amount: object  # the partial amount as sent (None with a full payoff)
    full: bool
    mode: object  # shorten_term | reduce_payment (ignored for a full payoff)
    source: object  # card | fund_account


@dataclass(frozen=True)
class PrepaymentFigures:
    """What the prepayment does to the loan: the trial's figures, or a full payoff's."""

    after_period: int
    amount: Decimal
    full: bool
    mode: PrepaymentMode | None
    remaining_before: Decimal
    remaining_after: Decimal
    original_next_payment: Decimal
    new_payment: Decimal | None  # month k+1's payment after it (None: nothing is due any more)
    new_term_months: int
    months_saved: int
    interest_saved: Decimal
    schedule: tuple[Installment, ...]  # months k+1 ... of the new schedule (empty for a payoff)

    def as_dict(self) -> dict:
        return {
            "after_period": self.after_period,
            "amount": str(self.amount),
            "full": self.full,
            "mode": API_MODE[self.mode] if self.mode else None,
            "remaining_before": str(self.remaining_before),
            "remaining_after": str(self.remaining_after),
            "original_next_payment": str(self.original_next_payment),
            "new_payment": str(self.new_payment) if self.new_payment is not None else None,
            "new_term_months": self.new_term_months,
            "months_saved": self.months_saved,
            "interest_saved": str(self.interest_saved),
            "schedule": [
                {
                    "period": row.period,
                    "payment": str(row.payment),
                    "principal": str(row.principal),
                    "interest": str(row.interest),
                    "remaining": str(row.remaining),
                }
                for row in self.schedule
            ],
        }


def check_prepayment_request(
    position: LoanPosition, request: PrepaymentRequest, minimum: Decimal, *, reopening: bool = False
) -> list[RuleViolation]:
    """Every rule the request breaks, each with its stable code; empty when it may go ahead. `reopening`: the
    request is one already filed (checked again when the bank confirms it), so its own openness does not count."""
    problems: list[RuleViolation] = []
    if not position.repaying:
        return [RuleViolation("LOAN_NOT_REPAYING", "该贷款已结清，无需提前还款", "loan_id")]
    if position.overdue:
        problems.append(
            RuleViolation(
                "PREPAYMENT_LOAN_OVERDUE", "该贷款有逾期未还的本息，须先归还逾期款项后方可申请提前还款", "loan_id"
            )
        )
    if position.open_prepayment_no and not reopening:
        problems.append(
            RuleViolation(
                "PREPAYMENT_ALREADY_OPEN",
                f"该贷款已有一笔提前还款申请（{position.open_prepayment_no}）正在办理，办结或撤销后方可再次申请",
                "loan_id",
            )
        )
    if request.source not in tuple(PrepaymentSource):
        problems.append(RuleViolation("PREPAYMENT_SOURCE_UNKNOWN", "请选择从还款银行卡或住房公积金账户还款", "source"))
    if position.last_paid_period < 1:
        problems.append(RuleViolation("PREPAYMENT_BEFORE_FIRST_INSTALMENT", "首期还款后方可申请提前还款", "loan_id"))
        return problems
    if request.full:
        return problems
    if request.mode not in MODE_NAMES:
        problems.append(RuleViolation("PREPAYMENT_MODE_UNKNOWN", "请选择缩短还款期限或减少月还款额", "mode"))
    amount = parse_decimal(request.amount)
    owed = position.owed
    if request.amount is None or request.amount == "":
        problems.append(RuleViolation("PREPAYMENT_AMOUNT_REQUIRED", "请填写提前还款金额，或选择提前结清", "amount"))
    elif amount is None or amount <= 0 or amount != amount.quantize(FEN):
        problems.append(RuleViolation("PREPAYMENT_AMOUNT_INVALID", "提前还款金额须大于0且最多保留两位小数", "amount"))
    elif amount > owed:
        problems.append(
            RuleViolation(
                "PREPAYMENT_EXCEEDS_PRINCIPAL",
                f"提前还款金额不能超过剩余本金{owed:,.2f}元；如需全部还清请选择提前结清",
                "amount",
            )
        )
    elif amount < minimum:
        problems.append(
            RuleViolation(
                "PREPAYMENT_BELOW_MINIMUM",
                f"本中心部分提前还款每次不少于{minimum:,.2f}元；剩余本金不足时请选择提前结清",
                "amount",
            )
        )
    elif request.mode in MODE_NAMES:
        # the calculator's own rules (at least 1,000 yuan of principal left after a partial prepayment)
        for problem in check_prepayment(position.plan, position.last_paid_period, amount, MODE_NAMES[request.mode]):
            problems.append(RuleViolation(problem.code, problem.detail, "amount"))
    return problems


def figure_prepayment(position: LoanPosition, request: PrepaymentRequest, minimum: Decimal) -> PrepaymentFigures:
    """The prepayment's figures; RuleViolation for the first rule it breaks."""
    problems = check_prepayment_request(position, request, minimum, reopening=True)
    if problems:
        raise problems[0]
    k, plan = position.last_paid_period, position.plan
    later = plan.schedule[k:]
    next_payment = later[0].payment if later else ZERO
    if request.full:
        return PrepaymentFigures(
            after_period=k,
            amount=position.owed,
            full=True,
            mode=None,
            remaining_before=position.owed,
            remaining_after=ZERO,
            original_next_payment=next_payment,
            new_payment=None,
            new_term_months=k,
            months_saved=len(later),
            interest_saved=sum((row.interest for row in later), ZERO),
            schedule=(),
        )
    mode = MODE_NAMES[str(request.mode)]
    trial = trial_prepayment(plan, k, parse_decimal(request.amount), mode, regular=position.regular)
    return PrepaymentFigures(
        after_period=k,
        amount=trial.prepayment,
        full=False,
        mode=mode,
        remaining_before=trial.remaining_before,
        remaining_after=trial.remaining_after,
        original_next_payment=trial.original_next_payment,
        new_payment=trial.new_payment,
        new_term_months=trial.new_term_months,
        months_saved=len(plan.schedule) - trial.new_term_months,
        interest_saved=trial.interest_saved,
        schedule=trial.schedule,
    )
