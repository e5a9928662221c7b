"""Settings of the notifications service (environment variables NOTIFICATIONS_* or HALL_*)."""

from dataclasses import dataclass
from datetime import time, timedelta

from chassis.config import ServiceConfig
from services.notifications.domain.delivery import DeliveryPolicy, QuietHours


@dataclass(frozen=True)
class NotificationsConfig(ServiceConfig):
    # inbox: keep every text in the dev inbox (development, tests); http: a real SMS gateway
    sms_provider: str = "inbox"
    sms_http_url: str = ""
    sms_http_account: str = ""
    # signs every request (HMAC-SHA256); production sets NOTIFICATIONS_SMS_HTTP_SECRET
    sms_http_secret: str = ""
    sms_http_connect_timeout_seconds: float = 3.0
    sms_http_timeout_seconds: float = 10.0
    # numbers the provider can deliver to (Ningxia mobiles); others fail as the manual says
    sms_local_prefixes: tuple = ("13895", "13995", "18995", "15009", "17795")
    # what happened longer ago than this (by the event's business date) is history: no notice at all
    notice_max_age_days: int = 7
    quiet_hours_start: str = "22:00"
    quiet_hours_end: str = "08:00"
    sms_rate_limit: int = 5
    sms_rate_window_minutes: int = 60
    # waits after the 1st, 2nd, ... transient provider error; then the SMS has failed
    sms_retry_delays_seconds: tuple = ("5", "30", "120", "600")
    # how often the sender looks for due texts when nothing woke it
    sms_send_poll_seconds: float = 0.5
    # a text being sent is re-claimed after this long if its sender died mid-call
    sms_claim_seconds: int = 120

    def development_defaults(self) -> list[tuple[str, str]]:
        found = super().development_defaults()
        if self.sms_provider == "inbox":
            found.append(("NOTIFICATIONS_SMS_PROVIDER", "is the in-box provider (nobody reads it in production)"))
        elif not self.sms_http_url or not self.sms_http_secret:
            found.append(("NOTIFICATIONS_SMS_HTTP_URL/NOTIFICATIONS_SMS_HTTP_SECRET", "are not both set"))
        return found

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            quiet_hours=QuietHours(_clock(self.quiet_hours_start), _clock(self.quiet_hours_end)),
            local_prefixes=tuple(self.sms_local_prefixes),
            rate_limit=self.sms_rate_limit,
            rate_window=timedelta(minutes=self.sms_rate_window_minutes),
            retry_delays=tuple(timedelta(seconds=float(item)) for item in self.sms_retry_delays_seconds),
        )


def _clock(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))
