"""The withdrawal officers' console at /console/withdrawals/: login, queues, case page, actions, audit of views.

Staff log in through identity; the token is kept in an HttpOnly SameSite=Strict cookie, and every form carries
a CSRF token derived from it (a page on another site can neither read the cookie nor compute the token).
"""

import hashlib
import hmac
import secrets
from urllib.parse import quote

import requests
from flask import Blueprint, make_response, redirect, render_template, request
from sqlalchemy import func, select
from werkzeug.test import Client

from chassis.errors import ApiError
from chassis.http import local_app
from chassis.runtime import current_runtime
from services.withdrawals import cases, clock
from services.withdrawals.domain.workflow import APPLICATION_LABELS, WITHDRAWAL_OFFICER, ApplicationState
from services.withdrawals.models import Application, Appointment, ConsoleAudit
from services.withdrawals.staff_api import staff_view, transition

console = Blueprint("withdrawals_console", __name__, url_prefix="/console/withdrawals", template_folder="templates")
TOKEN_COOKIE, LOGIN_CSRF_COOKIE = "hall_staff_token", "hall_console_csrf"
PREFIX = "/console/withdrawals"


class LoginRefused(Exception):
    pass


def staff_login(username: str, password: str) -> str:
    """A staff token from identity: over HTTP when it runs apart, in process when embedded."""
    runtime = current_runtime()
    path, body = "/api/v1/identity/staff-sessions", {"username": username, "password": password}
    base = runtime.config.service_url("identity")
    try:
        if base:
            response = requests.post(base + path, json=body, timeout=5)
            status, reply = response.status_code, (response.json() if response.content else {})
        else:
            app = local_app("identity")
            if app is None:
                raise LoginRefused("登录服务暂不可用，请稍后再试")
            response = Client(app).post(path, json=body)
            status, reply = response.status_code, response.get_json(silent=True) or {}
    except (requests.RequestException, ValueError) as error:
        raise LoginRefused("登录服务暂不可用，请稍后再试") from error
    if status != 201 or not reply.get("access_token"):
        raise LoginRefused(reply.get("detail") or "用户名或密码错误")
    return reply["access_token"]


def csrf_token(token: str) -> str:
    return hmac.new(token.encode(), b"withdrawals-console-csrf", hashlib.sha256).hexdigest()[:40]


def _staff():
    """The logged-in officer, or None (the page then sends them to the login form)."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None, None
    try:
        caller = current_runtime().token_verifier.verify(token)
    except ApiError:
        return None, None
    if not caller.has_role("admin", WITHDRAWAL_OFFICER):
        return None, None
    return caller, token


def _audit(session, caller, action: str, subject: str | None = None, detail: str | None = None) -> None:
    session.add(ConsoleAudit(staff_id=caller.sub, action=action, subject=subject, detail=detail, at=clock.now()))


def _check_csrf(token: str) -> bool:
    return hmac.compare_digest(request.form.get("csrf_token", ""), csrf_token(token))


def _to_login():
    return redirect(f"{PREFIX}/login")


@console.get("/login")
def login_form():
    nonce = secrets.token_urlsafe(24)
    response = make_response(render_template("withdrawals_console/login.html", csrf=nonce, error=None))
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, httponly=True, samesite="Strict", path=PREFIX)
    return response


@console.post("/login")
def login():
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce, request.form.get("csrf_token", "")):
        return render_template("withdrawals_console/login.html", csrf=nonce, error="页面已过期，请刷新后重试"), 400
    try:
        token = staff_login(request.form.get("username", "").strip(), request.form.get("password", ""))
    except LoginRefused as refused:
        return render_template("withdrawals_console/login.html", csrf=nonce, error=str(refused)), 401
    try:
        caller = current_runtime().token_verifier.verify(token)
    except ApiError:
        caller = None
    if caller is None or not caller.has_role("admin", WITHDRAWAL_OFFICER):
        error = "该账号没有提取业务经办权限"
        return render_template("withdrawals_console/login.html", csrf=nonce, error=error), 403
    with current_runtime().db.transaction() as session:
        _audit(session, caller, "login")
    response = redirect(f"{PREFIX}/")
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=current_runtime().config.secure_cookies,
        path="/",
    )
    return response


@console.post("/logout")
def logout():
    response = redirect(f"{PREFIX}/login")
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


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
        csrf=csrf_token(token),
        status=status,
        labels=APPLICATION_LABELS,
        counts=counts,
        items=items,
        appointments=booked,
        stamp=cases.stamp,
    )


@console.get("/applications/<application_id>")
def case_page(application_id):
    caller, token = _staff()
    if caller is None:
        return _to_login()
    with current_runtime().db.transaction() as session:
        case = session.get(Application, application_id)
        if case is None:
            return render_template("withdrawals_console/missing.html", caller=caller, csrf=csrf_token(token)), 404
        view = staff_view(session, case, caller)
        _audit(session, caller, "view_case", subject=case.id, detail=case.application_no)
    return render_template(
        "withdrawals_console/case.html",
        caller=caller,
        csrf=csrf_token(token),
        case=view,
        labels=APPLICATION_LABELS,
        message=request.args.get("message"),
    )


@console.post("/applications/<application_id>/transitions")
def act(application_id):
    caller, token = _staff()
    if caller is None:
        return _to_login()
    if not _check_csrf(token):
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
    except ApiError as refused:
        message = refused.detail
    return redirect(f"{PREFIX}/applications/{application_id}?message={quote(message)}")


@console.get("/audit")
def audit_log():
    caller, token = _staff()
    if caller is None:
        return _to_login()
    with current_runtime().db.transaction() as session:
        rows = session.scalars(select(ConsoleAudit).order_by(ConsoleAudit.id.desc()).limit(200)).all()
    return render_template(
        "withdrawals_console/audit.html", caller=caller, csrf=csrf_token(token), rows=rows, stamp=cases.stamp
    )
