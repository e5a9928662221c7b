"""The staff console, written once: `StaffConsole` gives a service's console its sign-in through identity's staff
sessions, logout (CSRF-checked), the page guard, the idle timeout, cookies marked Secure from config, the shared
look (templates console/*.html and console.css) and one audit-trail shape, written as Chinese sentences.

Below it, the plumbing: the HttpOnly token cookie, CSRF protection (a nonce cookie for the login form, a
token-bound value on every other form), China time on the pages and the Chinese names of roles and centres."""

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, make_response, redirect, render_template, request, url_for
from sqlalchemy import func, select

from chassis import clock
from chassis.auth import Caller
from chassis.errors import ApiError
from chassis.pii import mask_id_number
from chassis.runtime import current_runtime

TOKEN_COOKIE = "hall_staff_token"  # chassis.auth.bearer_token reads it too
LOGIN_NONCE_COOKIE = "hall_console_login"
STAFF_SESSIONS = "/api/v1/identity/staff-sessions"
_UNAVAILABLE = ("AUTH_UNAVAILABLE", "登录服务暂不可用，请稍后再试", 503)


def open_staff_session(username: str, password: str) -> str:
    """The staff access token for these credentials; ApiError with identity's code and Chinese detail if not."""
    from chassis.client_address import client_address

    headers = {"X-Forwarded-For": client_address()}
    try:
        reply = (
            current_runtime()
            .client("identity")
            .post_json(STAFF_SESSIONS, {"username": username, "password": password}, headers=headers)
        )
    except (ConnectionError, OSError) as error:
        raise ApiError(*_UNAVAILABLE) from error
    body = reply.body or {}
    if reply.status in (200, 201) and body.get("access_token"):
        return body["access_token"]
    if reply.status >= 500 or reply.status == 404:
        raise ApiError(*_UNAVAILABLE)
    raise ApiError(body.get("code") or "BAD_CREDENTIALS", body.get("detail") or "用户名或密码错误", reply.status)


def issue_login_nonce(response: Response, path: str) -> str:
    """Double-submit nonce for the login form (there is no session yet to bind a token to)."""
    nonce = secrets.token_urlsafe(24)
    response.set_cookie(
        LOGIN_NONCE_COOKIE, nonce, httponly=True, samesite="Strict", secure=request.is_secure, path=path
    )
    return nonce


def login_nonce_ok() -> bool:
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "")
    return bool(nonce) and hmac.compare_digest(nonce, request.form.get("csrf_token", ""))


def keep_session(response: Response, token: str, login_path: str, secure: bool = False) -> Response:
    """Sign the browser in; `secure` forces the Secure flag where TLS ends before the service sees the request."""
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=secure or request.is_secure,
        path="/",
        max_age=900,
    )
    response.delete_cookie(LOGIN_NONCE_COOKIE, path=login_path)
    return response


def end_session(response: Response) -> Response:
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


def csrf_token(token: str, console: str) -> str:
    """A form value another site can neither read nor compute: derived from the HttpOnly session token."""
    return hmac.new(token.encode(), f"{console}-console-csrf".encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(token: str, console: str) -> bool:
    return hmac.compare_digest(request.form.get("csrf_token", ""), csrf_token(token, console))


def staff_session() -> tuple[Caller, str] | tuple[None, None]:
    """Whoever the session cookie names, whatever their roles; (None, None) if it is missing, expired or forged.
    Identity being unreachable is not "signed out": that ApiError (503) propagates."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None, None
    try:
        caller = current_runtime().token_verifier.verify(token)
    except ApiError as error:
        if error.status == 401:
            return None, None
        raise
    return caller, token


def signed_in_staff(*roles: str) -> tuple[Caller, str] | tuple[None, None]:
    """The officer behind the session cookie if they hold one of `roles` (or admin); else (None, None)."""
    caller, token = staff_session()
    if caller is None or not caller.has_role("admin", *roles):
        return None, None
    return caller, token


def china_time(moment: datetime | str | None) -> str:
    """A stored moment as staff read it: China time to the minute (a naive value is UTC, as SQLite returns it)."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return clock.to_china(moment).strftime("%Y-%m-%d %H:%M")


def console_blueprint(name: str, import_name: str, prefix: str) -> Blueprint:
    """A console's blueprint: its Jinja templates, its stylesheet under <prefix>/static (the gateway's CSP
    forbids inline styles) and the `china_time` filter."""
    blueprint = Blueprint(
        name,
        import_name,
        url_prefix=prefix,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
    register_console_filters(blueprint)
    return blueprint


def register_console_filters(app_or_blueprint: Flask | Blueprint) -> None:
    """`{{ moment|china_time }}` in the console's templates."""
    if isinstance(app_or_blueprint, Blueprint):
        app_or_blueprint.add_app_template_filter(china_time, "china_time")
    else:
        app_or_blueprint.add_template_filter(china_time, "china_time")


# --- Chinese names of what the consoles show ------------------------------------------------------------------

ROLE_NAMES = {
    "admin": "系统管理员",
    "loan_officer": "中心贷款科",
    "loan_approver": "中心审批",
    "bank_officer": "委托银行",
    "withdrawal_officer": "提取业务经办",
}

CENTRE_NAMES = {
    "nx-region": "宁夏住房资金管理中心（区直）",
    "yinchuan": "银川住房公积金管理中心",
    "shizuishan": "石嘴山市住房公积金管理中心",
    "wuzhong": "吴忠市住房公积金管理中心",
    "guyuan": "固原市住房公积金管理中心",
    "zhongwei": "中卫市住房公积金管理中心",
}

UNKNOWN_STAFF = "其他工作人员"  # never a code or a UUID on a page


def role_names(roles: Iterable[str]) -> str:
    return "、".join(ROLE_NAMES.get(role, "工作人员") for role in roles)


def centre_name(code: str | None) -> str:
    return CENTRE_NAMES.get(code or "", code or "—")


def staff_label(caller: Caller) -> str:
    """How a signed-in officer is shown: 王建国（中心贷款科）."""
    return f"{caller.name or UNKNOWN_STAFF}（{role_names(caller.roles)}）"


# --- the console ----------------------------------------------------------------------------------------------

SEEN_COOKIE = "hall_console_seen"
_SHARED = Path(__file__).with_name("console_assets")


class NotSignedIn(Exception):
    """Raised by the page guard; the console answers it with the login page's address."""

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.message = message


class StaffConsole:
    """One service's console at `prefix`, for officers holding one of `roles` (admin passes too).

    `audit_model` is the service's audit table with the shape every console shares: at, staff, staff_name,
    action, subject, detail, sentence, client_ip. `home` is the endpoint (of this blueprint) signed-in staff land
    on. The service adds its pages to `console.blueprint` and guards them with `console.staff()` (GET) or
    `console.staff_and_csrf()` (POST)."""

    def __init__(
        self,
        name: str,
        import_name: str,
        prefix: str,
        *,
        title: str,
        roles: tuple[str, ...],
        audit_model: Any,
        forbidden: str,
        home: str = "queue",
        nav: tuple[tuple[str, str], ...] = (),
    ):
        self.name, self.prefix, self.title, self.roles = name, prefix, title, roles
        self.audit_model, self.forbidden, self.home, self.nav = audit_model, forbidden, home, nav
        self.csrf_scope = name
        blueprint = Blueprint(name, import_name, url_prefix=prefix, template_folder="templates")
        # the shared templates (console/base.html, console/login.html) and stylesheet, served under <prefix>/static
        shared = Blueprint(
            "shared",
            __name__,
            template_folder=str(_SHARED / "templates"),
            static_folder=str(_SHARED / "static"),
            static_url_path="/static",
        )
        blueprint.register_blueprint(shared)
        register_console_filters(blueprint)
        blueprint.add_url_rule("/login", "login_form", self._login_form, methods=["GET"])
        blueprint.add_url_rule("/login", "login", self._login, methods=["POST"])
        blueprint.add_url_rule("/logout", "logout", self._logout, methods=["POST"])
        blueprint.register_error_handler(NotSignedIn, self._to_login)
        blueprint.after_request(self._after)
        blueprint.context_processor(self._context)
        self.blueprint = blueprint

    # -- settings
    def _config(self):
        return current_runtime().config

    def secure_cookies(self) -> bool:
        """Secure is forced in production (TLS ends before the service sees the request) and wherever configured."""
        config = self._config()
        return bool(getattr(config, "secure_cookies", False)) or not getattr(config, "embedded", True)

    def idle_seconds(self) -> int:
        return int(getattr(self._config(), "console_idle_minutes", 30)) * 60

    # -- the guard
    def staff(self) -> tuple[Caller, str]:
        """The signed-in officer and their token. NotSignedIn (→ login page) without a session or after the idle
        timeout; 403 for someone signed in without one of this console's roles."""
        caller, token = staff_session()
        if caller is None:
            raise NotSignedIn()
        if not caller.has_role("admin", *self.roles):
            raise ApiError("FORBIDDEN", self.forbidden, 403)
        if self._idle_too_long(token):
            raise NotSignedIn("长时间未操作，登录已超时，请重新登录")
        request.environ["hall.console.token"] = token  # refresh the idle clock on the way out
        return caller, token

    def staff_and_csrf(self) -> tuple[Caller, str]:
        caller, token = self.staff()
        if not csrf_ok(token, self.csrf_scope):
            raise ApiError("CSRF_FAILED", "页面已过期或来源不明，请刷新后重试", 403)
        return caller, token

    def csrf(self, token: str) -> str:
        return csrf_token(token, self.csrf_scope)

    def _seen_value(self, token: str, at: int) -> str:
        mac = hmac.new(token.encode(), f"{self.name}-seen-{at}".encode(), hashlib.sha256).hexdigest()[:24]
        return f"{at}.{mac}"

    def _idle_too_long(self, token: str) -> bool:
        raw = request.cookies.get(SEEN_COOKIE, "")
        at, _, _mac = raw.partition(".")
        if not at.isdigit() or not hmac.compare_digest(raw, self._seen_value(token, int(at))):
            return False  # no (or a foreign) mark: the token's own expiry still bounds the session
        return clock.now().timestamp() - int(at) > self.idle_seconds()

    def _mark_seen(self, response: Response, token: str) -> None:
        response.set_cookie(
            SEEN_COOKIE,
            self._seen_value(token, int(clock.now().timestamp())),
            httponly=True,
            samesite="Strict",
            secure=self.secure_cookies() or request.is_secure,
            path=self.prefix,
        )

    def _after(self, response: Response) -> Response:
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        token = request.environ.get("hall.console.token")
        if token and response.status_code < 400:
            self._mark_seen(response, token)
        return response

    def _to_login(self, error: NotSignedIn):
        target = url_for(f"{self.name}.login_form", reason="timeout" if error.message else None)
        response = redirect(target)
        if error.message:
            end_session(response)
        return response

    # -- login and logout
    def _login_form(self):
        message = "长时间未操作，登录已超时，请重新登录" if request.args.get("reason") == "timeout" else None
        return self._login_page(message)

    def _login_page(self, message: str | None = None, status: int = 200, keep_nonce: bool = False):
        """The login form; a refused form keeps its nonce, so the officer can correct it and send it again."""
        response = make_response()
        nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "") if keep_nonce else issue_login_nonce(response, self.prefix)
        response.set_data(render_template("console/login.html", csrf_token=nonce, message=message))
        response.status_code = status
        return response

    def _login(self):
        if not login_nonce_ok():
            return self._login_page("页面已过期，请重新登录", status=400)
        username, password = request.form.get("username", "").strip(), request.form.get("password", "")
        if not username or not password:
            return self._login_page("请输入用户名和密码", status=422, keep_nonce=True)
        try:
            token = open_staff_session(username, password)
            caller = current_runtime().token_verifier.verify(token)
        except ApiError as error:
            return self._login_page(error.detail, status=error.status, keep_nonce=True)
        if not caller.has_role("admin", *self.roles):
            return self._login_page(self.forbidden, status=403, keep_nonce=True)
        with current_runtime().db.transaction() as session:
            self.audit(session, caller, "login", sentence=f"登录了{self.title}")
        response = keep_session(
            redirect(url_for(f"{self.name}.{self.home}")), token, login_path=self.prefix, secure=self.secure_cookies()
        )
        self._mark_seen(response, token)
        return response

    def _logout(self):
        caller, _token = self.staff_and_csrf()
        request.environ.pop("hall.console.token", None)
        with current_runtime().db.transaction() as session:
            self.audit(session, caller, "logout", sentence=f"退出了{self.title}")
        response = end_session(redirect(url_for(f"{self.name}.login_form")))
        response.delete_cookie(SEEN_COOKIE, path=self.prefix)
        return response

    # -- pages
    def _context(self) -> dict:
        return {
            "console": self,
            "static_endpoint": f"{self.name}.shared.static",
            "staff_label": staff_label,
            "centre_name": centre_name,
        }

    def render(self, template: str, caller: Caller, token: str, status: int = 200, **context):
        return render_template(template, caller=caller, csrf_token=self.csrf(token), **context), status

    # -- the audit trail
    def audit(
        self,
        session,
        caller: Caller,
        action: str,
        subject: str | None = None,
        detail: str | None = None,
        sentence: str = "",
    ) -> None:
        """One line of the trail: `sentence` says what happened after the officer's name (王建国 查看了…)."""
        name = caller.name or UNKNOWN_STAFF
        session.add(
            self.audit_model(
                at=clock.now(),
                staff=caller.sub,
                staff_name=name[:64],
                action=action,
                subject=subject,
                detail=(detail or None) and detail[:200],
                sentence=f"{name}{sentence}"[:300],
                client_ip=request.remote_addr,
            )
        )

    def staff_names(self, session, subs: Iterable[str]) -> dict[str, str]:
        """The names officers signed in under, from the trail (the console's staff directory)."""
        wanted = {sub for sub in subs if sub}
        if not wanted:
            return {}
        model = self.audit_model
        latest = (
            select(model.staff, func.max(model.id).label("last"))
            .where(model.staff.in_(wanted), model.staff_name.is_not(None))
            .group_by(model.staff)
            .subquery()
        )
        rows = session.execute(select(model.staff, model.staff_name).join(latest, model.id == latest.c.last))
        return {staff: name for staff, name in rows}

    def name_of(self, names: dict[str, str], sub: str | None, fallback: Callable[[str], str] | None = None) -> str:
        if not sub:
            return "—"
        return names.get(sub) or (fallback(sub) if fallback else UNKNOWN_STAFF)

    def staff_directory(self, session) -> list[tuple[str, str]]:
        """(staff, name) of everyone in the trail, by name: the choices of the per-officer audit view."""
        model = self.audit_model
        names = self.staff_names(session, session.scalars(select(model.staff).distinct()))
        return sorted(names.items(), key=lambda item: item[1])

    def audit_view(self, caller: Caller, token: str, *, subject: str | None = None, heading: str | None = None):
        """The trail as a page: of one case (`subject`), or of everyone, or of one officer (`?staff=`)."""
        staff = request.args.get("staff") or None
        with current_runtime().db.transaction() as session:
            rows = self.trail(session, subject=subject, staff=staff, limit=500)
            people = self.staff_directory(session)
            who = dict(people).get(staff or "", UNKNOWN_STAFF) if staff else None
            what = heading or (f"{who}的操作" if who else "全部操作")
            self.audit(session, caller, "view_audit", subject, sentence=f"查看了操作记录：{what}")
        return self.render(
            "console/audit.html", caller, token, rows=rows, people=people, staff=staff, heading=what, subject=subject
        )

    def trail(self, session, *, subject: str | None = None, staff: str | None = None, limit: int = 200) -> list:
        model = self.audit_model
        statement = select(model).order_by(model.id.desc()).limit(limit)
        if subject is not None:
            statement = statement.where(model.subject == subject)
        if staff is not None:
            statement = statement.where(model.staff == staff)
        return list(session.scalars(statement))


# --- work queues ----------------------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50
_APPLICATION_NO = re.compile(r"^[A-Z]{2}\d{8,}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class QueueColumns:
    """Which columns of a service's case table the queue filters read."""

    state: Any
    center: Any
    submitted: Any
    waiting_since: Any  # when the case entered its current state
    number: Any  # the business number (申请编号)
    id_number: Any
    name: Any
    key: Any  # a unique column that makes the order total


@dataclass(frozen=True)
class QueueFilters:
    """A queue page's filters, read from the query string: state, centre, submission dates, days waiting, one
    search term (business number, ID number or name), page and order (oldest first unless asked)."""

    state: str | None = None
    center: str | None = None
    submitted_from: date | None = None
    submitted_to: date | None = None
    min_days: int | None = None
    q: str | None = None
    page: int = 1
    newest_first: bool = False
    problems: tuple[str, ...] = ()

    @classmethod
    def from_request(cls, states: Iterable[str]) -> "QueueFilters":
        args, problems = request.args, []
        state = args.get("status") or None
        if state is not None and state not in set(states):
            problems.append("所选状态不在本岗位的待办范围内")
            state = None
        center = args.get("center") or None
        if center is not None and center not in CENTRE_NAMES:
            problems.append("没有这个管理中心")
            center = None
        dates = []
        for key, label in (("from", "提交日期起"), ("to", "提交日期止")):
            raw = (args.get(key) or "").strip()
            try:
                dates.append(date.fromisoformat(raw) if raw else None)
            except ValueError:
                problems.append(f"{label}应为 年-月-日，如 2025-03-01")
                dates.append(None)
        raw_days = (args.get("days") or "").strip()
        min_days = int(raw_days) if raw_days.isdigit() and int(raw_days) < 10000 else None
        if raw_days and min_days is None:
            problems.append("等待天数应为 0 至 9999 的整数")
        raw_page = args.get("page", "1")
        q = (args.get("q") or "").strip().upper()[:32] or None
        return cls(
            state=state,
            center=center,
            submitted_from=dates[0],
            submitted_to=dates[1],
            min_days=min_days,
            q=q,
            page=max(int(raw_page), 1) if raw_page.isdigit() and len(raw_page) < 7 else 1,
            newest_first=args.get("order") == "newest",
            problems=tuple(problems),
        )

    def search_kind(self) -> str | None:
        if not self.q:
            return None
        if _APPLICATION_NO.match(self.q):
            return "number"
        if _ID_NUMBER.match(self.q):
            return "id_number"
        return "name"

    def masked_q(self) -> str:
        """The search term as the trail keeps it: an ID number masked."""
        return mask_id_number(self.q) if self.search_kind() == "id_number" else (self.q or "")

    def box_value(self) -> str:
        """What the search box shows again: never a whole ID number (the result line shows it masked)."""
        return "" if self.search_kind() == "id_number" else (self.q or "")

    def narrowed(self, statement, columns: QueueColumns, with_state: bool = True):
        """`statement` with every filter but the order and the page (`with_state=False` leaves the state out, for
        the counts per state)."""
        if with_state and self.state:
            statement = statement.where(columns.state == self.state)
        if self.center:
            statement = statement.where(columns.center == self.center)
        if self.submitted_from:
            statement = statement.where(columns.submitted >= clock.start_of_day(self.submitted_from))
        if self.submitted_to:
            statement = statement.where(columns.submitted < clock.start_of_day(self.submitted_to + timedelta(days=1)))
        if self.min_days is not None:
            statement = statement.where(
                columns.waiting_since < clock.start_of_day(clock.today() - timedelta(days=self.min_days - 1))
            )
        kind = self.search_kind()
        if kind == "number":
            statement = statement.where(columns.number == self.q)
        elif kind == "id_number":
            statement = statement.where(columns.id_number == self.q)
        elif kind == "name":
            statement = statement.where(columns.name.like(self.q.replace("%", "").replace("_", "") + "%"))
        return statement

    def ordered_page(self, statement, columns: QueueColumns, size: int = QUEUE_PAGE_SIZE):
        order = (
            (columns.submitted.desc(), columns.key.desc()) if self.newest_first else (columns.submitted, columns.key)
        )
        return statement.order_by(*order).limit(size).offset((self.page - 1) * size)

    def query_args(self, **changes) -> dict:
        """The filters as query-string arguments (for the pager and the tabs), without the empty ones."""
        values = {
            "status": self.state,
            "center": self.center,
            "from": self.submitted_from.isoformat() if self.submitted_from else None,
            "to": self.submitted_to.isoformat() if self.submitted_to else None,
            "days": self.min_days,
            "q": self.q,
            "order": "newest" if self.newest_first else None,
            "page": self.page if self.page > 1 else None,
        }
        values.update(changes)
        return {key: value for key, value in values.items() if value not in (None, "")}


def days_waiting(since: datetime | None) -> int:
    """Whole days since a case entered its state, as the queue shows them (0 = today)."""
    if since is None:
        return 0
    return (clock.today() - clock.day_of(since)).days
