"""The image captcha's answer: made, stored hashed, good for one try within 5 minutes (the image is drawn
by the adapter with the `captcha` package; this is only the rule)."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.identity.domain.errors import IdentityError
from services.identity.domain.one_time_secrets import DIGITS, keyed_hash, matches, random_text


@dataclass(frozen=True)
class CaptchaPolicy:
    length: int = 4  # the manual's screens show four digits ("2273")
    alphabet: str = DIGITS
    valid_for: timedelta = timedelta(minutes=5)


DEFAULT_POLICY = CaptchaPolicy()


@dataclass(frozen=True)
class CaptchaRecord:
    captcha_id: str
    answer_hash: str
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True)
class CaptchaCheck:
    accepted: bool
    record: CaptchaRecord | None  # store it: any try, right or wrong, uses the captcha up
    error: IdentityError | None = None

    def raise_if_refused(self) -> None:
        if self.error is not None:
            raise self.error


def new_captcha(
    captcha_id: str, now: datetime, server_key: bytes, policy: CaptchaPolicy = DEFAULT_POLICY
) -> tuple[str, CaptchaRecord]:
    answer = random_text(policy.length, policy.alphabet)
    record = CaptchaRecord(
        captcha_id=captcha_id,
        answer_hash=keyed_hash(server_key, "captcha", captcha_id, _normalized(answer)),
        expires_at=now + policy.valid_for,
    )
    return answer, record


def check_captcha(record: CaptchaRecord | None, answer: str | None, now: datetime, server_key: bytes) -> CaptchaCheck:
    """One try per captcha: otherwise a script could keep guessing against the same image."""
    if record is None or record.used_at is not None or now >= record.expires_at:
        return CaptchaCheck(False, record, IdentityError("CAPTCHA_INVALID", field="captcha_answer"))
    used = replace(record, used_at=now)
    if not matches(record.answer_hash, server_key, "captcha", record.captcha_id, _normalized(answer or "")):
        return CaptchaCheck(False, used, IdentityError("CAPTCHA_INVALID", field="captcha_answer"))
    return CaptchaCheck(True, used)


def _normalized(answer: str) -> str:
    # People type captchas in either case and with stray spaces; neither should cost them the try.
    return answer.strip().upper()
