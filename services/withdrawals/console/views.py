"""The withdrawal officers' console at /console/withdrawals/: queues, the case page, actions and the audit trail.

Sign-in through identity, logout, the page guard, the idle timeout, the Secure cookie and the trail's shape are
chassis.console.StaffConsole's; this module has the withdrawal pages only."""

from urllib.parse import quote

from flask import redirect, request
from sqlalchemy import func, select

from chassis.console import (
    CENTRE_NAMES,
    QUEUE_PAGE_SIZE,
    QueueColumns,
    QueueFilters,
    StaffConsole,
    centre_name,
    days_waiting,
)
from chassis.errors import ApiError
from chassis.pii import mask_id_number
from chassis.rules import RuleViolation
from chassis.runtime import current_runtime
from services.withdrawals.cases.applications import recheck, transition
from services.withdrawals.domain.reason_catalogue import catalogue_for
from services.withdrawals.domain.workflow import (
    APPLICANT,
    APPLICATION_LABELS,
    APPLICATION_MOVES,
    WITHDRAWAL_OFFICER,
    ApplicationState,
)
from services.withdrawals.models import Application, Appointment, ConsoleAudit
from services.withdrawals.views import staff_view

PREFIX = "/console/withdrawals"
staff_console = StaffConsole(
    "withdrawals_console",
    __name__,
    PREFIX,
    title="提取业务后台",
    roles=(WITHDRAWAL_OFFICER,),
    audit_model=ConsoleAudit,
    forbidden="该账号没有提取业务经办权限",
    nav=(("queue", "业务队列"), ("audit_log", "操作记录")),
)
console = staff_console.blueprint


QUEUE = QueueColumns(
    state=Application.state,
    center=Application.center,
    submitted=Application.created_at,
    waiting_since=Application.updated_at,
    number=Application.application_no,
    id_number=Application.id_number,
    name=Application.name,
    key=Application.id,
)
# the states in which an officer has a step to take
OFFICER_STATES = [ApplicationState.SUBMITTED.value, ApplicationState.PREREVIEWED.value, ApplicationState.ACCEPTED.value]


@console.get("/")
def queue():
    caller, token = staff_console.staff()
    searching = bool(request.args.get("q"))
    filters = QueueFilters.from_request(OFFICER_STATES if not searching else list(ApplicationState._value2member_map_))
    with current_runtime().db.transaction() as session:
        counts = dict(
            session.execute(
                filters.narrowed(select(Application.state, func.count()), QUEUE, with_state=False)
                .where(Application.state.in_(OFFICER_STATES))
                .group_by(Application.state)
            ).all()
        )
        listed = filters.narrowed(select(Application), QUEUE)
        if filters.q:
            total = session.scalar(filters.narrowed(select(func.count()).select_from(Application), QUEUE))
            staff_console.audit(
                session, caller, "search", detail=filters.masked_q(), sentence=f"查询了“{filters.masked_q()}”"
            )
        else:
            if not filters.state:
                listed = listed.where(Application.state.in_(OFFICER_STATES))
            total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
            label = APPLICATION_LABELS[ApplicationState(filters.state)] if filters.state else "全部待办"
            staff_console.audit(session, caller, "view_queue", subject=filters.state, sentence=f"查看了「{label}」队列")
        items = [
            {
                "id": case.id,
                "application_no": case.application_no,
                "name": case.name,
                "id_number": mask_id_number(case.id_number),
                "centre": centre_name(case.center),
                "reason_name": case.reason_name,
                "amount": case.amount,
                "status_label": APPLICATION_LABELS[ApplicationState(case.state)],
                "created_at": case.created_at,
                "days_waiting": days_waiting(case.updated_at),
            }
            for case in session.scalars(filters.ordered_page(listed, QUEUE))
        ]
        booked = session.scalars(
            select(Appointment).where(Appointment.state == "booked").order_by(Appointment.slot_start).limit(50)
        ).all()
    return staff_console.render(
        "withdrawals_console/queue.html",
        caller,
        token,
        status=422 if filters.problems else 200,
        filters=filters,
        tabs=[(state, APPLICATION_LABELS[ApplicationState(state)], counts.get(state, 0)) for state in OFFICER_STATES],
        all_count=sum(counts.values()),
        centres=CENTRE_NAMES,
        items=items,
        total=total,
        page=filters.page,
        pages=max((total + QUEUE_PAGE_SIZE - 1) // QUEUE_PAGE_SIZE, 1),
        appointments=booked,
    )


@console.get("/applications/<application_id>")
def case_page(application_id):
    caller, token = staff_console.staff()
    with current_runtime().db.transaction() as session:
        case = session.get(Application, application_id)
        if case is None:
            return staff_console.render("withdrawals_console/missing.html", caller, token, status=404)
        view = staff_view(session, case, caller)
        view["failures_now"] = _failures_now(session, case) if case.state in OVERRIDABLE_FROM else []
        staff_console.audit(
            session,
            caller,
            "view_case",
            subject=case.id,
            detail=case.application_no,
            sentence=f"查看了提取申请 {case.application_no}",
        )
        names = staff_console.staff_names(session, [step["by"] for step in view["timeline"]] + [case.accepted_by])
        trail = staff_console.trail(session, subject=case.id, limit=50)
    for step in view["timeline"]:
        step["by_name"] = {"applicant": "申请人本人", "system": "系统"}.get(step["by"]) or staff_console.name_of(
            names, step["by"]
        )
    view["accepted_by_name"] = staff_console.name_of(names, case.accepted_by)
    view["center_name"] = centre_name(case.center)
    view["field_rows"] = _field_rows(case)
    view["materials"] = _materials_of(case)
    state = ApplicationState(case.state)
    view["actions"] = {
        move.target.value: move.action for move in APPLICATION_MOVES if move.source == state and move.role != APPLICANT
    }
    view["four_eyes_blocked"] = state is ApplicationState.ACCEPTED and case.accepted_by == caller.sub
    view["next_actor"] = _next_actor(state, view["accepted_by_name"])
    return staff_console.render(
        "withdrawals_console/case.html",
        caller,
        token,
        case=view,
        labels=APPLICATION_LABELS,
        trail=trail,
        message=request.args.get("message"),
    )


@console.post("/applications/<application_id>/transitions")
def act(application_id):
    caller, _token = staff_console.staff_and_csrf()
    to, opinion = request.form.get("to", ""), request.form.get("opinion", "").strip() or None
    try:
        with current_runtime().db.transaction() as session:
            case = session.get(Application, application_id, with_for_update=True)
            if case is None:
                raise ApiError("APPLICATION_NOT_FOUND", "提取申请不存在", 404)
            checked = []
            if to == ApplicationState.ACCEPTED.value and case.state == ApplicationState.PREREVIEWED.value:
                checked = _materials_of(case)
                missing = [item for item in checked if item not in set(request.form.getlist("materials"))]
                if missing:
                    raise ApiError(
                        "MATERIALS_NOT_CHECKED", "受理前请逐项核对材料，尚未勾选：" + "、".join(missing), 422
                    )
            override = None
            if (
                to in {state.value for state in OVERRIDABLE}
                and case.state in OVERRIDABLE_FROM
                and _failures_now(session, case)
            ):
                override = (request.form.get("override") or "").strip()
                if len(override) < 4:
                    raise ApiError(
                        "OVERRIDE_REASON_REQUIRED", "申请人当前不符合提取条件，继续办理须写明理由（不少于4个字）", 422
                    )
            transition(session, case, to, opinion, caller)
            label = APPLICATION_LABELS[ApplicationState(case.state)]
            staff_console.audit(
                session,
                caller,
                "transition",
                subject=case.id,
                detail=to,
                sentence=f"将提取申请 {case.application_no} 办理为「{label}」"
                + (f"，意见：{opinion[:80]}" if opinion else "")
                + (f"，已核对材料{len(checked)}项" if checked else "")
                + (f"，申请人当前不符合提取条件，继续办理的理由：{override[:120]}" if override else ""),
            )
        message = "操作成功"
    except (ApiError, RuleViolation) as refused:
        message = refused.detail
    return redirect(f"{PREFIX}/applications/{application_id}?message={quote(message)}")


@console.get("/audit")
def audit_log():
    return staff_console.audit_view(*staff_console.staff())


@console.get("/applications/<application_id>/audit")
def case_audit(application_id):
    caller, token = staff_console.staff()
    with current_runtime().db.transaction() as session:
        case = session.get(Application, application_id)
        number = case.application_no if case else None
    if number is None:
        raise ApiError("APPLICATION_NOT_FOUND", "提取申请不存在", 404)
    return staff_console.audit_view(caller, token, subject=application_id, heading=f"提取申请 {number}")


def _field_rows(case: Application) -> list[tuple[str, object]]:
    """The reason's own fields as (Chinese label, value), in the order the reason declares them."""
    try:
        reason = catalogue_for(case.center).get(case.reason)
    except RuleViolation:
        reason = None
    values = dict(case.reason_fields or {})
    if reason is None:
        return [("补充信息", value) for value in values.values()]
    rows = [(spec.label, values.pop(spec.name)) for spec in reason.fields if spec.name in values]
    return rows + [("补充信息", value) for value in values.values()]


# steps that need a written reason while the case fails today's rules (a refusal never does)
OVERRIDABLE = (ApplicationState.PREREVIEWED, ApplicationState.ACCEPTED, ApplicationState.APPROVED)
OVERRIDABLE_FROM = (ApplicationState.SUBMITTED, ApplicationState.PREREVIEWED, ApplicationState.ACCEPTED)


def _failures_now(session, case: Application) -> list[str]:
    """What today's rules say against the case (it passed them all when it was filed)."""
    try:
        check = recheck(session, case, getattr(current_runtime().config, "deposit_grace_days", 0))
    except RuleViolation as error:
        return [error.detail]
    return [failure.message for failure in check.failures]


def _materials_of(case: Application) -> list[str]:
    """The materials the reason asks for, as the counter officer ticks them at 受理."""
    try:
        reason = catalogue_for(case.center).get(case.reason)
    except RuleViolation:
        return []
    return [f"{item.name}（{item.note}）" if item.note else item.name for item in reason.materials] if reason else []


def _next_actor(state: ApplicationState, accepted_by: str) -> str:
    if state is ApplicationState.ACCEPTED:
        return f"下一步由提取业务经办人员审批（受理人{accepted_by}不得审批）"
    if state in (ApplicationState.SUBMITTED, ApplicationState.PREREVIEWED):
        return "下一步由提取业务经办人员办理"
    if state is ApplicationState.APPROVED:
        return "下一步由系统付款"
    return "本申请已办结，无需再办理"
