"""Settings of the identity service (environment variables IDENTITY_* or HALL_*)."""

# Annotations stay strings so the chassis can coerce tuple settings read from the environment.
from __future__ import annotations

from dataclasses import dataclass

from chassis.config import ServiceConfig

DEV_SECRET_KEY = "dev-only-identity-secret-change-me"
CENTERS = ("nx-region", "yinchuan", "shizuishan", "wuzhong", "guyuan", "zhongwei")


@dataclass(frozen=True)
class IdentityConfig(ServiceConfig):
    # HMAC key for SMS codes and captcha answers; production sets IDENTITY_SECRET_KEY (never in the database)
    secret_key: str = DEV_SECRET_KEY
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
    # argon2 hashes or checks at once per process (each holds password_memory_kib): a pod's peak is about
    # WEB_CONCURRENCY x this x 64 MiB above its idle size (docs/operations.md has the measurement)
    password_max_concurrent: int = 2

    # key-encryption keys for the JWT signing keys at rest (AES-256-GCM): `id=base64 of 32 bytes` items, the first
    # encrypts, every one decrypts (a rotation lists the new key first). From a Secret: IDENTITY_SIGNING_KEY_KEKS
    signing_key_keks: tuple[str, ...] = ()

    def development_defaults(self) -> list[tuple[str, str]]:
        found = super().development_defaults()
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            found.append(("IDENTITY_SECRET_KEY", "is the development secret (or shorter than 32 characters)"))
        if not self.signing_key_keks:
            found.append(("IDENTITY_SIGNING_KEY_KEKS", "is empty: signing keys would be stored unencrypted"))
        return found

    @property
    def server_key(self) -> bytes:
        return self.secret_key.encode()
