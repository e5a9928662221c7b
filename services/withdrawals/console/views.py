"""The withdrawal officers' console at /console/withdrawals/: login, queues, case page, actions, audit of views.

Staff log in through identity; the token is kept in an HttpOnly SameSite=Strict cookie, and every form carries
a CSRF token derived from it (a page on another site can neither read the cookie nor compute the token).
"""

from urllib.parse import quote

from flask import make_response, redirect, render_template, request
from sqlalchemy import func, select

from chassis import clock
from chassis.console import (
    LOGIN_NONCE_COOKIE,
    console_blueprint,
    csrf_ok,
    csrf_token,
    end_session,
    issue_login_nonce,
    keep_session,
    login_nonce_ok,
    open_staff_session,
    signed_in_staff,
)
from chassis.errors import ApiError
from chassis.rules import RuleViolation
from chassis.runtime import current_runtime
from services.withdrawals.cases.applications import transition
from services.withdrawals.domain.workflow import APPLICATION_LABELS, WITHDRAWAL_OFFICER, ApplicationState
from services.withdrawals.models import Application, Appointment, ConsoleAudit
from services.withdrawals.views import staff_view

PREFIX = "/console/withdrawals"
console = console_blueprint("withdrawals_console", __name__, PREFIX)
CONSOLE = "withdrawals"  # what the CSRF tokens of this console are derived for


def _staff():
    """The logged-in officer and their token, or (None, None) (the page then sends them to the login form)."""
    return signed_in_staff(WITHDRAWAL_OFFICER)


def _audit(session, caller, action: str, subject: str | None = None, detail: str | None = None) -> None:
    session.add(ConsoleAudit(staff_id=caller.sub, action=action, subject=subject, detail=detail, at=clock.now()))


def _to_login():
    return redirect(f"{PREFIX}/login")


@console.get("/login")
def login_form():
    response = make_response()
    nonce = issue_login_nonce(response, path=PREFIX)
    response.set_data(render_template("withdrawals_console/login.html", csrf=nonce, error=None))
    return response


@console.post("/login")
def login():
    # a refused form keeps its nonce cookie, so the officer can correct the form and send it again
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "")
    if not login_nonce_ok():
        return render_template("withdrawals_console/login.html", csrf=nonce, error="页面已过期，请刷新后重试"), 400
    try:
        token = open_staff_session(request.form.get("username", "").strip(), request.form.get("password", ""))
    except ApiError as refused:
        return render_template("withdrawals_console/login.html", csrf=nonce, error=refused.detail), 401
    try:
        caller = current_runtime().token_verifier.verify(token)
    except ApiError:
        caller = None
    if caller is None or not caller.has_role("admin", WITHDRAWAL_OFFICER):
        error = "该账号没有提取业务经办权限"
        return render_template("withdrawals_console/login.html", csrf=nonce, error=error), 403
    with current_runtime().db.transaction() as session:
        _audit(session, caller, "login")
    return keep_session(
        redirect(f"{PREFIX}/"), token, login_path=PREFIX, secure=current_runtime().config.secure_cookies
    )


@console.post("/logout")
def logout():
    return end_session(redirect(f"{PREFIX}/login"))


@console.get("/")
def queues():
    caller, token = _staff()
    if caller is None:
        return _to_login()
    status = request.args.get("status") or ApplicationState.SUBMITTED.value
    if status not in ApplicationState._value2member_map_:
        status = ApplicationState.SUBMITTED.value
    with current_runtime().db.transaction() as session:
        counts = dict(session.execute(select(Application.state, func.count()).group_by(Application.state)).all())
        items = session.scalars(
            select(Application).where(Application.state == status).order_by(Application.created_at).limit(200)
        ).all()
        booked = session.scalars(
            select(Appointment).where(Appointment.state == "booked").order_by(Appointment.slot_start).limit(50)
        ).all()
        _audit(session, caller, "view_queue", subject=status)
    return render_template(
        "withdrawals_console/queue.html",
        caller=caller,
        csrf=csrf_token(token, CONSOLE),
        status=status,
        labels=APPLICATION_LABELS,
        counts=counts,
        items=items,
        appointments=booked,
    )


@console.get("/applications/<application_id>")
def case_page(application_id):
    caller, token = _staff()
    if caller is None:
        return _to_login()
    with current_runtime().db.transaction() as session:
        case = session.get(Application, application_id)
        if case is None:
            return render_template(
                "withdrawals_console/missing.html", caller=caller, csrf=csrf_token(token, CONSOLE)
            ), 404
        view = staff_view(session, case, caller)
        _audit(session, caller, "view_case", subject=case.id, detail=case.application_no)
    return render_template(
        "withdrawals_console/case.html",
        caller=caller,
        csrf=csrf_token(token, CONSOLE),
        case=view,
        labels=APPLICATION_LABELS,
        message=request.args.get("message"),
    )


@console.post("/applications/<application_id>/transitions")
def act(application_id):
    caller, token = _staff()
    if caller is None:
        return _to_login()
    if not csrf_ok(token, CONSOLE):
        return make_response("请求已失效，请返回页面刷新后重试", 403)
    to, opinion = request.form.get("to", ""), request.form.get("opinion", "").strip() or None
    try:
        with current_runtime().db.transaction() as session:
            case = session.get(Application, application_id, with_for_update=True)
            if case is None:
                return make_response("提取申请不存在", 404)
            transition(session, case, to, opinion, caller)
            _audit(session, caller, "transition", subject=case.id, detail=to)
        message = "操作成功"
    except (ApiError, RuleViolation) as refused:
        message = refused.detail
    return redirect(f"{PREFIX}/applications/{application_id}?message={quote(message)}")


@console.get("/audit")
def audit_log():
    caller, token = _staff()
    if caller is None:
        return _to_login()
    with current_runtime().db.transaction() as session:
        rows = session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(200)).all()
    return render_template("withdrawals_console/audit.html", caller=caller, csrf=csrf_token(token, CONSOLE), rows=rows)
