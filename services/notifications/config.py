"""Settings of the notifications service (environment variables NOTIFICATIONS_* or HALL_*)."""

from dataclasses import dataclass

from chassis.config import ServiceConfig


@dataclass(frozen=True)
class NotificationsConfig(ServiceConfig):
    pass
