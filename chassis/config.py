"""Typed service configuration read from environment variables, with defaults that run the embedded hall."""

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Self

from chassis import clock

_TRUE = {"1", "true", "yes", "on"}


class UnsafeSettings(RuntimeError):
    """A production process was started with a setting only development or staging may use; it names it."""


def data_dir() -> Path:
    return Path(os.environ.get("HALL_DATA_DIR", "var")).resolve()


def _coerce(raw: str, kind: Any) -> Any:
    if kind is bool or kind == "bool":
        return raw.strip().lower() in _TRUE
    if kind is int or kind == "int":
        return int(raw)
    if kind is float or kind == "float":
        return float(raw)
    if kind is tuple or getattr(kind, "__origin__", None) is tuple or kind == "tuple[str, ...]":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


@dataclass(frozen=True)
class ServiceConfig:
    """What every service needs. A service subclasses it to add its own settings (all with defaults).

    Each field `x` is read from `<SERVICE>_X` first, then from `HALL_X`, else its default.
    """

    service: str
    database_url: str = ""
    broker_url: str = "memory://"
    exchange: str = "hall.events"
    # prepended to every queue name: lets test runs (or two halls on one broker) keep their queues apart
    queue_prefix: str = ""
    # classic or quorum; Kubernetes runs quorum queues
    queue_type: str = "classic"
    embedded: bool = True
    dev_inbox: bool = True
    jwks_url: str = ""
    token_audience: str = "nx-hall"
    token_issuer: str = "nx-hall-identity"
    prefetch: int = 64
    # messages a consumer applies in one transaction (one inbox statement, no savepoints unless one fails)
    consumer_batch_size: int = 32
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    # a consumer whose database is away holds its batch and looks again after 0.5 s, doubling up to this cap;
    # those retries spend none of the messages' attempts
    infrastructure_backoff_max_seconds: float = 5.0
    # the worker re-drives parked messages whose error is known to pass (a lost connection, a pool timeout) every
    # so often, each message at most this many times (0: never)
    transient_redrive_every_seconds: float = 60.0
    transient_redrive_limit: int = 3
    relay_batch_size: int = 200
    relay_poll_seconds: float = 0.02
    # PostgreSQL: the relay is woken by NOTIFY; this poll only covers a lost LISTEN connection
    relay_safety_poll_seconds: float = 5.0
    heartbeat_seconds: int = 30
    log_level: str = "INFO"
    log_json: bool = True
    service_urls: tuple[str, ...] = field(default_factory=tuple)
    # a production-shaped run (HALL_EMBEDDED=false) that is declared a rehearsal: only then may its clock be moved
    staging_run: bool = False
    # a production-shaped run on a workstation or in CI (make up, the tests): only then may it keep development
    # defaults (SQLite, the memory bus, the dev inbox, dev secrets, demo data). No Kubernetes overlay sets it.
    workstation: bool = False
    # database connections per process: the pool and what may open beyond it at a peak (see docs/operations.md)
    db_pool_size: int = 5
    db_max_overflow: int = 5
    # how long the prune job keeps sent outbox rows, inbox rows (longer than any redelivery, re-drive included)
    # and stored idempotent replies (longer than any client retries)
    outbox_keep_days: int = 7
    inbox_keep_days: int = 30
    idempotency_keep_hours: int = 48
    # a worker serves /livez, /readyz and /metrics on this port (0: none); Kubernetes probes it
    worker_health_port: int = 0

    @classmethod
    def from_env(cls, service: str, environ: dict[str, str] | None = None, **overrides: Any) -> Self:
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {"service": service}
        for item in fields(cls):
            if item.name == "service":
                continue
            for key in (f"{service.upper()}_{item.name.upper()}", f"HALL_{item.name.upper()}"):
                if key in environ:
                    values[item.name] = _coerce(environ[key], item.type)
                    break
        values.update(overrides)
        _refuse_a_moved_clock_in_production(environ, values)
        production = not values.get("embedded", True) and not values.get("workstation", False)
        if not values.get("database_url") and not (production and service in STORELESS):
            if production:
                raise UnsafeSettings(
                    f"{service.upper()}_DATABASE_URL is not set: a production process refuses the SQLite default; "
                    "set HALL_WORKSTATION=true only for make up or CI"
                )
            folder = data_dir()
            folder.mkdir(parents=True, exist_ok=True)
            values["database_url"] = f"sqlite:///{folder / (service + '.db')}"
        config = cls(**values)
        if production:
            unsafe = config.development_defaults()
            if unsafe:
                raise UnsafeSettings(
                    f"{service}: a production process (HALL_EMBEDDED=false) refuses development defaults: "
                    + "; ".join(f"{setting} {why}" for setting, why in unsafe)
                    + " (HALL_WORKSTATION=true allows them on a workstation or in CI only)"
                )
        return config

    def setting_name(self, name: str) -> str:
        """The environment variable an operator sets for field `name` of this service."""
        return f"{self.service.upper()}_{name.upper()}"

    def development_defaults(self) -> list[tuple[str, str]]:
        """(setting, why) for each value only development may run on. A service's config extends it."""
        found: list[tuple[str, str]] = []
        if self.service in STORELESS:
            return found
        if self.database_url.startswith("sqlite"):
            found.append((self.setting_name("database_url"), "is SQLite"))
        if self.uses_memory_bus:
            found.append(("HALL_BROKER_URL", "is the in-process memory bus"))
        if self.dev_inbox:
            found.append(("HALL_DEV_INBOX", "is on (the captcha answer and texts readable over HTTP)"))
        return found

    @property
    def uses_memory_bus(self) -> bool:
        return self.broker_url.startswith("memory://")

    def service_url(self, name: str) -> str | None:
        """Base URL of another service (`name=http://host:port` items of HALL_SERVICE_URLS); None in embedded mode."""
        for item in self.service_urls:
            key, _, url = item.partition("=")
            if key == name:
                return url.rstrip("/")
        return None


# processes with no database and no bus of their own (the gateway only forwards)
STORELESS = frozenset({"gateway"})


def _refuse_a_moved_clock_in_production(environ: dict[str, str], values: dict[str, Any]) -> None:
    """The environment that moved this process's clock (chassis.clock reads it) may not run production."""
    shift = clock.parse_shift(environ.get(clock.SHIFT_VARIABLE))
    if shift and not values.get("embedded", True) and not values.get("staging_run", False):
        raise UnsafeSettings(
            f"{clock.SHIFT_VARIABLE} moves the clock by {shift.days} days: a production process refuses it; "
            "set HALL_STAGING_RUN=true if this is a staging run"
        )
