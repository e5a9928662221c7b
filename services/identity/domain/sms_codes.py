"""The SMS-code policy (DOMAIN.md): who may get a code now, and whether a submitted code is accepted.

Pure functions over explicit `now` values and the history the store loads. The latest code issued for a
mobile and purpose is the only live one; the store keeps one row per issued code (mobile, purpose, hash,
times, wrong attempts, used) and must write the record `check_code` returns before acting on the answer,
in the same transaction, so that concurrent guesses cannot share an attempt.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo

from chassis.clock import CHINA_TIME
from services.identity.domain.errors import IdentityError
from services.identity.domain.one_time_secrets import DIGITS, keyed_hash, matches, random_text

PURPOSES = ("register", "reset_password")


@dataclass(frozen=True)
class SmsCodePolicy:
    length: int = 6
    valid_for: timedelta = timedelta(minutes=5)
    resend_after: timedelta = timedelta(seconds=60)
    # Per mobile and purpose, per calendar day as the user lives it (local time), so "请明日再试" is true.
    daily_limit: int = 10
    max_wrong_attempts: int = 5
    ip_limit: int = 20
    ip_window: timedelta = timedelta(hours=1)
    local_timezone: tzinfo = CHINA_TIME

    @property
    def expires_in_seconds(self) -> int:
        return int(self.valid_for.total_seconds())

    @property
    def resend_after_seconds(self) -> int:
        return int(self.resend_after.total_seconds())


DEFAULT_POLICY = SmsCodePolicy()


@dataclass(frozen=True)
class SmsCodeRecord:
    mobile: str
    purpose: str
    code_hash: str
    issued_at: datetime
    expires_at: datetime
    wrong_attempts: int = 0
    used_at: datetime | None = None


@dataclass(frozen=True)
class IssueDecision:
    allowed: bool
    retry_after: int = 0  # whole seconds, rounded up; 0 when allowed
    detail: str | None = None

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise IdentityError("TOO_MANY_REQUESTS", self.detail, retry_after=self.retry_after)


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    record: SmsCodeRecord | None  # the record's new state: store it whatever the answer
    error: IdentityError | None = None

    def raise_if_refused(self) -> None:
        if self.error is not None:
            raise self.error


def mobile_history_since(now: datetime, policy: SmsCodePolicy = DEFAULT_POLICY) -> datetime:
    """How far back `decide_issue` needs the codes issued to a mobile for a purpose."""
    return min(_start_of_local_day(now, policy), now - policy.resend_after)


def ip_history_since(now: datetime, policy: SmsCodePolicy = DEFAULT_POLICY) -> datetime:
    return now - policy.ip_window


def decide_issue(
    now: datetime,
    mobile_history: Sequence[datetime],
    ip_history: Sequence[datetime],
    policy: SmsCodePolicy = DEFAULT_POLICY,
) -> IssueDecision:
    """May a new code go out now? The histories are the times codes were issued (refusals not counted)
    to this mobile for this purpose, and to anyone from this IP. When several limits bite, the answer
    names the longest wait."""
    refusals: list[IssueDecision] = []

    if mobile_history:
        since_last = now - max(mobile_history)
        if since_last < policy.resend_after:
            wait = _seconds_up(policy.resend_after - since_last)
            refusals.append(IssueDecision(False, wait, f"验证码发送过于频繁，请{wait}秒后再试。"))

    today = _local_date(now, policy)
    sent_today = sum(1 for sent in mobile_history if _local_date(sent, policy) == today)
    if sent_today >= policy.daily_limit:
        wait = _seconds_up(_start_of_local_day(now, policy) + timedelta(days=1) - now)
        refusals.append(
            IssueDecision(False, wait, f"该手机号今日获取验证码已达{policy.daily_limit}次上限，请明日再试。")
        )

    in_window = sorted(sent for sent in ip_history if now - policy.ip_window < sent <= now)
    if len(in_window) >= policy.ip_limit:
        # The request that must age out before the count drops below the limit.
        frees_a_slot = in_window[len(in_window) - policy.ip_limit]
        wait = _seconds_up(frees_a_slot + policy.ip_window - now)
        refusals.append(IssueDecision(False, wait, f"请求过于频繁，请{_as_minutes(wait)}后再试。"))

    if refusals:
        return max(refusals, key=lambda refusal: refusal.retry_after)
    return IssueDecision(True)


def issue_code(
    mobile: str, purpose: str, now: datetime, server_key: bytes, policy: SmsCodePolicy = DEFAULT_POLICY
) -> tuple[str, SmsCodeRecord]:
    """A fresh code and the record to store. The plain code goes only into the SMS request, never a log."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown SMS code purpose {purpose!r}")
    code = random_text(policy.length, DIGITS)
    record = SmsCodeRecord(
        mobile=mobile,
        purpose=purpose,
        code_hash=keyed_hash(server_key, purpose, mobile, code),
        issued_at=now,
        expires_at=now + policy.valid_for,
    )
    return code, record


def check_code(
    record: SmsCodeRecord | None,
    submitted: str | None,
    now: datetime,
    server_key: bytes,
    policy: SmsCodePolicy = DEFAULT_POLICY,
) -> CodeCheck:
    """Is `submitted` the live code of `record` (the latest for the mobile and purpose)? A code is good
    until just before `expires_at`, once; each wrong guess counts and the last allowed one kills it."""

    def refused(code: str, detail: str | None = None, new_record=record) -> CodeCheck:
        return CodeCheck(False, new_record, IdentityError(code, detail, field="sms_code"))

    if record is None:
        return refused("SMS_CODE_EXPIRED", "请先获取短信验证码。")
    if record.used_at is not None:
        return refused("SMS_CODE_EXPIRED", "短信验证码已使用，请重新获取。")
    if record.wrong_attempts >= policy.max_wrong_attempts:
        return refused("SMS_CODE_EXPIRED", "短信验证码错误次数过多，已失效，请重新获取。")
    if now >= record.expires_at:
        return refused("SMS_CODE_EXPIRED", "短信验证码已过期，请重新获取。")

    code = (submitted or "").strip()
    if len(code) != policy.length or not code.isascii() or not code.isdigit():
        # A malformed entry is a typing slip, not a guess: it costs no attempt.
        return refused("SMS_CODE_INVALID", f"请输入{policy.length}位数字短信验证码。")

    if not matches(record.code_hash, server_key, record.purpose, record.mobile, code):
        wrong = record.wrong_attempts + 1
        left = policy.max_wrong_attempts - wrong
        counted = replace(record, wrong_attempts=wrong)
        if left <= 0:
            return refused("SMS_CODE_EXPIRED", "短信验证码错误次数过多，已失效，请重新获取。", counted)
        return refused("SMS_CODE_INVALID", f"短信验证码错误，还可尝试{left}次。", counted)

    return CodeCheck(True, replace(record, used_at=now))


def _seconds_up(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds()))


def _as_minutes(seconds: int) -> str:
    return f"{seconds}秒" if seconds < 60 else f"{math.ceil(seconds / 60)}分钟"


def _local(moment: datetime, policy: SmsCodePolicy) -> datetime:
    # Naive datetimes are taken as local time already.
    return moment.astimezone(policy.local_timezone) if moment.tzinfo else moment


def _local_date(moment: datetime, policy: SmsCodePolicy):
    return _local(moment, policy).date()


def _start_of_local_day(moment: datetime, policy: SmsCodePolicy) -> datetime:
    return _local(moment, policy).replace(hour=0, minute=0, second=0, microsecond=0)
