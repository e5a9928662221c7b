"""Sessions: RS256 access tokens of 15 minutes and opaque refresh tokens rotated within a family."""

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chassis.auth import CLOCK_SKEW_SECONDS
from chassis.bus import publish
from chassis.revocation import list_revoked
from services.identity.cases.keys import KeyRing
from services.identity.config import IdentityConfig
from services.identity.domain.errors import IdentityError
from services.identity.events import SESSION_REVOKED
from services.identity.models import Depositor, RefreshToken, StaffUser, User, revoked_sessions

STAFF_PREFIX = "staff:"


@dataclass(frozen=True)
class Grant:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def hash_token(token: str) -> str:
    # refresh tokens carry 256 random bits: a plain hash is enough to make a leaked table useless
    return hashlib.sha256(token.encode()).hexdigest()


def depositor_claims(session: Session, user: User) -> dict:
    replica = session.scalar(
        select(Depositor).where(Depositor.center == user.center, Depositor.id_number == user.id_number)
    )
    return {
        "sub": user.id,
        "center": user.center,
        "acct": replica.account_no if replica else user.account_no,
        "name": (replica.name if replica else None) or user.username,
        "roles": [],
    }


def staff_claims(staff: StaffUser) -> dict:
    return {
        "sub": STAFF_PREFIX + staff.username,
        "center": staff.center,
        "acct": None,
        "name": staff.name,
        "roles": list(staff.roles),
    }


def access_token(
    session: Session, keys: KeyRing, config: IdentityConfig, claims: dict, family_id: str, now: datetime
) -> str:
    issued = int(now.timestamp())
    payload = {
        **claims,
        "aud": config.token_audience,
        "iss": config.token_issuer,
        "iat": issued,
        "exp": issued + config.access_token_seconds,
        "jti": uuid.uuid4().hex,
        "sid": family_id,  # the login this token belongs to: logout and password change act on it
    }
    return keys.sign(payload, session)


def start_session(session: Session, keys: KeyRing, config: IdentityConfig, claims: dict, now: datetime) -> Grant:
    """A new login: a new refresh-token family."""
    return _grant(session, keys, config, claims, str(uuid.uuid4()), now)


def _grant(session: Session, keys: KeyRing, config: IdentityConfig, claims: dict, family_id: str, now) -> Grant:
    refresh = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            token_hash=hash_token(refresh),
            family_id=family_id,
            subject=claims["sub"],
            issued_at=now,
            expires_at=now + timedelta(days=config.refresh_token_days),
        )
    )
    return Grant(access_token(session, keys, config, claims, family_id, now), refresh, config.access_token_seconds)


def _refresh_refused() -> IdentityError:
    return IdentityError("REFRESH_TOKEN_INVALID")


def refresh_session(
    session: Session, keys: KeyRing, config: IdentityConfig, presented: str, now: datetime
) -> Grant | IdentityError:
    """Rotate `presented`. A token already rotated is a replay (someone holds a copy): the whole family
    is revoked and the answer is an error, returned rather than raised so the revocation commits."""
    stored = session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(presented)).with_for_update()
    )
    if stored is None or stored.revoked_at is not None or now >= stored.expires_at:
        return _refresh_refused()
    if stored.rotated_at is not None:
        revoke_families(session, [stored.family_id], now, config.access_token_seconds)
        return _refresh_refused()
    claims = current_claims(session, stored.subject)
    if claims is None:
        revoke_families(session, [stored.family_id], now, config.access_token_seconds)
        return _refresh_refused()
    stored.rotated_at = now
    return _grant(session, keys, config, claims, stored.family_id, now)


def current_claims(session: Session, subject: str) -> dict | None:
    """Claims as they stand now (roles, name and account may have changed since the login)."""
    if subject.startswith(STAFF_PREFIX):
        staff = session.scalar(select(StaffUser).where(StaffUser.username == subject.removeprefix(STAFF_PREFIX)))
        return staff_claims(staff) if staff and staff.active else None
    user = session.get(User, subject)
    return depositor_claims(session, user) if user else None


def revoke_families(session: Session, family_ids: list[str], now: datetime, token_seconds: int) -> None:
    """End these logins: their refresh tokens stop working, and the services refuse their access tokens at once
    (identity.session.revoked, until the last of those tokens would have expired)."""
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id.in_(family_ids), RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    announce_revoked(session, family_ids, now, token_seconds)


def revoke_subject(
    session: Session, subject: str, now: datetime, token_seconds: int, keep_family: str | None = None
) -> None:
    """Every session of `subject` (but `keep_family`, the one asking): after a password change or reset, a lock."""
    live = RefreshToken.subject == subject, RefreshToken.revoked_at.is_(None), RefreshToken.expires_at > now
    families = select(RefreshToken.family_id).where(*live).distinct()
    if keep_family:
        families = families.where(RefreshToken.family_id != keep_family)
    family_ids = list(session.scalars(families))
    statement = update(RefreshToken).where(RefreshToken.subject == subject, RefreshToken.revoked_at.is_(None))
    if keep_family:
        statement = statement.where(RefreshToken.family_id != keep_family)
    session.execute(statement.values(revoked_at=now))
    announce_revoked(session, family_ids, now, token_seconds)


def announce_revoked(session: Session, family_ids: list[str], now: datetime, token_seconds: int) -> None:
    until = now + timedelta(seconds=token_seconds + CLOCK_SKEW_SECONDS)
    for family_id in dict.fromkeys(family_ids):
        list_revoked(session, revoked_sessions, family_id, until)  # identity's own API, at once
        publish(session, SESSION_REVOKED, {"sid": family_id, "until": until})
