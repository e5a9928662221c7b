"""Settings of the accounts service (environment variables ACCOUNTS_* or HALL_*)."""

from dataclasses import dataclass

from chassis.config import ServiceConfig


@dataclass(frozen=True)
class AccountsConfig(ServiceConfig):
    pass
