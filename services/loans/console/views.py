"""The reviewer console (`/console/loans/`): server-rendered Chinese pages for loan officers, approvers and the
entrusted bank — log in, a work queue per role, search, a case page with its actions; every case view audited."""

import json

from flask import make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from chassis import clock
from chassis.api import paginate
from chassis.auth import Caller
from chassis.console import (
    console_blueprint,
    csrf_ok,
    csrf_token,
    end_session,
    issue_login_nonce,
    keep_session,
    login_nonce_ok,
    open_staff_session,
    staff_session,
)
from chassis.errors import ApiError, status_of
from chassis.pii import mask_id_number
from chassis.rules import RuleViolation
from chassis.runtime import current_runtime
from services.loans.api.staff import STAFF_ROLES, staff_applications_query
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
console = console_blueprint("loans_console", __name__, PREFIX)
CONSOLE = "loans"  # what the CSRF tokens of this console are derived for
PAGE_SIZE = 50


class NotLoggedIn(Exception):
    pass


@console.errorhandler(NotLoggedIn)
def _to_login(_error):
    return redirect(url_for("loans_console.login_form"))


@console.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response


# --- login -------------------------------------------------------------------------------------------------


@console.get("/login")
def login_form():
    return _login_page()


@console.post("/login")
def login():
    if not login_nonce_ok():
        return _login_page("页面已过期，请重新登录", status=400)
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    if not username or not password:
        return _login_page("请输入用户名和密码", status=422)
    try:
        token = open_staff_session(username, password)
    except ApiError as error:
        return _login_page(error.detail, status=error.status)
    return keep_session(redirect(url_for("loans_console.queue")), token, login_path=PREFIX)


@console.post("/logout")
def logout():
    _staff_and_csrf()
    return end_session(redirect(url_for("loans_console.login_form")))


def _login_page(message: str | None = None, status: int = 200):
    response = make_response()
    nonce = issue_login_nonce(response, path=PREFIX)
    response.set_data(render_template("loans_console/login.html", csrf_token=nonce, message=message))
    response.status_code = status
    return response


# --- queue, search, case --------------------------------------------------------------------------------------


# "/console/loans" with or without the slash, and no redirect: the gateway forwards the bare prefix only
@console.get("", strict_slashes=False)
def queue():
    caller, token = _staff()
    runtime = current_runtime()
    roles = [role for role in (Role.LOAN_OFFICER, Role.LOAN_APPROVER, Role.BANK_OFFICER) if role in _workflow(caller)]
    states = list(dict.fromkeys(state.value for role in roles for state in queue_states(role)))
    status = request.args.get("status") or None
    q = (request.args.get("q") or "").strip() or None
    page_no = max(int(request.args.get("page", "1")) if request.args.get("page", "1").isdigit() else 1, 1)
    with runtime.db.transaction() as session:
        if q:
            statement = staff_applications_query(q=q)
            _audit(session, caller, "search", None, f"q={q[:6]}…" if len(q) > 6 else f"q={q}")
        elif status:
            statement = staff_applications_query(status=status if status in STATE_LABELS else "submitted")
        else:
            statement = staff_applications_query().where(LoanApplication.state.in_(states))
        page = paginate(session, statement, {"page": page_no, "page_size": PAGE_SIZE})
        items = [queue_row(item) for item in page["items"]]
    return render_template(
        "loans_console/queue.html",
        caller=caller,
        role_labels=[ROLE_LABELS[role] for role in roles],
        states=[(state, STATE_LABELS[state]) for state in states],
        status=status,
        q=q or "",
        items=items,
        case_base=url_for("loans_console.case", application_id="x")[:-1],  # one url_for, not one a line
        total=page["total"],
        page=page_no,
        pages=max((page["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        csrf_token=csrf_token(token, CONSOLE),
    )


@console.get("/applications/<application_id>")
def case(application_id):
    return _case_page(*_staff(), application_id)


@console.post("/applications/<application_id>/transitions")
def transition(application_id):
    caller, token = _staff_and_csrf()
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
            _audit(session, caller, "transition", application_id, f"to={application.state}")
    except (ApiError, RuleViolation) as error:
        return _case_page(caller, token, application_id, error=error.detail, status=status_of(error))
    return redirect(url_for("loans_console.case", application_id=application_id, done=1))


def _case_page(caller: Caller, token: str, application_id: str, error: str | None = None, status: int = 200):
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        application = session.get(LoanApplication, application_id)
        if application is None:
            return render_template("loans_console/missing.html", caller=caller), 404
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
        _audit(session, caller, "view_case", application.id, application.application_no)
    steps = available_steps(application.state, _workflow(caller))
    return (
        render_template(
            "loans_console/case.html",
            caller=caller,
            app=view,
            at_submission=at_submission,
            eligibility_now=now_answer,
            steps=steps,
            error=error,
            done=request.args.get("done") == "1" and not error,
            csrf_token=csrf_token(token, CONSOLE),
        ),
        status,
    )


def queue_row(application: LoanApplication) -> dict:
    """What a queue line shows: no timeline, no loan lookup (a page is 50 lines, fetched in one query)."""
    return {
        "id": application.id,
        "application_no": application.application_no,
        "name": application.name,
        "id_number": mask_id_number(application.id_number),
        "amount": application.amount,
        "term_months": application.term_months,
        "status_label": STATE_LABELS[ApplicationState(application.state)],
        "submitted_at": application.submitted_at,
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


# --- who is asking, CSRF, audit ------------------------------------------------------------------------------


def _staff() -> tuple[Caller, str]:
    """The signed-in loans staff and their session token; the login page for anyone else signed out."""
    caller, token = staff_session()
    if caller is None:
        raise NotLoggedIn()
    if not caller.has_role("admin", *STAFF_ROLES):
        raise ApiError("FORBIDDEN", "您没有办理贷款业务的权限", 403)
    return caller, token


def _staff_and_csrf() -> tuple[Caller, str]:
    caller, token = _staff()
    if not csrf_ok(token, CONSOLE):
        raise ApiError("CSRF_FAILED", "页面已过期或来源不明，请刷新后重试", 403)
    return caller, token


def _workflow(caller: Caller) -> frozenset[str]:
    return staff_actor(caller.sub, caller.roles).roles


def _audit(session, caller: Caller, action: str, application_id: str | None, detail: str | None) -> None:
    session.add(
        ConsoleAuditEntry(
            at=clock.now(),
            staff=caller.sub,
            action=action,
            application_id=application_id,
            detail=detail,
            client_ip=request.remote_addr,
        )
    )


def audit_trail(session, application_id: str) -> list[ConsoleAuditEntry]:
    return list(
        session.scalars(
            select(ConsoleAuditEntry)
            .where(ConsoleAuditEntry.application_id == application_id)
            .order_by(ConsoleAuditEntry.id)
        )
    )
