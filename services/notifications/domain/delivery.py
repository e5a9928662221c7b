"""When and whether an SMS goes out: local numbers, quiet hours, the per-number rate limit, and retries
after provider errors (which of them are worth a retry, and when)."""

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from chassis.clock import CHINA_TIME
from chassis.pii import is_valid_mobile
from services.notifications.domain.errors import NotificationError

HOTLINE = "12329"

# The manual (§2.2): "如非宁夏本地号码或空号，短信验证码会发送失败".
NOT_LOCAL_REASON = (
    "短信发送失败：您的手机号码非宁夏本地号码，如非宁夏本地号码或空号，短信验证码会发送失败。"
    "如需变更在中心预留的手机号码，请携带本人身份证和单位开具的介绍信到公积金缴交银行柜台或"
    f"公积金管理中心柜台办理；如有疑问请拨打{HOTLINE}公积金热线。"
)
EMPTY_NUMBER_REASON = (
    "短信发送失败：手机号码为空号或格式不正确。如无预留手机号，请携带相关证件到中心柜台办理手机业务；"
    f"如有疑问请拨打{HOTLINE}公积金热线。"
)


@dataclass(frozen=True)
class QuietHours:
    """[start, end) in local time; a window whose start is after its end crosses midnight."""

    start: time = time(22, 0)
    end: time = time(8, 0)

    def contains(self, clock: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end


DEFAULT_RETRYABLE_CODES = frozenset(
    {"THROTTLED", "RATE_LIMITED", "SYSTEM_BUSY", "SERVICE_UNAVAILABLE", "INTERNAL_ERROR", "TIMEOUT"}
)
DEFAULT_FINAL_REASONS: Mapping[str, str] = {
    "INVALID_NUMBER": EMPTY_NUMBER_REASON,
    "EMPTY_NUMBER": EMPTY_NUMBER_REASON,
    "NOT_LOCAL_NUMBER": NOT_LOCAL_REASON,
    "BLACKLISTED": "短信发送失败：该号码已退订短信或被运营商列入黑名单。",
    "CONTENT_REJECTED": "短信发送失败：短信内容未通过运营商审核。",
    "SIGNATURE_INVALID": "短信发送失败：短信签名无效。",
    "TEMPLATE_INVALID": "短信发送失败：短信模板未备案或无效。",
    "AUTH_FAILED": "短信发送失败：短信网关认证失败。",
    "INSUFFICIENT_BALANCE": "短信发送失败：短信网关余额不足。",
}


@dataclass(frozen=True)
class DeliveryPolicy:
    quiet_hours: QuietHours = QuietHours()
    local_timezone: tzinfo = CHINA_TIME
    local_prefixes: tuple[str, ...] = ("13895", "13995", "18995", "15009", "17795")
    # Non-urgent notices to one number per window. Urgent ones (codes, security notices) are exempt:
    # identity already caps codes (60 s apart, 10 a day), and a burst of business notices must never
    # hold back the code a user is waiting for. Over the limit a notice is delayed, never dropped.
    rate_limit: int = 5
    rate_window: timedelta = timedelta(hours=1)
    retry_delays: tuple[timedelta, ...] = (
        timedelta(seconds=5),
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
    )
    retryable_codes: frozenset[str] = DEFAULT_RETRYABLE_CODES
    final_reasons: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FINAL_REASONS))
    # An unmapped provider code is final: the message may have gone out, and a duplicate SMS is worse
    # than a missing one the failed event reports. Map the code instead of flipping this.
    unknown_codes_are_retryable: bool = False

    def __post_init__(self):
        if self.rate_limit < 1:
            raise ValueError("rate_limit must be at least 1")


DEFAULT_POLICY = DeliveryPolicy()


@dataclass(frozen=True)
class DeliveryRefusal:
    code: str
    reason: str  # Chinese, carried by notifications.sms.failed and shown to the user


@dataclass(frozen=True)
class ProviderFailure:
    code: str
    retryable: bool
    reason: str


def normalized_mobile(mobile: str | None) -> str:
    text = (mobile or "").replace(" ", "").replace("-", "")
    return text.removeprefix("+86") if text.startswith("+86") else text


def refusal_for_number(mobile: str | None, policy: DeliveryPolicy = DEFAULT_POLICY) -> DeliveryRefusal | None:
    """None when the number can be sent to; otherwise why not, in the manual's words."""
    number = normalized_mobile(mobile)
    if not is_valid_mobile(number):
        return DeliveryRefusal("NUMBER_INVALID", EMPTY_NUMBER_REASON)
    if not number.startswith(policy.local_prefixes):
        return DeliveryRefusal("NUMBER_NOT_LOCAL", NOT_LOCAL_REASON)
    return None


def ensure_deliverable(mobile: str | None, policy: DeliveryPolicy = DEFAULT_POLICY) -> str:
    refusal = refusal_for_number(mobile, policy)
    if refusal is not None:
        raise NotificationError(refusal.code, refusal.reason)
    return normalized_mobile(mobile)


def quiet_release(now: datetime, urgent: bool, policy: DeliveryPolicy = DEFAULT_POLICY) -> datetime:
    """`now` when the notice may go now; otherwise the end of the quiet window it falls in. The answer
    is in `now`'s own time zone (a naive `now` is taken as local time)."""
    local = now.astimezone(policy.local_timezone) if now.tzinfo else now
    if urgent or not policy.quiet_hours.contains(local.time()):
        return now
    release = datetime.combine(local.date(), policy.quiet_hours.end, tzinfo=local.tzinfo)
    if release <= local:  # the window started last evening and ends tomorrow morning
        release += timedelta(days=1)
    return release.astimezone(now.tzinfo) if now.tzinfo else release


def send_time(
    now: datetime,
    urgent: bool,
    scheduled_to_number: Sequence[datetime],
    policy: DeliveryPolicy = DEFAULT_POLICY,
) -> datetime:
    """When to send a notice that arrives `now`. `scheduled_to_number` are the send times (past or
    already planned) of this number's non-urgent notices; a new notice goes after all of them, so a
    user reads them in the order they happened, outside quiet hours, and at most `rate_limit` in any
    `rate_window`."""
    if urgent:
        return now
    at = max([now, *scheduled_to_number])
    while True:
        at = quiet_release(at, False, policy)
        in_window = sorted(sent for sent in scheduled_to_number if at - policy.rate_window < sent <= at)
        if len(in_window) < policy.rate_limit:
            return at
        at = in_window[len(in_window) - policy.rate_limit] + policy.rate_window


def classify_provider_error(
    *,
    code: str | None = None,
    http_status: int | None = None,
    timed_out: bool = False,
    policy: DeliveryPolicy = DEFAULT_POLICY,
) -> ProviderFailure:
    """Is a failed provider call worth another try? The provider's own code decides first, then the
    HTTP status (408, 429 and 5xx are transient, other 4xx are not); no answer at all is transient."""
    if code is not None:
        if code in policy.retryable_codes:
            return ProviderFailure(code, True, "短信网关暂时不可用")
        if code in policy.final_reasons:
            return ProviderFailure(code, False, policy.final_reasons[code])
        if http_status is None or 200 <= http_status < 300:
            return ProviderFailure(code, policy.unknown_codes_are_retryable, "短信发送失败：短信网关返回未知错误。")
    if timed_out or http_status is None:
        return ProviderFailure(code or "TIMEOUT", True, "短信网关无响应")
    if http_status in (408, 429) or http_status >= 500:
        return ProviderFailure(code or f"HTTP_{http_status}", True, "短信网关暂时不可用")
    return ProviderFailure(code or f"HTTP_{http_status}", False, "短信发送失败：短信网关拒绝了请求。")


def next_attempt_at(
    failures_so_far: int,
    failed_at: datetime,
    *,
    urgent: bool,
    requested_at: datetime,
    stale_after: timedelta | None = None,
    policy: DeliveryPolicy = DEFAULT_POLICY,
) -> datetime | None:
    """When to try again after the `failures_so_far`-th transient failure, or None to give up (the
    schedule is spent, or the notice would arrive stale, like a code already expired). A non-urgent
    retry that lands in quiet hours waits for the morning."""
    if failures_so_far < 1:
        raise ValueError("failures_so_far counts the failures already seen, from 1")
    if failures_so_far > len(policy.retry_delays):
        return None
    at = quiet_release(failed_at + policy.retry_delays[failures_so_far - 1], urgent, policy)
    if stale_after is not None and at > requested_at + stale_after:
        return None
    return at


def delivery_key(event_id: str, mobile: str) -> str:
    """One SMS per event and recipient: a unique key that holds no readable mobile."""
    return hashlib.sha256(f"{event_id}\x1f{normalized_mobile(mobile)}".encode()).hexdigest()
