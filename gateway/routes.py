"""The gateway's one route table: every service prefix, the public (no token) paths, the console and dev paths,
and the rate-limit classes.

Both gateways are made from it, so they cannot drift: the embedded gateway of `make run` (gateway/embedded.py)
reads it at run time, and the HAProxy edge of `make up` and Kubernetes gets its config generated from it
(`python -m gateway.haproxy_config`). Patterns are regular expressions both Python's `re` and HAProxy's PCRE2
read alike (no `\\w`, anchors on both ends).
"""

import re
from dataclasses import dataclass

SERVICES = ("identity", "accounts", "loans", "withdrawals", "notifications")

# the Chinese name a 503 uses for each service
SERVICE_TITLES = {
    "identity": "登录认证",
    "accounts": "个人账户",
    "loans": "贷款",
    "withdrawals": "提取",
    "notifications": "消息",
}

API_PREFIX = "/api/v1/"


@dataclass(frozen=True)
class OtherPath:
    """A path outside /api/v1/<service>/ that a service answers. Such paths carry their own sign-in (the
    consoles' HttpOnly cookie) or none (the JWKS), so the edge forwards them without a bearer token;
    `dev` paths exist only where the development SMS inbox is on."""

    prefix: str
    service: str
    dev: bool = False


OTHER_PATHS = (
    OtherPath("/.well-known/jwks.json", "identity"),
    OtherPath("/console/loans", "loans"),
    OtherPath("/console/withdrawals", "withdrawals"),
    OtherPath("/dev/sms", "notifications", dev=True),
)

_ID = "[A-Za-z0-9_-]+"

# (method, pattern): callable without logging in — registration, login, the calculator, the directory
PUBLIC_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", r"^/api/v1/identity/(captchas|sms-codes|registrations(/verify)?|password-resets(/verify)?)$"),
    ("POST", r"^/api/v1/identity/(sessions|sessions/refresh|staff-sessions)$"),
    ("GET", r"^/api/v1/[a-z]+/(openapi\.json|livez|readyz)$"),
    ("GET", rf"^/api/v1/accounts/(centers|centers/{_ID}/branches|access-links|guides|guides/{_ID})$"),
    ("POST", r"^/api/v1/loans/calculator(/prepayment)?$"),
    ("GET", r"^/api/v1/loans/(rates|banks)$"),
    ("GET", rf"^/api/v1/withdrawals/(reasons|branches/{_ID}/slots)$"),
    ("GET", r"^/api/v1/notifications/dev/sms$"),
    # anyone holding a certificate (a bank, an embassy, a landlord) checks it by its code
    ("GET", rf"^/api/v1/(accounts|loans)/certificates/{_ID}$"),
)

# methods that never need a token (CORS preflights; HEAD answers no body)
TOKENLESS_METHODS = ("OPTIONS", "HEAD")
# methods the edge may send again to another server after a failure
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class RateClass:
    """At most `requests` in `period_seconds`, counted per `key` ("ip": the client address the edge saw,
    "user": the `sub` of a verified token). A refusal is a 429 with Retry-After: `period_seconds`."""

    name: str
    requests: int
    period_seconds: int
    key: str = "ip"
    method: str = ""  # "" = any method
    pattern: str = ""  # "" = every API path


# stricter on what people call before they are logged in: captchas, SMS codes, logins, registration, resets
STRICT_CLASSES = (
    RateClass("captcha", 30, 60, method="POST", pattern=r"^/api/v1/identity/captchas$"),
    RateClass("sms_code", 5, 60, method="POST", pattern=r"^/api/v1/identity/sms-codes$"),
    RateClass("login", 20, 60, method="POST", pattern=r"^/api/v1/identity/(sessions|staff-sessions)$"),
    RateClass("registration", 20, 60, method="POST", pattern=r"^/api/v1/identity/registrations(/verify)?$"),
    RateClass("password_reset", 20, 60, method="POST", pattern=r"^/api/v1/identity/password-resets(/verify)?$"),
    # one counter per address over every code, so that codes cannot be tried one after another
    RateClass("certificate_check", 30, 60, method="GET", pattern=rf"^/api/v1/(accounts|loans)/certificates/{_ID}$"),
)
GENERAL_CLASSES = (
    RateClass("per_ip", 600, 60, key="ip"),
    RateClass("per_user", 300, 60, key="user"),
)
RATE_CLASSES = STRICT_CLASSES + GENERAL_CLASSES

# the largest request body the edge lets through (each service refuses more than 256 KiB itself)
MAX_BODY_BYTES = 2 * 1024 * 1024

# an incoming X-Request-ID is kept only if it looks like one; otherwise the edge makes a new one
REQUEST_ID_PATTERN = r"^[A-Za-z0-9._:-]{8,64}$"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
SECURITY_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
CORS_ALLOW_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
CORS_MAX_AGE = 600

# the refusals both gateways give, word for word
PROBLEMS = {
    "not_found": (404, "NOT_FOUND", "请求的资源不存在"),
    "unauthenticated": (401, "UNAUTHENTICATED", "请先登录"),
    "token_invalid": (401, "TOKEN_INVALID", "登录状态无效，请重新登录"),
    # a session ended (logout, password change or reset, lock): the services' own refusal (chassis/auth.py),
    # given by the edge when the token's sid is on its revocation list (gateway/revocation_feeder.py)
    "token_revoked": (401, "TOKEN_REVOKED", "登录已退出或已失效，请重新登录"),
    "too_many": (429, "TOO_MANY_REQUESTS", "操作过于频繁，请稍后再试"),
    "too_large": (413, "PAYLOAD_TOO_LARGE", "请求内容过大"),
    "length_required": (411, "LENGTH_REQUIRED", "请求须注明内容长度"),
}


def unavailable_detail(service: str) -> str:
    return f"{SERVICE_TITLES.get(service, service)}服务暂不可用，请稍后再试"


@dataclass(frozen=True)
class Match:
    """Where a request goes: a service (with whether it needs a token at the edge), or the web app."""

    service: str | None  # None: the web app (hall pages, /api/docs, /livez, /readyz)
    needs_token: bool = False
    unknown_service: bool = False


_PUBLIC = tuple((method, re.compile(pattern)) for method, pattern in PUBLIC_ROUTES)
_STRICT = tuple((rate, re.compile(rate.pattern)) for rate in STRICT_CLASSES)


def is_public(method: str, path: str) -> bool:
    if method in TOKENLESS_METHODS:
        return True
    return any(method == allowed and pattern.match(path) for allowed, pattern in _PUBLIC)


def strict_class(method: str, path: str) -> RateClass | None:
    for rate, pattern in _STRICT:
        if rate.method in ("", method) and pattern.match(path):
            return rate
    return None


def other_paths(dev: bool) -> tuple[OtherPath, ...]:
    return tuple(other for other in OTHER_PATHS if dev or not other.dev)


def match(method: str, path: str, dev: bool = True) -> Match:
    if path.startswith(API_PREFIX):
        service = path[len(API_PREFIX) :].split("/", 1)[0]
        if service not in SERVICES or path == API_PREFIX + service:
            return Match(None, unknown_service=True)
        return Match(service, needs_token=not is_public(method, path))
    for other in other_paths(dev):
        if path == other.prefix or path.startswith(other.prefix + "/"):
            return Match(other.service)
    return Match(None)
