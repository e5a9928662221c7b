"""The staff API behind the console: queues, transitions by the workflow's rules, attending an appointment."""

from flask_smorest import Blueprint
from sqlalchemy import select

from chassis.api import page_schema, paginate, within_dates
from chassis.auth import current_caller, staff_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.withdrawals.cases import applications as cases
from services.withdrawals.cases import booking
from services.withdrawals.cases.applications import transition
from services.withdrawals.domain.workflow import WITHDRAWAL_OFFICER
from services.withdrawals.models import Application, Appointment
from services.withdrawals.schemas import AttendIn, StaffApplicationOut, StaffListArgs, TransitionIn
from services.withdrawals.views import application_out, staff_view

blp = Blueprint(
    "withdrawals_staff", __name__, url_prefix="/api/v1/withdrawals/staff", description="提取业务（经办人员）"
)


def _db():
    return current_runtime().db


def queue_statement(status: str | None):
    statement = select(Application)
    if status:
        statement = statement.where(Application.state == status)
    return statement


@blp.route("/applications", methods=["GET"])
@staff_required(WITHDRAWAL_OFFICER)
@blp.arguments(StaffListArgs, location="query")
@blp.response(200, page_schema(StaffApplicationOut, "StaffWithdrawalApplicationPage"))
def queue(args):
    """按状态查看提取申请"""
    statement = within_dates(queue_statement(args.get("status")), Application.created_at, args)
    with _db().transaction() as session:
        page = paginate(session, statement.order_by(Application.created_at), args)
        page["items"] = [application_out(case, staff=True) for case in page["items"]]
    return page


@blp.route("/applications/<application_id>", methods=["GET"])
@staff_required(WITHDRAWAL_OFFICER)
@blp.response(200, StaffApplicationOut)
def case_detail(application_id):
    """案件详情"""
    with _db().transaction() as session:
        case = _case(session, application_id)
        return staff_view(session, case, current_caller())


@blp.route("/applications/<application_id>/transitions", methods=["POST"])
@staff_required(WITHDRAWAL_OFFICER)
@blp.arguments(TransitionIn)
@blp.response(200, StaffApplicationOut)
def move(body, application_id):
    """预审、受理、审批或退回"""
    with _db().transaction() as session:
        case = _case(session, application_id, lock=True)
        transition(session, case, body["to"], body.get("opinion"), current_caller())
        return staff_view(session, case, current_caller())


@blp.route("/appointments/<appointment_id>/attend", methods=["POST"])
@staff_required(WITHDRAWAL_OFFICER)
@blp.arguments(AttendIn)
@blp.response(201, StaffApplicationOut)
def attend(body, appointment_id):
    """预约人到场：转为已受理的提取申请"""
    caller = current_caller()
    body = {key: str(value) if isinstance(value, float) else value for key, value in body.items()}
    body.pop("reason", None)
    with _db().transaction() as session:
        appointment = session.get(Appointment, appointment_id, with_for_update=True)
        if appointment is None:
            raise ApiError("NOT_FOUND", "预约不存在", 404)
        applicant = cases.applicant_of(session, appointment.account_no)
        grace_days = current_runtime().config.deposit_grace_days
        case = booking.attend(session, appointment, applicant, body, cases.staff_actor(caller), grace_days)
        return staff_view(session, case, caller)


def _case(session, application_id: str, lock: bool = False) -> Application:
    statement = select(Application).where(Application.id == application_id)
    case = session.scalar(statement.with_for_update() if lock else statement)
    if case is None:
        raise ApiError("NOT_FOUND", "提取申请不存在", 404)
    return case
