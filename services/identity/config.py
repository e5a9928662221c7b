"""Settings of the identity service (environment variables IDENTITY_* or HALL_*)."""

# Annotations stay strings so the chassis can coerce tuple settings read from the environment.
from __future__ import annotations

from dataclasses import dataclass

from chassis.config import ServiceConfig

CENTERS = ("nx-region", "yinchuan", "shizuishan", "wuzhong", "guyuan", "zhongwei")


@dataclass(frozen=True)
class IdentityConfig(ServiceConfig):
    # HMAC key for SMS codes and captcha answers; production sets IDENTITY_SECRET_KEY (never in the database)
    secret_key: str = "dev-only-identity-secret-change-me"
    centers: tuple[str, ...] = CENTERS
    access_token_seconds: int = 15 * 60
    refresh_token_days: int = 14
    # how long step 1 of registration or recovery (the verified SMS code) stays good for step 2
    verification_minutes: int = 15
    # signing keys are re-read from the database this often, so a rotation reaches every process
    signing_key_cache_seconds: int = 30
    # argon2id cost (RFC 9106 low-memory profile); hashes made with other values are redone at login
    password_time_cost: int = 3
    password_memory_kib: int = 64 * 1024
    password_parallelism: int = 4

    @property
    def server_key(self) -> bytes:
        return self.secret_key.encode()
