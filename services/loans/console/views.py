"""The reviewer console (`/console/loans/`): server-rendered Chinese pages for loan officers, approvers and the
entrusted bank — a work queue per role, search, a case page with its actions. Sign-in, logout, the page guard,
the idle timeout and the audit trail are chassis.console.StaffConsole's; every view of a case is audited."""

import json

from flask import redirect, request, url_for
from sqlalchemy import func, select

from chassis import clock
from chassis.auth import Caller
from chassis.console import (
    CENTRE_NAMES,
    QUEUE_PAGE_SIZE,
    QueueColumns,
    QueueFilters,
    StaffConsole,
    centre_name,
    days_waiting,
)
from chassis.errors import ApiError, status_of
from chassis.pii import mask_id_number
from chassis.rules import RuleViolation
from chassis.runtime import current_runtime
from services.loans.api.staff import STAFF_ROLES
from services.loans.cases.applicants import check_applicant
from services.loans.cases.applications import move_application, save_or_conflict, staff_actor
from services.loans.domain.workflow import (
    ROLE_LABELS,
    STATE_LABELS,
    ApplicationState,
    Role,
    available_steps,
    queue_states,
)
from services.loans.models import ConsoleAuditEntry, LoanApplication
from services.loans.views import describe

PREFIX = "/console/loans"
PAGE_SIZE = 50
staff_console = StaffConsole(
    "loans_console",
    __name__,
    PREFIX,
    title="贷款审核工作台",
    roles=STAFF_ROLES,
    audit_model=ConsoleAuditEntry,
    forbidden="您没有办理贷款业务的权限",
    nav=(("queue", "待办业务"), ("audit_log", "操作记录")),
)
console = staff_console.blueprint


# --- queue, search, case --------------------------------------------------------------------------------------


QUEUE = QueueColumns(
    state=LoanApplication.state,
    center=LoanApplication.center,
    submitted=LoanApplication.submitted_at,
    waiting_since=LoanApplication.updated_at,
    number=LoanApplication.application_no,
    id_number=LoanApplication.id_number,
    name=LoanApplication.name,
    key=LoanApplication.id,
)
QUEUE_FIELDS = (
    LoanApplication.id,
    LoanApplication.application_no,
    LoanApplication.name,
    LoanApplication.id_number,
    LoanApplication.center,
    LoanApplication.amount,
    LoanApplication.term_months,
    LoanApplication.state,
    LoanApplication.submitted_at,
    LoanApplication.updated_at,
)


# "/console/loans" with or without the slash, and no redirect: the gateway forwards the bare prefix only
@console.get("", strict_slashes=False)
def queue():
    caller, token = staff_console.staff()
    runtime = current_runtime()
    roles = [role for role in (Role.LOAN_OFFICER, Role.LOAN_APPROVER, Role.BANK_OFFICER) if role in _workflow(caller)]
    states = list(dict.fromkeys(state.value for role in roles for state in queue_states(role)))
    filters = QueueFilters.from_request(states if not request.args.get("q") else list(STATE_LABELS))
    with runtime.db.transaction() as session:
        # counts per state of this officer's queues, under the same filters: the tabs, and the total without a count
        counts = dict(
            session.execute(
                filters.narrowed(select(LoanApplication.state, func.count()), QUEUE, with_state=False)
                .where(LoanApplication.state.in_(states))
                .group_by(LoanApplication.state)
            ).all()
        )
        listed = filters.narrowed(select(*QUEUE_FIELDS), QUEUE)
        if filters.q:  # a search looks at every case, finished ones too
            total = session.scalar(filters.narrowed(select(func.count()).select_from(LoanApplication), QUEUE))
            staff_console.audit(
                session, caller, "search", detail=filters.masked_q(), sentence=f"查询了“{filters.masked_q()}”"
            )
        else:
            if not filters.state:
                listed = listed.where(LoanApplication.state.in_(states))
            total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
        rows = session.execute(filters.ordered_page(listed, QUEUE)).all()
    pages = max((total + QUEUE_PAGE_SIZE - 1) // QUEUE_PAGE_SIZE, 1)
    return staff_console.render(
        "loans_console/queue.html",
        caller,
        token,
        status=422 if filters.problems else 200,
        role_labels=[ROLE_LABELS[role] for role in roles],
        tabs=[(state, STATE_LABELS[state], counts.get(state, 0)) for state in states],
        all_count=sum(counts.values()),
        filters=filters,
        centres=CENTRE_NAMES,
        items=[queue_row(row) for row in rows],
        case_base=url_for("loans_console.case", application_id="x")[:-1],  # one url_for, not one a line
        total=total,
        page=filters.page,
        pages=pages,
    )


@console.get("/applications/<application_id>")
def case(application_id):
    return _case_page(*staff_console.staff(), application_id)


@console.post("/applications/<application_id>/transitions")
def transition(application_id):
    caller, token = staff_console.staff_and_csrf()
    runtime = current_runtime()
    version = request.form.get("version", "")
    try:
        with runtime.db.transaction() as session:
            application = session.get(LoanApplication, application_id)
            if application is None:
                raise ApiError("APPLICATION_NOT_FOUND", "未找到该贷款申请", 404)
            move_application(
                session,
                runtime.config,
                application,
                to=request.form.get("to", ""),
                by=staff_actor(caller.sub, caller.roles),
                opinion=request.form.get("opinion"),
                expected_version=int(version) if version.isdigit() else None,
                now=clock.now(),
            )
            save_or_conflict(session)
            label = STATE_LABELS[ApplicationState(application.state)]
            opinion = (request.form.get("opinion") or "").strip()
            staff_console.audit(
                session,
                caller,
                "transition",
                application_id,
                f"to={application.state}",
                sentence=f"将贷款申请 {application.application_no} 办理为「{label}」"
                + (f"，意见：{opinion[:80]}" if opinion else ""),
            )
    except (ApiError, RuleViolation) as error:
        return _case_page(caller, token, application_id, error=error.detail, status=status_of(error))
    return redirect(url_for("loans_console.case", application_id=application_id, done=1))


def _case_page(caller: Caller, token: str, application_id: str, error: str | None = None, status: int = 200):
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        application = session.get(LoanApplication, application_id)
        if application is None:
            return staff_console.render("loans_console/missing.html", caller, token, status=404)
        view = describe(session, runtime.config, application)
        at_submission = json.loads(application.eligibility or "{}")
        now_answer = check_applicant(
            session,
            runtime.config,
            application.account_no,
            _request_of(application),
            clock.today(),
            ignore_application_id=application.id,
        ).as_dict()
        actors = [row.actor for row in application.transitions]
        staff_console.audit(
            session,
            caller,
            "view_case",
            application.id,
            application.application_no,
            sentence=f"查看了贷款申请 {application.application_no}",
        )
        names = staff_console.staff_names(session, actors)
        trail = staff_console.trail(session, subject=application.id, limit=50)
    for row, actor in zip(view["timeline"], actors, strict=True):
        row["by_name"] = _actor_name(names, actor, row["role"])
    steps = available_steps(application.state, _workflow(caller))
    return staff_console.render(
        "loans_console/case.html",
        caller,
        token,
        status=status,
        app=view,
        centre=centre_name(view["center"]),
        at_submission=at_submission,
        eligibility_now=now_answer,
        steps=steps,
        trail=trail,
        error=error,
        done=request.args.get("done") == "1" and not error,
    )


@console.get("/audit")
def audit_log():
    caller, token = staff_console.staff()
    with current_runtime().db.transaction() as session:
        rows = staff_console.trail(session, limit=200)
    return staff_console.render("loans_console/audit.html", caller, token, rows=rows)


def _actor_name(names: dict[str, str], actor: str, role: str) -> str:
    if role == Role.APPLICANT:
        return "申请人本人"
    if role == Role.SYSTEM:
        return "系统"
    return staff_console.name_of(names, actor)


def queue_row(row) -> dict:
    """What a queue line shows: no timeline, no loan lookup (a page is 50 lines, fetched in one query)."""
    return {
        "id": row.id,
        "application_no": row.application_no,
        "name": row.name,
        "id_number": mask_id_number(row.id_number),
        "centre": centre_name(row.center),
        "amount": row.amount,
        "term_months": row.term_months,
        "status_label": STATE_LABELS[ApplicationState(row.state)],
        "submitted_at": row.submitted_at,
        "days_waiting": days_waiting(row.updated_at),
    }


def _request_of(application: LoanApplication) -> dict:
    return {
        "amount": application.amount,
        "term_months": application.term_months,
        "method": application.method,
        "monthly_income": application.monthly_income,
        "annual_rate": application.annual_rate * 100,
        "house": {"price": application.house_price, "first_home": application.first_home},
        "co_borrower": (
            {"id_number": application.co_borrower_id_number, "name": application.co_borrower_name}
            if application.co_borrower_id_number
            else None
        ),
    }


def _workflow(caller: Caller) -> frozenset[str]:
    return staff_actor(caller.sub, caller.roles).roles
