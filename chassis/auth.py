"""Access tokens: RS256 JWTs verified against identity's JWKS (cached; an unknown `kid` triggers a fetch)."""

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from flask import g, request

from chassis import clock
from chassis.errors import ApiError

ALGORITHMS = ["RS256"]


@dataclass(frozen=True)
class Caller:
    sub: str
    center: str | None
    acct: str | None
    name: str | None
    roles: tuple[str, ...]
    # the login session the token belongs to (identity's `sid` claim), for logout and "other sessions"
    sid: str | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


class JwksKeys:
    """Public keys by `kid`. Refetched when a token names a kid we do not know (keys rotate), at most every
    `min_refetch_seconds`, and in any case every `max_age_seconds`."""

    def __init__(
        self,
        fetch: Callable[[], dict[str, Any]],
        max_age_seconds: float = 300,
        min_refetch_seconds: float = 10,
    ):
        self._fetch = fetch
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._max_age = max_age_seconds
        self._min_refetch = min_refetch_seconds
        self._lock = threading.Lock()

    def _refresh(self) -> None:
        document = self._fetch()
        keys = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "RSA" and jwk.get("kid"):
                keys[jwk["kid"]] = jwt.PyJWK(jwk, algorithm="RS256").key
        self._keys = keys
        self._fetched_at = time.monotonic()

    def key(self, kid: str) -> Any | None:
        with self._lock:
            age = time.monotonic() - self._fetched_at
            if not self._keys or age > self._max_age or (kid not in self._keys and age > self._min_refetch):
                try:
                    self._refresh()
                except Exception:
                    if not self._keys:
                        raise
            return self._keys.get(kid)


class TokenVerifier:
    """Verifies access tokens. A token already verified is remembered until it expires (a token never changes,
    and checking the same signature on every request of a session is most of the cost of a request)."""

    CACHE_SIZE = 20000

    def __init__(self, keys: JwksKeys, audience: str, issuer: str, revocations: Any = None):
        self.keys = keys
        self.audience = audience
        self.issuer = issuer
        # chassis.revocation.RevocationList: sessions ended before their tokens expire (logout, password change)
        self.revocations = revocations
        self._verified: dict[str, tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        if remembered is not None and remembered[0] > clock.timestamp():
            return self._not_revoked(remembered[1])
        caller, expires_at = self._verify(token)
        self._not_revoked(caller)
        with self._lock:
            if len(self._verified) >= self.CACHE_SIZE:
                now = clock.timestamp()
                self._verified = {key: value for key, value in self._verified.items() if value[0] > now}
                if len(self._verified) >= self.CACHE_SIZE:
                    self._verified.clear()
            self._verified[token] = (expires_at, caller)
        return caller

    def _not_revoked(self, caller: Caller) -> Caller:
        if caller.sid and self.revocations is not None and self.revocations.is_revoked(caller.sid):
            raise ApiError("TOKEN_REVOKED", "登录已退出或已失效，请重新登录", 401)
        return caller

    def _verify(self, token: str) -> tuple[Caller, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise _invalid() from error
        if header.get("alg") not in ALGORITHMS or not header.get("kid"):
            raise _invalid()
        try:
            key = self.keys.key(header["kid"])
        except Exception as error:
            raise ApiError("AUTH_UNAVAILABLE", "登录服务暂不可用，请稍后再试", 503) from error
        if key is None:
            raise _invalid()
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                # the times are checked below against the hall's clock, which PyJWT cannot be given
                options={
                    "require": ["exp", "iat", "sub", "aud", "iss"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidTokenError as error:
            raise _invalid() from error
        _check_times(claims)
        caller = Caller(
            sub=str(claims["sub"]),
            center=claims.get("center"),
            acct=claims.get("acct"),
            name=claims.get("name"),
            roles=tuple(claims.get("roles") or ()),
            sid=claims.get("sid"),
        )
        return caller, float(claims["exp"])


# identity's clock and a service's may differ a little across machines
CLOCK_SKEW_SECONDS = 30


def _check_times(claims: dict[str, Any]) -> None:
    now = clock.timestamp()
    try:
        expires_at, issued_at = float(claims["exp"]), float(claims["iat"])
        not_before = float(claims.get("nbf", issued_at))
    except (TypeError, ValueError) as error:
        raise _invalid() from error
    if expires_at <= now:
        raise ApiError("TOKEN_EXPIRED", "登录已过期，请重新登录", 401)
    if issued_at > now + CLOCK_SKEW_SECONDS or not_before > now + CLOCK_SKEW_SECONDS:
        raise _invalid()


def _invalid() -> ApiError:
    return ApiError("TOKEN_INVALID", "登录状态无效，请重新登录", 401)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[7:].strip() or None
    return request.cookies.get("hall_staff_token")


def authenticate(verifier: TokenVerifier) -> Caller:
    token = bearer_token()
    if not token:
        raise ApiError("UNAUTHENTICATED", "请先登录", 401)
    caller = verifier.verify(token)
    g.caller = caller
    return caller


def current_caller() -> Caller:
    caller = getattr(g, "caller", None)
    if caller is None:
        raise ApiError("UNAUTHENTICATED", "请先登录", 401)
    return caller


def _verifier() -> TokenVerifier:
    from chassis.runtime import current_runtime

    return current_runtime().token_verifier


def depositor_required(view: Callable) -> Callable:
    """A logged-in depositor (not a staff token): the person is taken from the token, never from the request."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        caller = authenticate(_verifier())
        if caller.is_staff:
            raise ApiError("FORBIDDEN", "该功能仅限缴存职工使用", 403)
        return view(*args, **kwargs)

    return wrapper


def staff_required(*roles: str) -> Callable[[Callable], Callable]:
    """Staff holding at least one of `roles` (admin holds every role)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            caller = authenticate(_verifier())
            if not caller.has_role("admin", *roles):
                raise ApiError("FORBIDDEN", "您没有办理该业务的权限", 403)
            return view(*args, **kwargs)

        return wrapper

    return decorate
