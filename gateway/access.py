"""Which API routes anyone may call, and the token check the gateway makes before forwarding the rest."""

import re

from flask import Request, g

from chassis.auth import TokenVerifier, bearer_token
from chassis.errors import ApiError

# (method, path pattern): callable without logging in — registration, login, the calculator, the directory
PUBLIC_ROUTES: list[tuple[str, re.Pattern[str]]] = [
    (method, re.compile(pattern))
    for method, pattern in [
        ("POST", r"^/api/v1/identity/(captchas|sms-codes|registrations(/verify)?|password-resets(/verify)?)$"),
        ("POST", r"^/api/v1/identity/(sessions|sessions/refresh|staff-sessions)$"),
        ("GET", r"^/api/v1/[a-z]+/(openapi\.json|livez|readyz)$"),
        ("GET", r"^/api/v1/accounts/(centers|centers/[\w-]+/branches|guides|guides/[\w-]+)$"),
        ("GET", r"^/api/v1/(accounts|loans)/certificates/[\w-]+$"),  # anyone checks a certificate by its code
        ("POST", r"^/api/v1/loans/calculator(/prepayment)?$"),
        ("GET", r"^/api/v1/loans/(rates|banks)$"),
        ("GET", r"^/api/v1/withdrawals/(reasons|branches/[\w-]+/slots)$"),
        ("GET", r"^/api/v1/notifications/dev/sms$"),
    ]
]


def is_public(method: str, path: str) -> bool:
    if method in ("OPTIONS", "HEAD"):
        return True
    return any(method == allowed and pattern.match(path) for allowed, pattern in PUBLIC_ROUTES)


def check_access(request: Request, verifier: TokenVerifier) -> None:
    """Verify the token of a protected API call before it reaches a service; remember the caller for rate
    limits. Services check again (they never trust the gateway alone)."""
    token = bearer_token()
    if token:
        try:
            g.caller = verifier.verify(token)
        except ApiError:
            if not is_public(request.method, request.path):
                raise
        return
    if not is_public(request.method, request.path):
        raise ApiError("UNAUTHENTICATED", "请先登录", 401)
