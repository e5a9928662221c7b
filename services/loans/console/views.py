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
from chassis.pii import mask_bank_card, mask_id_number
from chassis.rules import RuleViolation
from chassis.runtime import current_runtime
from services.loans.api.staff import STAFF_ROLES
from services.loans.cases.applicants import check_applicant
from services.loans.cases.applications import move_application, save_or_conflict, staff_actor
from services.loans.domain.desk import OVERRIDABLE, bank_record, check_materials, check_override
from services.loans.domain.errors import stale_page
from services.loans.domain.workflow import (
    ROLE_LABELS,
    STATE_LABELS,
    STEPS,
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
    nav=(("queue", "待办业务"), ("prepayments", "提前还款"), ("audit_log", "操作记录")),
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
    listed = filters.narrowed(select(*QUEUE_FIELDS), QUEUE)
    # reads outside a transaction (no BEGIN/COMMIT round trips): a count a moment off its page harms no one
    with runtime.db.read() as connection:
        if filters.q:  # a search looks at every case, finished ones too; the tabs keep no counts meanwhile
            counts = {}
            total = None
        else:
            # counts per state of this officer's queues under the same filters: the tabs, and the total
            counts = dict(
                connection.execute(
                    filters.narrowed(select(LoanApplication.state, func.count()), QUEUE, with_state=False)
                    .where(LoanApplication.state.in_(states))
                    .group_by(LoanApplication.state)
                ).all()
            )
            if not filters.state:
                listed = listed.where(LoanApplication.state.in_(states))
            total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
        rows = connection.execute(filters.ordered_page(listed, QUEUE)).all()
        if total is None:  # a search: most fit on their first page, and then the page is its own count
            if filters.page == 1 and len(rows) < QUEUE_PAGE_SIZE:
                total = len(rows)
            else:
                total = connection.scalar(filters.narrowed(select(func.count()).select_from(LoanApplication), QUEUE))
    if filters.q:
        with runtime.db.transaction() as session:
            term = filters.masked_q()
            staff_console.audit(session, caller, "search", detail=term, sentence=f"查询了“{term}”")
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
            to = request.form.get("to", "")
            if version.isdigit() and int(version) != application.version:
                raise stale_page()  # a decision on a page someone else changed meanwhile: before anything else
            desk = _desk_checks(session, runtime.config, application, to, caller)
            move_application(
                session,
                runtime.config,
                application,
                to=to,
                by=staff_actor(caller.sub, caller.roles),
                opinion=request.form.get("opinion"),
                expected_version=int(version) if version.isdigit() else None,
                now=clock.now(),
                record=desk["record"],
            )
            save_or_conflict(session)
            staff_console.audit(
                session,
                caller,
                "transition",
                application_id,
                f"to={application.state}" + (" override" if desk["override"] else ""),
                sentence=_transition_sentence(application, desk),
            )
    except (ApiError, RuleViolation) as error:
        return _case_page(caller, token, application_id, error=error.detail, status=status_of(error))
    return redirect(url_for("loans_console.case", application_id=application_id, done=1))


def _desk_checks(session, config, application: LoanApplication, to: str, caller: Caller) -> dict:
    """What the console asks beyond the workflow, for a step this officer may take (the workflow refuses the
    rest): materials ticked at 受理, a written reason while today's conditions fail, the bank's records."""
    none = {"record": None, "override": None, "materials": [], "eligible": True}
    allowed = {step.target.value: step for step in available_steps(application.state, _workflow(caller))}
    if to not in allowed or to == ApplicationState.REJECTED.value:
        return none
    target = ApplicationState(to)
    eligible = _eligibility_now(session, config, application)["eligible"]
    earliest = application.contract_signed_on or clock.day_of(application.submitted_at)
    return {
        "materials": check_materials(target, config.counter_materials, request.form.getlist("materials")),
        "override": check_override(target, eligible, request.form.get("override")),
        "record": bank_record(
            target, request.form, approved=application.amount, earliest=earliest, today=clock.today()
        ),
        "eligible": eligible,
    }


def _transition_sentence(application: LoanApplication, desk: dict) -> str:
    label = STATE_LABELS[ApplicationState(application.state)]
    parts = [f"将贷款申请 {application.application_no} 办理为「{label}」"]
    opinion = (request.form.get("opinion") or "").strip()
    if opinion:
        parts.append(f"意见：{opinion[:60]}")
    if desk["materials"]:
        parts.append("已核对材料" + str(len(desk["materials"])) + "项")
    if desk["override"]:
        parts.append(f"申请人当前不符合贷款条件，继续办理的理由：{desk['override'][:120]}")
    record = desk["record"]
    if record and record.contract_no:
        parts.append(f"合同编号 {record.contract_no}，签订日期 {record.contract_date:%Y-%m-%d}")
    if record and record.mortgage_no:
        parts.append(f"抵押登记证明号 {record.mortgage_no}")
    if record and record.amount is not None:
        parts.append(
            f"放款 {record.amount:.2f} 元于 {record.disbursed_on:%Y-%m-%d} 至账号 {mask_bank_card(record.account)}"
        )
    return "，".join(parts)


def _eligibility_now(session, config, application: LoanApplication) -> dict:
    return check_applicant(
        session,
        config,
        application.account_no,
        _request_of(application),
        clock.today(),
        ignore_application_id=application.id,
    ).as_dict()


ELIGIBILITY_FIGURES = (
    ("max_amount", "可贷额度（元）"),
    ("first_payment", "首月还款（元）"),
    ("continuous_deposit_months", "连续缴存（月）"),
    ("balance", "缴存余额（元）"),
)


def _eligibility_rows(at_submission: dict, now: dict) -> list[dict]:
    """Each condition and figure at submission and today, `changed` where they differ."""
    rows = []
    for key, label in ELIGIBILITY_FIGURES:
        before, after = at_submission.get(key), now.get(key)
        rows.append(
            {"label": label, "before": before or "—", "after": after or "—", "changed": str(before) != str(after)}
        )
    before_fail = {item["code"]: item["detail"] for item in at_submission.get("failures", [])}
    after_fail = {item["code"]: item["detail"] for item in now.get("failures", [])}
    for code in dict.fromkeys([*before_fail, *after_fail]):
        rows.append(
            {
                "label": "不符合条件",
                "before": before_fail.get(code, "符合"),
                "after": after_fail.get(code, "符合"),
                "changed": (code in before_fail) != (code in after_fail),
            }
        )
    return rows


def _next_actor(application: LoanApplication, names: dict[str, str]) -> str:
    """Who may act next, four-eyes included: what the case page says above the buttons."""
    state = ApplicationState(application.state)
    roles = list(
        dict.fromkeys(step.role for step in STEPS if step.source == state and step.role not in (Role.APPLICANT,))
    )
    if not roles:
        return "本申请已办结，无需再办理"
    if roles == [Role.SYSTEM]:
        return "下一步由系统自动办理"
    who = "或".join(ROLE_LABELS[role] for role in roles if role is not Role.SYSTEM)
    text = f"下一步由{who}办理"
    if state is ApplicationState.PRELIMINARILY_APPROVED and application.preliminary_reviewer:
        reviewer = staff_console.name_of(names, application.preliminary_reviewer)
        text += f"（出具初审意见的{reviewer}不得审批）"
    return text


def _case_page(caller: Caller, token: str, application_id: str, error: str | None = None, status: int = 200):
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        application = session.get(LoanApplication, application_id)
        if application is None:
            return staff_console.render("loans_console/missing.html", caller, token, status=404)
        view = describe(session, runtime.config, application)
        at_submission = json.loads(application.eligibility or "{}")
        now_answer = _eligibility_now(session, runtime.config, application)
        actors = [row.actor for row in application.transitions]
        staff_console.audit(
            session,
            caller,
            "view_case",
            application.id,
            application.application_no,
            sentence=f"查看了贷款申请 {application.application_no}",
        )
        names = staff_console.staff_names(session, [*actors, application.preliminary_reviewer])
        trail = staff_console.trail(session, subject=application.id, limit=50)
        next_actor = _next_actor(application, names)
        bank = {
            "contract_signed_on": application.contract_signed_on,
            "mortgage_registration_no": application.mortgage_registration_no,
            "disbursed_amount": application.disbursed_amount,
            "disbursed_on": application.disbursed_on,
            "disbursement_account": mask_bank_card(application.disbursement_account)
            if application.disbursement_account
            else None,
        }
        four_eyes_blocked = (
            application.state == ApplicationState.PRELIMINARILY_APPROVED
            and application.preliminary_reviewer == caller.sub
        )
    for row, actor in zip(view["timeline"], actors, strict=True):
        row["by_name"] = _actor_name(names, actor, row["role"])
    steps = [] if four_eyes_blocked else available_steps(application.state, _workflow(caller))
    return staff_console.render(
        "loans_console/case.html",
        caller,
        token,
        status=status,
        app=view,
        centre=centre_name(view["center"]),
        at_submission=at_submission,
        eligibility_now=now_answer,
        eligibility_rows=_eligibility_rows(at_submission, now_answer),
        steps=steps,
        four_eyes_blocked=four_eyes_blocked,
        next_actor=next_actor,
        bank=bank,
        materials=list(runtime.config.counter_materials),
        overridable={state.value for state in OVERRIDABLE},
        today=clock.today().isoformat(),
        trail=trail,
        form=request.form if request.method == "POST" else {},
        error=error,
        done=request.args.get("done") == "1" and not error,
    )


@console.get("/audit")
def audit_log():
    return staff_console.audit_view(*staff_console.staff())


@console.get("/applications/<application_id>/audit")
def case_audit(application_id):
    caller, token = staff_console.staff()
    with current_runtime().db.transaction() as session:
        case = session.get(LoanApplication, application_id)
        number = case.application_no if case else None
    if number is None:
        raise ApiError("APPLICATION_NOT_FOUND", "贷款申请不存在", 404)
    return staff_console.audit_view(caller, token, subject=application_id, heading=f"贷款申请 {number}")


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
