"""The depositor's loans (7.6 / 8.2): list, detail with progress, schedule, repayment records by date."""

from flask_smorest import Blueprint
from sqlalchemy import select

from chassis.api import ListArgs, page_schema, paginate, within_dates
from chassis.auth import current_caller, depositor_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.loans.loan_book import describe_loan
from services.loans.models import Loan, Repayment
from services.loans.schemas import ApplicationListArgs, LoanOut, RepaymentOut, ScheduleRowOut

blp = Blueprint("loans-loans", __name__, url_prefix="/api/v1/loans", description="我的贷款")


@blp.route("/loans", methods=["GET"])
@depositor_required
@blp.arguments(ApplicationListArgs, location="query")
@blp.response(200, page_schema(LoanOut, "LoanPage"))
def list_loans(args):
    """还款中和已结清的贷款"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        statement = select(Loan).where(Loan.account_no == current_caller().acct).order_by(Loan.disbursed_on.desc())
        page = paginate(session, statement, args)
        page["items"] = [describe_loan(loan, runtime.config.bank_name(loan.entrusted_bank)) for loan in page["items"]]
        return page


@blp.route("/loans/<loan_id>", methods=["GET"])
@depositor_required
@blp.response(200, LoanOut)
def loan_detail(loan_id):
    """贷款详情与还款进度"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        loan = _own_loan(session, loan_id)
        return describe_loan(loan, runtime.config.bank_name(loan.entrusted_bank))


@blp.route("/loans/<loan_id>/schedule", methods=["GET"])
@depositor_required
@blp.response(200, ScheduleRowOut(many=True))
def schedule(loan_id):
    """还款计划"""
    with current_runtime().db.transaction() as session:
        return list(_own_loan(session, loan_id).installments)


@blp.route("/loans/<loan_id>/repayments", methods=["GET"])
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(RepaymentOut, "RepaymentPage"))
def repayments(args, loan_id):
    """还款记录（按日期区间）"""
    with current_runtime().db.transaction() as session:
        loan = _own_loan(session, loan_id)
        statement = within_dates(
            select(Repayment).where(Repayment.loan_id == loan.id), Repayment.paid_on, args
        ).order_by(Repayment.paid_on.desc(), Repayment.period.desc())
        return paginate(session, statement, args)


def _own_loan(session, loan_id: str) -> Loan:
    loan = session.get(Loan, loan_id)
    if loan is None or loan.account_no != current_caller().acct:
        raise ApiError("LOAN_NOT_FOUND", "未找到该贷款", 404)
    return loan
