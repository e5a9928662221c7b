"""Problem+json errors: a stable upper-snake-case code, a Chinese detail for users, field errors for forms."""

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from werkzeug.exceptions import HTTPException

from chassis.rules import RuleViolation

PROBLEM_JSON = "application/problem+json"


class ApiError(Exception):
    """An error the caller can act on. Business code raises it (or a domain error mapped to it)."""

    def __init__(
        self,
        code: str,
        detail: str,
        status: int = 400,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.status = status
        self.errors = errors or {}
        self.headers = headers or {}
        self.extra = extra


_GENERIC = {
    400: ("BAD_REQUEST", "请求格式不正确"),
    401: ("UNAUTHENTICATED", "请先登录"),
    403: ("FORBIDDEN", "无权访问"),
    404: ("NOT_FOUND", "请求的内容不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    409: ("CONFLICT", "数据已被他人修改，请刷新后重试"),
    413: ("PAYLOAD_TOO_LARGE", "提交的内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "请以JSON格式提交"),
    422: ("VALIDATION_FAILED", "提交的信息有误，请检查后重试"),
    429: ("TOO_MANY_REQUESTS", "操作过于频繁，请稍后再试"),
    500: ("INTERNAL_ERROR", "系统繁忙，请稍后再试"),
    503: ("SERVICE_UNAVAILABLE", "服务暂不可用，请稍后再试"),
}

# marshmallow and webargs speak English; users read Chinese
_FIELD_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing data for required field"), "此项为必填项"),
    (re.compile(r"^Field may not be null"), "此项不能为空"),
    (re.compile(r"^Unknown field"), "不支持的字段"),
    (re.compile(r"^Not a valid integer"), "请输入整数"),
    (re.compile(r"^Not a valid (number|decimal|Decimal)"), "请输入正确的数字"),
    (re.compile(r"^Not a valid string"), "请输入文字"),
    (re.compile(r"^Not a valid boolean"), "请选择是或否"),
    (re.compile(r"^Not a valid date\b"), "日期格式应为YYYY-MM-DD"),
    (re.compile(r"^Not a valid datetime"), "时间格式不正确"),
    (re.compile(r"^Not a valid email"), "电子邮箱格式不正确"),
    (re.compile(r"^Not a valid (list|mapping type)"), "格式不正确"),
    (re.compile(r"^Must be one of"), "请从给定选项中选择"),
    (re.compile(r"^Shorter than minimum length (\d+)"), "长度不能少于{0}位"),
    (re.compile(r"^Longer than maximum length (\d+)"), "长度不能超过{0}位"),
    (re.compile(r"^Length must be between (\d+) and (\d+)"), "长度应为{0}至{1}位"),
    (
        re.compile(r"^Must be greater than or equal to (\S+?)\.? and less than or equal to (\S+?)\.?$"),
        "应在{0}至{1}之间",
    ),
    (re.compile(r"^Must be greater than or equal to (\S+?)\.?$"), "不能小于{0}"),
    (re.compile(r"^Must be less than or equal to (\S+?)\.?$"), "不能大于{0}"),
    (re.compile(r"^Must be greater than (\S+?)\.?$"), "应大于{0}"),
    (re.compile(r"^String does not match expected pattern"), "格式不正确"),
    (re.compile(r"^Invalid input type"), "请以JSON格式提交"),
]


def translate(message: str) -> str:
    if re.search(r"[\u4e00-\u9fff]", message):
        return message
    for pattern, chinese in _FIELD_MESSAGES:
        match = pattern.match(message)
        if match:
            return chinese.format(*match.groups())
    return "输入不正确"


def flatten_field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nested messages → {"house.price": ["..."]} with Chinese texts."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "form", "querystring", "files", "headers", "view_args") and not prefix:
                flat.update(flatten_field_errors(value, ""))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_field_errors(value, name))
    elif isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        flat[prefix or "_schema"] = [translate(item) for item in messages]
    elif isinstance(messages, list):
        for index, item in enumerate(messages):
            flat.update(flatten_field_errors(item, f"{prefix}[{index}]"))
    elif isinstance(messages, str):
        flat[prefix or "_schema"] = [translate(messages)]
    return flat


def problem_response(
    status: int,
    code: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": f"https://nx-hall.example/problems/{code.lower().replace('_', '-')}",
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else code,
        "status": status,
        "code": code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    request_id = getattr(g, "request_id", None) if _has_request() else None
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _has_request() -> bool:
    try:
        return bool(request)
    except RuntimeError:
        return False


def status_of(error: "ApiError | RuleViolation") -> int:
    """The HTTP status this service gives a refusal: the ApiError's own, or the service's one mapping of domain
    codes (a code it does not name is a 422, as for bad input). Consoles use it to answer their pages."""
    if isinstance(error, ApiError):
        return error.status
    return current_app.extensions.get("hall.error_statuses", {}).get(error.code, 422)


def database_unavailable(error: Exception) -> bool:
    """A connection that could not be made or was lost, as opposed to a statement the database refused."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    if type(error.orig).__module__.startswith("sqlite3"):
        # SQLite's OperationalError also means a missing table (a defect); only a busy or unopenable file is "away"
        return any(text in str(error.orig) for text in ("locked", "unable to open", "disk I/O"))
    return True


def install_error_handlers(app: Flask, error_statuses: Mapping[str, int] | None = None) -> None:
    app.extensions["hall.error_statuses"] = dict(error_statuses or {})

    @app.errorhandler(RuleViolation)
    def _rule_violation(violation: RuleViolation) -> Response:
        status = status_of(violation)
        headers = {"Retry-After": str(violation.retry_after)} if violation.retry_after else {}
        extra = violation.problem_extra()
        if violation.retry_after:
            extra.setdefault("retry_after", violation.retry_after)
        return problem_response(status, violation.code, violation.detail, violation.field_errors(), headers, **extra)

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return problem_response(error.status, error.code, error.detail, error.errors, error.headers, **error.extra)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        if isinstance(getattr(error, "response", None), Response):
            return error.response  # a complete answer was built already (e.g. the rate limiter's 429)
        status = error.code or 500
        code, detail = _GENERIC.get(status, ("HTTP_ERROR", "请求无法处理"))
        errors = None
        data = getattr(error, "data", None) or {}
        if "messages" in data:  # webargs validation
            errors = flatten_field_errors(data["messages"])
            status, code = 422, "VALIDATION_FAILED"
            detail = _GENERIC[422][1]
        headers = dict(data.get("headers") or {})
        allowed = getattr(error, "valid_methods", None)
        if status == 405 and allowed:
            headers["Allow"] = ", ".join(allowed)
        return problem_response(status, code, detail, errors, headers)

    from sqlalchemy.orm.exc import StaleDataError

    @app.errorhandler(StaleDataError)
    def _stale(_error: StaleDataError) -> Response:
        # optimistic locking: someone else changed the record first
        return problem_response(409, *_GENERIC[409])

    from sqlalchemy.exc import DBAPIError

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> Response:
        if not database_unavailable(error):
            return _unexpected(error)
        # the database is away (restart, failover, outage) or a pooled connection was cut under us: the pool drops
        # it, so a retry a moment later gets a new one; nothing was written
        app.logger.warning("database unavailable: %s", type(getattr(error, "orig", error)).__name__)
        return problem_response(503, "DATABASE_UNAVAILABLE", _GENERIC[503][1], headers={"Retry-After": "1"})

    from sqlalchemy.exc import TimeoutError as PoolTimeout

    @app.errorhandler(PoolTimeout)
    def _pool_exhausted(_error: PoolTimeout) -> Response:
        app.logger.warning("database pool exhausted")
        return problem_response(503, "DATABASE_BUSY", _GENERIC[503][1], headers={"Retry-After": "1"})

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        app.logger.exception("unhandled error: %s", type(error).__name__)
        return problem_response(500, *_GENERIC[500])
