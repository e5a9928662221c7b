"""The depositor's loans API: eligibility before submitting, the pre-application, its progress and cancellation;
then the loans (7.6 / 8.2): list, detail with progress, schedule, repayment records by date; and the loan
certificates (贷款结清证明, 贷款情况证明)."""

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chassis import clock
from chassis.api import ListArgs, idempotent, page_schema, paginate, within_dates
from chassis.auth import current_caller, depositor_required
from chassis.certificates.api import CertificateOut, CertificateRequest, pdf_response
from chassis.certificates.api import describe as describe_certificate
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.loans.cases import certificates, entrusted_withdrawals, prepayments
from services.loans.cases.applicants import check_applicant
from services.loans.cases.applications import move_application, save_or_conflict, submit_application
from services.loans.domain.certificates import KIND_LABELS
from services.loans.domain.prepayment import PrepaymentMode
from services.loans.domain.prepayment_application import API_MODE, PrepaymentSource, check_prepayment_request
from services.loans.domain.workflow import Actor, Role
from services.loans.models import EntrustedMonth, Loan, LoanApplication, Prepayment, Repayment
from services.loans.schemas import (
    ApplicationIn,
    ApplicationListArgs,
    ApplicationOut,
    EligibilityIn,
    EligibilityOut,
    LoanOut,
    PrepaymentApplicationOut,
    PrepaymentApplyIn,
    PrepaymentFiguresOut,
    PrepaymentOptionsOut,
    RepaymentOut,
    ScheduleRowOut,
)
from services.loans.views import describe, describe_loan, describe_prepayment, schedule_rows

blp = Blueprint("loans_depositor", __name__, url_prefix="/api/v1/loans", description="贷款预申请与我的贷款")


@blp.route("/eligibility", methods=["POST"])
@depositor_required
@blp.arguments(EligibilityIn)
@blp.response(200, EligibilityOut)
def eligibility(body):
    """贷款条件检查：列出每一项不符合的条件"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        answer = check_applicant(session, runtime.config, _account_no(), body, clock.today())
    return answer.as_dict()


@blp.route("/applications", methods=["POST"])
@depositor_required
@idempotent(lambda: current_runtime().db)
@blp.arguments(ApplicationIn)
@blp.response(201, ApplicationOut)
def submit(body):
    """提交贷款预申请（再次检查贷款条件）"""
    runtime, caller = current_runtime(), current_caller()
    _account_no()
    with runtime.db.transaction() as session:
        application = submit_application(session, runtime.config, caller, body, clock.now())
        session.flush()
        session.refresh(application)
        return describe(session, runtime.config, application)


@blp.route("/applications", methods=["GET"])
@depositor_required
@blp.arguments(ApplicationListArgs, location="query")
@blp.response(200, page_schema(ApplicationOut, "LoanApplicationPage"))
def list_applications(args):
    """我的贷款申请"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        statement = (
            select(LoanApplication)
            .where(LoanApplication.account_no == _account_no())
            .order_by(LoanApplication.submitted_at.desc())
        )
        page = paginate(session, statement, args)
        page["items"] = [describe(session, runtime.config, item) for item in page["items"]]
        return page


@blp.route("/applications/<application_id>", methods=["GET"])
@depositor_required
@blp.response(200, ApplicationOut)
def application_detail(application_id):
    """贷款申请详情与办理进度"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        return describe(session, runtime.config, _own_application(session, application_id))


@blp.route("/applications/<application_id>/cancel", methods=["POST"])
@depositor_required
@blp.response(200, ApplicationOut)
def cancel(application_id):
    """撤销申请（中心审批通过前）"""
    runtime, caller = current_runtime(), current_caller()
    with runtime.db.transaction() as session:
        application = _own_application(session, application_id)
        if application.state == "cancelled":
            return describe(session, runtime.config, application)  # a repeated cancel changes nothing
        move_application(
            session,
            runtime.config,
            application,
            to="cancelled",
            by=Actor(caller.sub, frozenset({Role.APPLICANT.value})),
            opinion=None,
            expected_version=None,
            now=clock.now(),
        )
        save_or_conflict(session)
        return describe(session, runtime.config, application)


def _account_no() -> str:
    account_no = current_caller().acct
    if not account_no:
        raise ApiError("NO_FUND_ACCOUNT", "您的登录信息中没有公积金账号，请重新登录", 403)
    return account_no


def _own_application(session, application_id: str) -> LoanApplication:
    application = session.get(LoanApplication, application_id)
    if application is None or application.account_no != _account_no():
        raise ApiError("APPLICATION_NOT_FOUND", "未找到该贷款申请", 404)
    return application


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
        signed = entrusted_withdrawals.active_signup(session, loan) is not None
        return describe_loan(loan, runtime.config.bank_name(loan.entrusted_bank), entrusted_withdrawal=signed)


@blp.route("/loans/<loan_id>/schedule", methods=["GET"])
@depositor_required
@blp.response(200, ScheduleRowOut(many=True))
def schedule(loan_id):
    """还款计划（已还各期含公积金委托提取与银行卡扣款的金额）"""
    with current_runtime().db.transaction() as session:
        loan = _own_loan(session, loan_id)
        months = session.scalars(select(EntrustedMonth).where(EntrustedMonth.loan_id == loan.id))
        return schedule_rows(loan, {month.period: month for month in months})


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


@blp.route("/loans/<loan_id>/prepayments/options", methods=["GET"])
@depositor_required
@blp.response(200, PrepaymentOptionsOut)
def prepayment_options(loan_id):
    """提前还款的可选项（还款方式、资金来源）、本中心最低金额、剩余本金，以及现在能否申请"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        loan = _own_loan(session, loan_id)
        position = prepayments.position_of(session, loan)
        minimum = runtime.config.policy_for(loan.center).min_prepayment_amount
        request = prepayments.request_of({"full": True, "source": PrepaymentSource.CARD.value})
        refusals = check_prepayment_request(position, request, minimum)
        return {
            "modes": [{"value": API_MODE[mode], "label": mode.label} for mode in PrepaymentMode],
            "sources": [{"value": source.value, "label": source.label} for source in PrepaymentSource],
            "minimum_amount": minimum,
            "remaining_principal": position.owed,
            "last_paid_period": position.last_paid_period,
            "can_apply": not refusals,
            "refusals": [{"code": p.code, "detail": p.detail, "field": p.field} for p in refusals],
        }


@blp.route("/loans/<loan_id>/prepayments/trial", methods=["POST"])
@depositor_required
@blp.arguments(PrepaymentApplyIn)
@blp.response(200, PrepaymentFiguresOut)
def prepayment_trial(body, loan_id):
    """本贷款的提前还款试算：办理后的月供、期限与节省利息（确认后按此执行）"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        loan = _own_loan(session, loan_id)
        return prepayments.quote(session, runtime.config, loan, body).as_dict()


@blp.route("/loans/<loan_id>/prepayments", methods=["POST"])
@depositor_required
@idempotent(lambda: current_runtime().db)
@blp.arguments(PrepaymentApplyIn)
@blp.response(201, PrepaymentApplicationOut)
def apply_for_prepayment(body, loan_id):
    """申请提前还款：部分还款（amount）或提前结清（full），缩短期限或减少月供，从还款银行卡或公积金账户还款"""
    runtime, caller = current_runtime(), current_caller()
    try:
        with runtime.db.transaction() as session:
            loan = _own_loan(session, loan_id)
            prepayment = prepayments.apply_for_prepayment(session, runtime.config, loan, body, caller.sub)
            session.flush()
            session.refresh(prepayment)
            return describe_prepayment(prepayment)
    except IntegrityError:
        # another application for this loan got in first (the database holds one open prepayment per loan)
        raise ApiError(
            "PREPAYMENT_ALREADY_OPEN", "该贷款已有一笔提前还款申请正在办理，办结或撤销后方可再次申请", 422
        ) from None


@blp.route("/loans/<loan_id>/prepayments", methods=["GET"])
@depositor_required
@blp.arguments(ApplicationListArgs, location="query")
@blp.response(200, page_schema(PrepaymentApplicationOut, "PrepaymentPage"))
def list_prepayments(args, loan_id):
    """本贷款的提前还款申请（最新在前）"""
    with current_runtime().db.transaction() as session:
        loan = _own_loan(session, loan_id)
        statement = (
            select(Prepayment)
            .where(Prepayment.loan_id == loan.id)
            .order_by(Prepayment.submitted_at.desc(), Prepayment.id)
        )
        page = paginate(session, statement, args)
        page["items"] = [describe_prepayment(item) for item in page["items"]]
        return page


@blp.route("/loans/<loan_id>/prepayments/<prepayment_id>", methods=["GET"])
@depositor_required
@blp.response(200, PrepaymentApplicationOut)
def prepayment_detail(loan_id, prepayment_id):
    """提前还款申请详情与办理进度"""
    with current_runtime().db.transaction() as session:
        return describe_prepayment(_own_prepayment(session, loan_id, prepayment_id))


@blp.route("/loans/<loan_id>/prepayments/<prepayment_id>/cancel", methods=["POST"])
@depositor_required
@blp.response(200, PrepaymentApplicationOut)
def cancel_prepayment(loan_id, prepayment_id):
    """撤销提前还款申请（银行确认前）"""
    with current_runtime().db.transaction() as session:
        prepayment = _own_prepayment(session, loan_id, prepayment_id)
        prepayments.cancel_prepayment(session, prepayment, current_caller().sub)
        session.flush()
        return describe_prepayment(prepayment)


def _own_prepayment(session, loan_id: str, prepayment_id: str) -> Prepayment:
    loan = _own_loan(session, loan_id)
    prepayment = session.get(Prepayment, prepayment_id[:36])
    if prepayment is None or prepayment.loan_id != loan.id:
        raise ApiError("PREPAYMENT_NOT_FOUND", "未找到该提前还款申请", 404)
    return prepayment


@blp.route("/me/certificates", methods=["POST"])
@depositor_required
@idempotent(lambda: current_runtime().db)
@blp.arguments(CertificateRequest)
@blp.response(201, CertificateOut)
def issue_my_certificate(body):
    """开具贷款证明：贷款结清证明（payoff，仅结清后）或贷款情况证明（loan_status，还款中），可选 loan_id"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        request = {"kind": body["kind"], "loan_id": body["loan_id"]}
        certificate = certificates.issue_certificate(session, _account_no(), runtime.config, request)
        return describe_certificate(certificate, KIND_LABELS)


@blp.route("/me/certificates", methods=["GET"])
@depositor_required
@blp.response(200, CertificateOut(many=True))
def my_certificates():
    """已开具的贷款证明（最新在前）"""
    with current_runtime().db.transaction() as session:
        mine = certificates.my_certificates(session, _account_no())
        return [describe_certificate(item, KIND_LABELS) for item in mine]


@blp.route("/me/certificates/<certificate_id>/pdf", methods=["GET"])
@depositor_required
def my_certificate_pdf(certificate_id):
    """贷款证明的 PDF 文件（A4，带二维码与验证码）"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        certificate = certificates.my_certificate(session, _account_no(), certificate_id[:36])
        session.expunge(certificate)
    return pdf_response(certificate, runtime.config)
