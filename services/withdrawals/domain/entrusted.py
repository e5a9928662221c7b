"""The rules of signing up for the monthly entrusted withdrawal (委托提取住房公积金偿还贷款), as a table of refusals:
the loan must be the borrower's and still repaying, the fund account usable, one sign-up per loan, and a spouse
joins only when the loan has a co-borrowing spouse who deposits."""

from dataclasses import dataclass

from services.withdrawals.domain.errors import RuleViolation

USABLE_ACCOUNT = "normal"


@dataclass(frozen=True)
class SignUpFacts:
    """What withdrawals knows when a borrower asks: its read models of loans and depositors."""

    loan_known: bool
    borrower_owns_loan: bool
    loan_repaying: bool
    account_status: str
    already_signed_up: bool
    include_spouse: bool
    loan_has_co_borrower: bool
    spouse_status: str | None  # the co-borrower's fund account status; None when not a depositor here


# (code, Chinese detail, the refusal applies when...) in the order the borrower would fix them
SIGN_UP_RULES = (
    ("LOAN_NOT_FOUND", "未找到该笔公积金贷款，请确认贷款编号", lambda f: not f.loan_known),
    ("NOT_YOUR_LOAN", "该笔贷款不是您本人的公积金贷款，不能签约委托提取", lambda f: not f.borrower_owns_loan),
    ("LOAN_NOT_REPAYING", "该笔贷款已结清或不在还款期，无需签约委托提取", lambda f: not f.loan_repaying),
    (
        "ACCOUNT_NOT_USABLE",
        "您的公积金账户不是正常缴存状态，暂不能签约委托提取",
        lambda f: f.account_status != USABLE_ACCOUNT,
    ),
    ("ALREADY_SIGNED_UP", "该笔贷款已签约委托提取，无需重复签约", lambda f: f.already_signed_up),
    (
        "NO_SPOUSE_ON_LOAN",
        "该笔贷款没有共同借款的配偶，不能加入配偶账户",
        lambda f: f.include_spouse and not f.loan_has_co_borrower,
    ),
    (
        "SPOUSE_NOT_A_DEPOSITOR",
        "配偶不是住房公积金正常缴存职工，不能加入配偶账户",
        lambda f: f.include_spouse and f.loan_has_co_borrower and f.spouse_status != USABLE_ACCOUNT,
    ),
)


def check_sign_up(facts: SignUpFacts) -> None:
    """Raise the first rule the sign-up breaks (checked in order: a missing loan before anything about it)."""
    for code, detail, breaks in SIGN_UP_RULES:
        if breaks(facts):
            raise RuleViolation(code, detail, field="include_spouse" if "SPOUSE" in code else "loan_id")


def check_cancel(state: str) -> None:
    if state != "active":
        raise RuleViolation("NOT_ACTIVE", "该委托提取签约已取消或已终止")
