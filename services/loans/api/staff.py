"""The staff API behind the reviewer console: work lists and workflow transitions."""

from flask_smorest import Blueprint
from sqlalchemy import or_, select

from chassis import clock
from chassis.api import page_schema, paginate
from chassis.auth import current_caller, staff_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.loans.cases import prepayments
from services.loans.cases.applications import move_application, save_or_conflict, staff_actor
from services.loans.domain.prepayment_application import PrepaymentState
from services.loans.domain.workflow import ApplicationState
from services.loans.models import LoanApplication, Prepayment
from services.loans.schemas import (
    ApplicationOut,
    PrepaymentApplicationOut,
    PrepaymentTransitionIn,
    StaffListArgs,
    TransitionIn,
)
from services.loans.views import describe, describe_prepayment

blp = Blueprint("loans-staff", __name__, url_prefix="/api/v1/loans/staff", description="贷款审核（工作人员）")
STAFF_ROLES = ("loan_officer", "loan_approver", "bank_officer")


def staff_applications_query(status: str | None = None, q: str | None = None):
    """The console's and the API's list: by state, or an application number or ID number, oldest first."""
    statement = select(LoanApplication)
    if status:
        try:
            ApplicationState(status)
        except ValueError:
            raise ApiError(
                "UNKNOWN_STATE", f"未知的申请状态：{status}", 422, errors={"status": ["未知的申请状态"]}
            ) from None
        statement = statement.where(LoanApplication.state == status)
    if q:
        term = q.strip().upper()
        statement = statement.where(or_(LoanApplication.application_no == term, LoanApplication.id_number == term))
    return statement.order_by(LoanApplication.submitted_at, LoanApplication.id)


@blp.route("/applications", methods=["GET"])
@staff_required(*STAFF_ROLES)
@blp.arguments(StaffListArgs, location="query")
@blp.response(200, page_schema(ApplicationOut, "StaffLoanApplicationPage"))
def list_applications(args):
    """按状态或申请编号、身份证号码查询贷款申请"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        page = paginate(session, staff_applications_query(args["status"], args["q"]), args)
        page["items"] = [describe(session, runtime.config, item) for item in page["items"]]
        return page


@blp.route("/applications/<application_id>", methods=["GET"])
@staff_required(*STAFF_ROLES)
@blp.response(200, ApplicationOut)
def application_detail(application_id):
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        return describe(session, runtime.config, _application(session, application_id))


@blp.route("/applications/<application_id>/transitions", methods=["POST"])
@staff_required(*STAFF_ROLES)
@blp.arguments(TransitionIn)
@blp.response(200, ApplicationOut)
def transition(body, application_id):
    """办理一步：to 为目标状态，不予通过须填写意见"""
    return apply_transition(application_id, body["to"], body.get("opinion"), body.get("version"))


def apply_transition(application_id: str, to: str, opinion: str | None, version: int | None) -> dict:
    runtime, caller = current_runtime(), current_caller()
    with runtime.db.transaction() as session:
        application = _application(session, application_id)
        move_application(
            session,
            runtime.config,
            application,
            to=to,
            by=staff_actor(caller.sub, caller.roles),
            opinion=opinion,
            expected_version=version,
            now=clock.now(),
        )
        save_or_conflict(session)
        return describe(session, runtime.config, application)


def _application(session, application_id: str) -> LoanApplication:
    application = session.get(LoanApplication, application_id)
    if application is None:
        raise ApiError("APPLICATION_NOT_FOUND", "未找到该贷款申请", 404)
    return application


@blp.route("/prepayments", methods=["GET"])
@staff_required(*STAFF_ROLES)
@blp.arguments(StaffListArgs, location="query")
@blp.response(200, page_schema(PrepaymentApplicationOut, "StaffPrepaymentPage"))
def list_prepayments(args):
    """提前还款申请（按状态，最早在前）"""
    statement = select(Prepayment)
    if args["status"]:
        try:
            PrepaymentState(args["status"])
        except ValueError:
            raise ApiError("UNKNOWN_STATE", f"未知的申请状态：{args['status']}", 422) from None
        statement = statement.where(Prepayment.state == args["status"])
    with current_runtime().db.transaction() as session:
        page = paginate(session, statement.order_by(Prepayment.submitted_at, Prepayment.id), args)
        page["items"] = [describe_prepayment(item) for item in page["items"]]
        return page


@blp.route("/prepayments/<prepayment_id>", methods=["GET"])
@staff_required(*STAFF_ROLES)
@blp.response(200, PrepaymentApplicationOut)
def prepayment_detail(prepayment_id):
    with current_runtime().db.transaction() as session:
        return describe_prepayment(_prepayment(session, prepayment_id))


@blp.route("/prepayments/<prepayment_id>/transitions", methods=["POST"])
@staff_required(*STAFF_ROLES)
@blp.arguments(PrepaymentTransitionIn)
@blp.response(200, PrepaymentApplicationOut)
def prepayment_transition(body, prepayment_id):
    """受托银行办理提前还款：to 为 confirmed（确认办理，随即扣收并重算还款计划）或 refused（不予办理，须填写意见）"""
    return decide_prepayment(current_caller(), prepayment_id, body["to"], body.get("opinion"))


def decide_prepayment(caller, prepayment_id: str, to: str, opinion: str | None) -> dict:
    """Shared by the staff API and the console."""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        prepayment = _prepayment(session, prepayment_id)
        prepayments.decide(
            session,
            runtime.config,
            prepayment,
            to,
            caller.sub,
            frozenset(caller.roles),
            (opinion or "").strip() or None,
        )
        save_or_conflict(session)
        return describe_prepayment(prepayment)


def _prepayment(session, prepayment_id: str) -> Prepayment:
    prepayment = session.get(Prepayment, prepayment_id[:36])
    if prepayment is None:
        raise ApiError("PREPAYMENT_NOT_FOUND", "未找到该提前还款申请", 404)
    return prepayment
