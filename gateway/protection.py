"""Rate limits (per IP, per user; stricter on captchas, SMS codes and logins) and security headers."""

from flask import Flask, Response, g, request
from flask_cors import CORS
from flask_limiter import Limiter, RequestLimit

from chassis.errors import problem_response
from gateway import rate_limit_storage  # noqa: F401 (registers the batched+redis:// storage with `limits`)

# each: (path prefix, method, limit) — checked by IP, because these are called before anyone is logged in
STRICT_LIMITS = [
    ("/api/v1/identity/captchas", "POST", "30 per minute"),
    ("/api/v1/identity/sms-codes", "POST", "5 per minute;30 per hour"),
    ("/api/v1/identity/sessions", "POST", "20 per minute"),
    ("/api/v1/identity/staff-sessions", "POST", "20 per minute"),
    ("/api/v1/identity/registrations", "POST", "20 per minute"),
    ("/api/v1/identity/password-resets", "POST", "20 per minute"),
    # certificate checks by code: a prefix ending in "/" counts every code under it together, so codes cannot be
    # tried one after another
    ("/api/v1/accounts/certificates/", "GET", "30 per minute"),
    ("/api/v1/loans/certificates/", "GET", "30 per minute"),
]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def client_ip() -> str:
    return request.remote_addr or "unknown"


def caller_or_ip() -> str:
    caller = getattr(g, "caller", None)
    return f"user:{caller.sub}" if caller is not None else f"ip:{client_ip()}"


def install_rate_limits(app: Flask, storage_uri: str, per_ip: str, per_user: str) -> Limiter:
    def _on_breach(limit: RequestLimit) -> Response:
        return problem_response(
            429,
            "TOO_MANY_REQUESTS",
            "操作过于频繁，请稍后再试",
            headers={"Retry-After": str(max(1, int(limit.reset_at - __import__("time").time())))},
        )

    limiter = Limiter(
        key_func=client_ip,
        app=app,
        storage_uri=storage_uri,
        # one INCR per limit per request (a moving window costs a Lua script and more); 429s still carry
        # Retry-After, so the X-RateLimit headers (another read per request) stay off
        strategy="fixed-window",
        headers_enabled=False,
        on_breach=_on_breach,
        # a lost Redis must not take the hall down: fall back to per-process counting
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    app.extensions["hall.limiter"] = limiter
    app.config["HALL_LIMITS"] = {"per_ip": per_ip, "per_user": per_user}
    return limiter


def _strict_limit_of_request() -> str | None:
    for prefix, method, limit in STRICT_LIMITS:
        if request.method == method and request.path.startswith(prefix):
            return limit
    return None


def _strict_key() -> str:
    for prefix, method, _limit in STRICT_LIMITS:
        if prefix.endswith("/") and request.method == method and request.path.startswith(prefix):
            return f"strict:{prefix}:{client_ip()}"
    return f"strict:{request.path}:{client_ip()}"


def limits_for_api(limiter: Limiter, per_ip: str, per_user: str):
    """Decorators for the API forwarding view: a signed-in caller is counted per user, anyone else per IP; the
    routes people use before they log in (codes, captchas, logins) have their own, stricter limits per IP."""

    def general_limit() -> str:
        return per_user if getattr(g, "caller", None) is not None else per_ip

    def decorate(view):
        view = limiter.limit(general_limit, key_func=caller_or_ip)(view)
        view = limiter.limit(
            lambda: _strict_limit_of_request() or "1 per second",
            # "strict:" keys are counted in Redis on every hit, never in batches (rate_limit_storage.py)
            key_func=_strict_key,
            exempt_when=lambda: _strict_limit_of_request() is None,
        )(view)
        return view

    return decorate


def install_security_headers(app: Flask, cors_origins: tuple[str, ...]) -> None:
    if cors_origins:
        CORS(app, resources={r"/api/*": {"origins": list(cors_origins)}}, expose_headers=["X-Request-ID"])

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.path.startswith("/api/") or request.path.startswith("/console/"):
            response.headers["Cache-Control"] = "no-store"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
