"""The depositor's withdrawals API: pre-applications with their timeline, cancellation, appointments, and the
monthly entrusted withdrawal for a fund loan's instalments."""

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chassis.api import ListArgs, idempotent, page_schema, paginate, within_dates
from chassis.auth import current_caller, depositor_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.withdrawals.api.public import branch_named
from services.withdrawals.cases import applications as cases
from services.withdrawals.cases import booking, entrusted
from services.withdrawals.domain.workflow import APPLICANT, Actor, ApplicationState
from services.withdrawals.models import Application, Appointment, EntrustedRepayment
from services.withdrawals.schemas import (
    ApplicationIn,
    ApplicationOut,
    AppointmentIn,
    AppointmentOut,
    EntrustedRepaymentIn,
    EntrustedRepaymentOut,
)
from services.withdrawals.views import application_out, appointment_out, entrusted_out

blp = Blueprint("withdrawals", __name__, url_prefix="/api/v1/withdrawals", description="我的提取申请与预约")


def _db():
    return current_runtime().db


@blp.route("/applications", methods=["POST"])
@depositor_required
@idempotent(_db)
@blp.arguments(ApplicationIn)
@blp.response(201, ApplicationOut)
def submit(body):
    """网厅提取预申请"""
    caller = current_caller()
    # JSON numbers arrive as floats; the rules take decimal strings, never floats
    body = {key: str(value) if isinstance(value, float) else value for key, value in body.items()}
    try:
        with _db().transaction() as session:
            applicant = cases.applicant_of(session, caller.acct)
            case = cases.submit(
                session, applicant, body, caller.sub, grace_days=current_runtime().config.deposit_grace_days
            )
            return application_out(case, cases.timeline_of(session, case))
    except IntegrityError:
        raise ApiError("WITHDRAWAL_IN_PROGRESS", "您有一笔提取申请正在办理中，办结或撤销后才能再次申请", 409) from None


@blp.route("/applications", methods=["GET"])
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(ApplicationOut, "WithdrawalApplicationPage"))
def list_applications(args):
    """我的提取申请"""
    statement = select(Application).where(Application.account_no == current_caller().acct)
    statement = within_dates(statement, Application.created_at, args).order_by(Application.created_at.desc())
    with _db().transaction() as session:
        page = paginate(session, statement, args)
        page["items"] = [application_out(case) for case in page["items"]]
    return page


def _own_case(session, application_id: str, lock: bool = False) -> Application:
    statement = select(Application).where(
        Application.id == application_id, Application.account_no == current_caller().acct
    )
    case = session.scalar(statement.with_for_update() if lock else statement)
    if case is None:
        raise ApiError("NOT_FOUND", "提取申请不存在", 404)
    return case


@blp.route("/applications/<application_id>", methods=["GET"])
@depositor_required
@blp.response(200, ApplicationOut)
def application_detail(application_id):
    """提取申请详情与办理进度"""
    with _db().transaction() as session:
        case = _own_case(session, application_id)
        return application_out(case, cases.timeline_of(session, case))


@blp.route("/applications/<application_id>/cancel", methods=["POST"])
@depositor_required
@blp.response(200, ApplicationOut)
def cancel(application_id):
    """审批前撤销申请"""
    from services.withdrawals.domain.workflow import advance

    caller = current_caller()
    with _db().transaction() as session:
        case = _own_case(session, application_id, lock=True)
        step = advance(case.state, to=ApplicationState.CANCELLED, by=Actor(caller.sub, frozenset({APPLICANT})))
        cases.record(session, case, step)
        return application_out(case, cases.timeline_of(session, case))


@blp.route("/appointments", methods=["POST"])
@depositor_required
@idempotent(_db)
@blp.arguments(AppointmentIn)
@blp.response(201, AppointmentOut)
def book(body):
    """预约办理提取：答复需携带的材料"""
    caller = current_caller()
    branch = branch_named(body["branch_code"])
    with _db().transaction() as session:
        applicant = cases.applicant_of(session, caller.acct)
        appointment = booking.book(
            session, applicant, branch, body["reason"], body["date"], body["start"], current_runtime().config
        )
        return appointment_out(appointment)


@blp.route("/appointments", methods=["GET"])
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(AppointmentOut, "WithdrawalAppointmentPage"))
def list_appointments(args):
    """我的预约"""
    statement = select(Appointment).where(Appointment.account_no == current_caller().acct)
    statement = within_dates(statement, Appointment.slot_start, args).order_by(Appointment.slot_start.desc())
    with _db().transaction() as session:
        page = paginate(session, statement, args)
        page["items"] = [appointment_out(item) for item in page["items"]]
    return page


@blp.route("/appointments/<appointment_id>", methods=["DELETE"])
@depositor_required
@blp.response(200, AppointmentOut)
def cancel_appointment(appointment_id):
    """取消预约（时段开始前）"""
    caller = current_caller()
    with _db().transaction() as session:
        appointment = session.scalar(
            select(Appointment)
            .where(Appointment.id == appointment_id, Appointment.account_no == caller.acct)
            .with_for_update()
        )
        if appointment is None:
            raise ApiError("NOT_FOUND", "预约不存在", 404)
        booking.cancel(session, appointment, caller.sub)
        return appointment_out(appointment)


@blp.route("/entrusted-repayments", methods=["POST"])
@depositor_required
@idempotent(_db)
@blp.arguments(EntrustedRepaymentIn)
@blp.response(201, EntrustedRepaymentOut)
def sign_up_entrusted(body):
    """签约委托提取住房公积金偿还贷款（可加入配偶账户）"""
    caller = current_caller()
    try:
        with _db().transaction() as session:
            applicant = cases.applicant_of(session, caller.acct)
            signup = entrusted.sign_up(session, applicant, body["loan_id"], body["include_spouse"], caller.sub)
            return entrusted_out(signup)
    except IntegrityError:
        raise ApiError("ALREADY_SIGNED_UP", "该笔贷款已签约委托提取，无需重复签约", 422) from None


@blp.route("/entrusted-repayments", methods=["GET"])
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(EntrustedRepaymentOut, "EntrustedRepaymentPage"))
def list_entrusted(args):
    """我的委托提取签约"""
    statement = select(EntrustedRepayment).where(EntrustedRepayment.account_no == current_caller().acct)
    statement = within_dates(statement, EntrustedRepayment.created_at, args).order_by(
        EntrustedRepayment.created_at.desc()
    )
    with _db().transaction() as session:
        page = paginate(session, statement, args)
        page["items"] = [entrusted_out(item) for item in page["items"]]
    return page


@blp.route("/entrusted-repayments/<signup_id>", methods=["DELETE"])
@depositor_required
@blp.response(200, EntrustedRepaymentOut)
def cancel_entrusted(signup_id):
    """取消委托提取签约（此后各期由还款银行卡扣款）"""
    with _db().transaction() as session:
        signup = session.scalar(
            select(EntrustedRepayment)
            .where(EntrustedRepayment.id == signup_id, EntrustedRepayment.account_no == current_caller().acct)
            .with_for_update()
        )
        if signup is None:
            raise ApiError("NOT_FOUND", "委托提取签约不存在", 404)
        return entrusted_out(entrusted.cancel(session, signup))
