"""Staff consoles' shared plumbing: sign-in through identity's staff sessions, the HttpOnly token cookie, and
CSRF protection (a nonce cookie for the login form, a token-bound value on every other form), and China time on
the pages."""

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import Blueprint, Flask, Response, request

from chassis import clock
from chassis.auth import Caller
from chassis.errors import ApiError
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
