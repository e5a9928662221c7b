"""Proving who you are before registering or resetting: image captchas, SMS codes and the step-1 token.

The rules live in domain/; this module stores their records and decides against the depositor replica.
Functions that must keep a failed try (a wrong code counts, a captcha is used up) return the refusal
instead of raising it, so the caller commits first and raises after.
"""

import base64
import secrets
import uuid
from datetime import datetime, timedelta

from captcha.image import ImageCaptcha
from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis.bus import publish
from chassis.pii import is_valid_id_number, is_valid_mobile, normalize_id_number
from services.identity.cases.sessions import hash_token
from services.identity.config import IdentityConfig
from services.identity.domain import captchas, sms_codes
from services.identity.domain.errors import IdentityError
from services.identity.events import SMS_REQUESTED
from services.identity.models import Captcha, Depositor, SmsCode, User, Verification

SMS_TEMPLATES = {"register": "sms_code.register", "reset_password": "sms_code.reset_password"}

_captcha_images = ImageCaptcha(width=120, height=40, font_sizes=(30, 34, 36))


# --- captchas ---------------------------------------------------------------------------------------


def new_captcha(session: Session, config: IdentityConfig, now: datetime) -> dict:
    captcha_id = str(uuid.uuid4())
    answer, record = captchas.new_captcha(captcha_id, now, config.server_key)
    session.add(Captcha(id=captcha_id, answer_hash=record.answer_hash, expires_at=record.expires_at))
    png = _captcha_images.generate(answer, format="png").getvalue()
    reply = {"captcha_id": captcha_id, "image": "data:image/png;base64," + base64.b64encode(png).decode()}
    if config.dev_inbox:  # development and tests only: lets scripts and the demo pass the captcha
        reply["dev_answer"] = answer
    return reply


def check_captcha(
    session: Session, config: IdentityConfig, captcha_id: str | None, answer: str | None, now: datetime
) -> IdentityError | None:
    row = session.get(Captcha, captcha_id, with_for_update=True) if captcha_id else None
    record = captchas.CaptchaRecord(row.id, row.answer_hash, row.expires_at, row.used_at) if row is not None else None
    result = captchas.check_captcha(record, answer, now, config.server_key)
    if row is not None and result.record is not None:
        row.used_at = result.record.used_at
    return result.error


# --- who may get a code -----------------------------------------------------------------------------


def check_identity_fields(config: IdentityConfig, center: str, id_number: str, phone: str) -> str:
    """Shape checks of step 1, all at once; returns the normalised ID number."""
    errors: dict[str, list[str]] = {}
    failures: list[IdentityError] = []
    id_number = normalize_id_number(id_number)
    for ok, code, field in (
        (center in config.centers, "UNKNOWN_CENTER", "center"),
        (is_valid_id_number(id_number), "INVALID_ID_NUMBER", "id_number"),
        (is_valid_mobile(phone), "INVALID_MOBILE", "phone"),
    ):
        if not ok:
            failure = IdentityError(code, field=field)
            failures.append(failure)
            errors[field] = [failure.detail]
    if failures:
        raise IdentityError(failures[0].code, field=failures[0].field, errors=errors)
    return id_number


def find_depositor(session: Session, center: str, id_number: str) -> Depositor | None:
    return session.scalar(select(Depositor).where(Depositor.center == center, Depositor.id_number == id_number))


def find_user_of(session: Session, center: str, id_number: str) -> User | None:
    return session.scalar(select(User).where(User.center == center, User.id_number == id_number))


def match_depositor(session: Session, purpose: str, center: str, id_number: str, phone: str) -> Depositor:
    """The manual's step-1 refusals, in the order a counter clerk would give them."""
    depositor = find_depositor(session, center, id_number)
    if depositor is None:
        raise IdentityError("NOT_A_DEPOSITOR", field="id_number")
    if not depositor.mobile:
        raise IdentityError("NO_RESERVED_MOBILE", field="phone")
    if not secrets.compare_digest(depositor.mobile, phone):
        raise IdentityError("PHONE_MISMATCH", field="phone")
    registered = find_user_of(session, center, id_number) is not None
    if purpose == "register" and registered:
        raise IdentityError("ALREADY_REGISTERED")
    if purpose == "reset_password" and not registered:
        raise IdentityError("NOT_REGISTERED")
    return depositor


# --- SMS codes --------------------------------------------------------------------------------------


def request_code(
    session: Session, config: IdentityConfig, purpose: str, depositor: Depositor, ip: str, now: datetime
) -> dict:
    """Issue a code when the limits allow, and ask notifications to text it (same transaction)."""
    policy = sms_codes.DEFAULT_POLICY
    mobile = depositor.mobile
    mobile_history = session.scalars(
        select(SmsCode.issued_at).where(
            SmsCode.mobile == mobile,
            SmsCode.purpose == purpose,
            SmsCode.issued_at >= sms_codes.mobile_history_since(now, policy),
        )
    ).all()
    ip_history = session.scalars(
        select(SmsCode.issued_at).where(SmsCode.ip == ip, SmsCode.issued_at >= sms_codes.ip_history_since(now, policy))
    ).all()
    sms_codes.decide_issue(now, mobile_history, ip_history, policy).raise_if_refused()
    code, record = sms_codes.issue_code(mobile, purpose, now, config.server_key, policy)
    row = SmsCode(
        mobile=mobile,
        purpose=purpose,
        code_hash=record.code_hash,
        ip=ip,
        issued_at=record.issued_at,
        expires_at=record.expires_at,
        wrong_attempts=0,
    )
    session.add(row)
    session.flush()
    publish(
        session,
        SMS_REQUESTED,
        {
            "request_id": row.id,
            "purpose": purpose,
            "mobile": mobile,
            "template": SMS_TEMPLATES[purpose],
            "params": {"code": code, "valid_minutes": policy.expires_in_seconds // 60},
            "account_no": depositor.account_no,
        },
    )
    return {"resend_after": policy.resend_after_seconds, "expires_in": policy.expires_in_seconds}


def check_code(
    session: Session, config: IdentityConfig, purpose: str, mobile: str, submitted: str, now: datetime
) -> IdentityError | None:
    """Against the latest code for the mobile and purpose; the row's new state is written whatever the answer."""
    row = session.scalar(
        select(SmsCode)
        .where(SmsCode.mobile == mobile, SmsCode.purpose == purpose)
        .order_by(SmsCode.issued_at.desc())
        .limit(1)
        .with_for_update()
    )
    record = None
    if row is not None:
        record = sms_codes.SmsCodeRecord(
            row.mobile, row.purpose, row.code_hash, row.issued_at, row.expires_at, row.wrong_attempts, row.used_at
        )
    result = sms_codes.check_code(record, submitted, now, config.server_key)
    if row is not None and result.record is not None:
        row.wrong_attempts = result.record.wrong_attempts
        row.used_at = result.record.used_at
    return result.error


# --- step-1 tokens ----------------------------------------------------------------------------------


def issue_verification(
    session: Session, config: IdentityConfig, purpose: str, depositor: Depositor, now: datetime
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        Verification(
            token_hash=hash_token(token),
            purpose=purpose,
            center=depositor.center,
            id_number=depositor.id_number,
            mobile=depositor.mobile,
            expires_at=now + timedelta(minutes=config.verification_minutes),
        )
    )
    return token


def take_verification(session: Session, purpose: str, token: str | None, now: datetime) -> Verification:
    """The step-1 proof for step 2; used up only when step 2 succeeds (the caller's transaction commits)."""
    row = session.get(Verification, hash_token(token or ""), with_for_update=True)
    if row is None or row.purpose != purpose or row.used_at is not None or now >= row.expires_at:
        raise IdentityError("VERIFICATION_EXPIRED")
    row.used_at = now
    return row
