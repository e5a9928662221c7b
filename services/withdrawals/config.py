"""Settings of the withdrawals service (environment variables WITHDRAWALS_* or HALL_*)."""

from dataclasses import dataclass

from chassis.config import ServiceConfig


@dataclass(frozen=True)
class WithdrawalsConfig(ServiceConfig):
    pass
