"""Tables of the identity service (its own database; nothing else reads it)."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.db import UtcDateTime
from chassis.revocation import revoked_sessions_table


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


# sessions ended before their tokens expire: identity's own API refuses their access tokens too
revoked_sessions = revoked_sessions_table(Base.metadata)


class Depositor(Base):
    """Replica of accounts' depositors, from `accounts.depositor.registered` / `.contact_changed`: the people
    who may register, and the mobile their SMS codes go to."""

    __tablename__ = "depositors"
    __table_args__ = (UniqueConstraint("center", "id_number", name="uq_depositors_center_id_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    center: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(String(18))
    account_no: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    mobile: Mapped[str | None] = mapped_column(String(20))
    # the accounts event that last set the mobile, so a late older contact change cannot undo a newer one
    mobile_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class User(Base):
    """A depositor's login for the web hall and the app (one per depositor)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("center", "username_key", name="uq_users_center_username"),
        UniqueConstraint("center", "id_number", name="uq_users_center_id_number"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    center: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32))  # lower case: unique per centre whatever the case
    password_hash: Mapped[str] = mapped_column(String(255))
    id_number: Mapped[str] = mapped_column(String(18))
    account_no: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    center: Mapped[str] = mapped_column(String(32))
    roles: Mapped[list[str]] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SmsCode(Base):
    """One row per code issued (domain/sms_codes.py): only the keyed hash is kept."""

    __tablename__ = "sms_codes"
    __table_args__ = (Index("ix_sms_codes_mobile_purpose_issued", "mobile", "purpose", "issued_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mobile: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    wrong_attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Verification(Base):
    """Step 1 passed (SMS code right): the token step 2 presents, stored hashed, single use."""

    __tablename__ = "verifications"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    center: Mapped[str] = mapped_column(String(32))
    id_number: Mapped[str] = mapped_column(String(18))
    mobile: Mapped[str] = mapped_column(String(20))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Captcha(Base):
    __tablename__ = "captchas"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class LoginAttempt(Base):
    """Every login try (never the password). Keyed by centre + username key, so unknown names are
    throttled exactly like real ones."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_who_at", "center", "username_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    center: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    ip: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(20))


class SigningKey(Base):
    """RSA keys for access tokens. The newest signs; the one before stays in the JWKS until the next rotation."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    private_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RefreshToken(Base):
    """Opaque refresh tokens, stored hashed. Each use rotates the token within its family (one login);
    a rotated token seen again means it was stolen, and the whole family is revoked."""

    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    subject: Mapped[str] = mapped_column(String(64), index=True)  # user id or "staff:<username>"
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
