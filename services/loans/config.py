"""Settings of the loans service (environment variables LOANS_* or HALL_*)."""

from dataclasses import dataclass

from chassis.config import ServiceConfig


@dataclass(frozen=True)
class LoansConfig(ServiceConfig):
    pass
