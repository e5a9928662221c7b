"""The depositor's withdrawals API: reasons, pre-applications with their timeline, branch slots, appointments."""

from datetime import timedelta

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from chassis import clock
from chassis.api import ListArgs, idempotent, page_schema, paginate, within_dates
from chassis.auth import current_caller, depositor_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.withdrawals import booking, cases
from services.withdrawals.directory import directory_of
from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.reason_catalogue import CENTRE_CODES, catalogue_for
from services.withdrawals.domain.workflow import APPLICANT, Actor, ApplicationState
from services.withdrawals.models import Application, Appointment
from services.withdrawals.schemas import (
    ApplicationIn,
    ApplicationOut,
    AppointmentIn,
    AppointmentOut,
    BookingWindowOut,
    BranchesOut,
    ReasonsArgs,
    ReasonsOut,
    SlotsArgs,
    SlotsOut,
    application_out,
    appointment_out,
    reason_out,
)

blp = Blueprint("withdrawals", __name__, url_prefix="/api/v1/withdrawals", description="提取业务")


def _db():
    return current_runtime().db


def _center(requested: str | None) -> str:
    center = requested or _caller_center()
    if center not in CENTRE_CODES:
        raise ApiError("UNKNOWN_CENTER", f"不存在的管理中心：{center}", 404)
    return center


def _caller_center() -> str:
    try:
        from chassis.auth import authenticate

        return authenticate(current_runtime().token_verifier).center or "yinchuan"
    except ApiError:
        return "yinchuan"  # the reasons page is public; without a login it shows the capital's centre


@blp.route("/reasons", methods=["GET"])
@blp.arguments(ReasonsArgs, location="query")
@blp.response(200, ReasonsOut)
def reasons(args):
    """提取事由：所需材料和办理条件（按管理中心）"""
    center = _center(args.get("center"))
    return {"center": center, "items": [reason_out(reason) for reason in catalogue_for(center).offered()]}


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
        try:
            step = advance(case.state, to=ApplicationState.CANCELLED, by=Actor(caller.sub, frozenset({APPLICANT})))
        except RuleViolation as refused:
            raise cases.api_error(refused) from None
        cases.record(session, case, step)
        return application_out(case, cases.timeline_of(session, case))


@blp.route("/centers/<center>/branches", methods=["GET"])
@blp.response(200, BranchesOut)
def branches(center):
    """可预约的网点"""
    branches = directory_of(current_runtime()).of_center(_center(center))
    return {"items": [branch.__dict__ for branch in branches]}


def _branch(code: str):
    branch = directory_of(current_runtime()).find(code)
    if branch is None:
        raise ApiError("BRANCH_NOT_FOUND", "网点不存在", 404)
    return branch


@blp.route("/booking-window", methods=["GET"])
@blp.response(200, BookingWindowOut)
def booking_window():
    """可预约的日期范围（按北京时间的今天计算）"""
    today, days = clock.today(), current_runtime().config.max_days_ahead
    return {"today": today, "first_day": today, "last_day": today + timedelta(days=days), "max_days_ahead": days}


@blp.route("/branches/<code>/slots", methods=["GET"])
@blp.arguments(SlotsArgs, location="query")
@blp.response(200, SlotsOut)
def slots(args, code):
    """网点某日的预约时段与剩余名额"""
    branch = _branch(code)
    with _db().transaction() as session:
        open_slots = booking.open_slots(session, branch, args["date"], current_runtime().config)
    items = [
        {
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "label": slot.label,
            "capacity": slot.capacity,
            "places_left": left,
        }
        for slot, left in open_slots
    ]
    return {"branch_code": branch.code, "branch_name": branch.name, "date": args["date"], "items": items}


@blp.route("/appointments", methods=["POST"])
@depositor_required
@idempotent(_db)
@blp.arguments(AppointmentIn)
@blp.response(201, AppointmentOut)
def book(body):
    """预约办理提取：答复需携带的材料"""
    caller = current_caller()
    branch = _branch(body["branch_code"])
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
