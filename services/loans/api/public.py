"""Loans' public API (no login): the calculator, the rate table, the early repayment trial, the entrusted banks
and the verification of a loan certificate by its code."""

from flask_smorest import Blueprint

from chassis.certificates.api import PublicCertificateOut, not_found, public_answer
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.loans.cases.applicants import percent_to_fraction
from services.loans.cases.certificates import verify
from services.loans.domain.calculator import RepaymentMethod, RepaymentPlan, calculate, check_loan_terms
from services.loans.domain.certificates import KIND_LABELS
from services.loans.domain.errors import RuleViolation
from services.loans.domain.prepayment import PrepaymentMode, check_prepayment, trial_prepayment
from services.loans.domain.rates import CURRENT_RATES, as_percent
from services.loans.schemas import BankOut, LoanTermsIn, PlanOut, PrepaymentIn, PrepaymentOut, RatesOut

blp = Blueprint("loans_public", __name__, url_prefix="/api/v1/loans", description="贷款计算器、利率与受托银行")


@blp.route("/rates", methods=["GET"])
@blp.response(200, RatesOut)
def rates():
    """当前住房公积金贷款利率（年利率，百分数）"""
    return {
        "effective_from": CURRENT_RATES.effective_from,
        "unit": "percent_per_year",
        "rates": [
            {
                "label": entry.label,
                "first_home": entry.first_home,
                "min_term_months": entry.min_term_months,
                "max_term_months": entry.max_term_months,
                "annual_rate": as_percent(entry.annual_rate),
            }
            for entry in CURRENT_RATES.table()
        ],
    }


@blp.route("/calculator", methods=["POST"])
@blp.arguments(LoanTermsIn)
@blp.response(200, PlanOut)
def calculator(body):
    """贷款试算：等额本息或等额本金，年利率缺省时按期限取当前利率"""
    return plan_view(plan_of(body))


@blp.route("/calculator/prepayment", methods=["POST"])
@blp.arguments(PrepaymentIn)
@blp.response(200, PrepaymentOut)
def prepayment(body):
    """提前还款试算：第k期还款后部分提前还款，缩短期限或减少月供"""
    plan = plan_of(body)
    problems = check_prepayment(plan, body["after_period"], body["prepayment"], body["mode"])
    if problems:
        raise refusal(problems)
    trial = trial_prepayment(plan, body["after_period"], body["prepayment"], body["mode"])
    return {
        **{name: getattr(trial, name) for name in PrepaymentOut._declared_fields if hasattr(trial, name)},
        "mode": trial.mode.value,
        "mode_label": PrepaymentMode(trial.mode).label,
        "schedule": trial.schedule,
    }


def plan_of(body: dict) -> RepaymentPlan:
    rate = percent_to_fraction(body.get("annual_rate"))
    problems = check_loan_terms(body["amount"], body["term_months"], body["method"], rate)
    if problems:
        raise refusal(problems)
    return calculate(body["amount"], body["term_months"], body["method"], rate)


def plan_view(plan: RepaymentPlan) -> dict:
    return {
        "amount": plan.amount,
        "term_months": plan.term_months,
        "method": plan.method.value,
        "method_label": RepaymentMethod(plan.method).label,
        "annual_rate": as_percent(plan.annual_rate),
        "first_payment": plan.first_payment,
        "total_interest": plan.total_interest,
        "total_payment": plan.total_payment,
        "schedule": plan.schedule,
    }


def refusal(problems: list[RuleViolation]) -> ApiError:
    """422 with the first problem's code and every field's Chinese message."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field or "_schema", []).append(problem.detail)
    return ApiError(problems[0].code, problems[0].detail, 422, errors=errors)


@blp.route("/banks", methods=["GET"])
@blp.response(200, BankOut(many=True))
def banks():
    """可选择的受托银行"""
    return current_runtime().config.banks()


@blp.route("/certificates/<code>", methods=["GET"])
@blp.response(200, PublicCertificateOut)
def verify_certificate(code):
    """贷款证明核验：凭验证码查看证明的类型、内容（个人信息已脱敏）、开具日期与有效期"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        verified = verify(session, runtime.config, code[:64])
        if verified is None:
            raise not_found()
        return public_answer(verified, KIND_LABELS)
