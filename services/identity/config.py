"""Settings of the identity service (environment variables IDENTITY_* or HALL_*)."""

from dataclasses import dataclass

from chassis.config import ServiceConfig


@dataclass(frozen=True)
class IdentityConfig(ServiceConfig):
    pass
