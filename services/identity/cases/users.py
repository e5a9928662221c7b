"""Depositor users: registration, password reset and change, and the argon2id hasher they share."""

import functools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chassis.bus import publish
from services.identity.cases.sessions import revoke_subject
from services.identity.config import IdentityConfig
from services.identity.domain.credentials import (
    HashingParameters,
    PasswordHasher,
    RegistrationForm,
    username_key,
)
from services.identity.domain.errors import IdentityError
from services.identity.events import PASSWORD_CHANGED, PASSWORD_RESET, USER_REGISTERED
from services.identity.models import Depositor, User, Verification


@functools.lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int, max_concurrent: int) -> PasswordHasher:
    parameters = HashingParameters(time_cost=time_cost, memory_cost_kib=memory_kib, parallelism=parallelism)
    return PasswordHasher(parameters, max_concurrent=max_concurrent)


def password_hasher(config: IdentityConfig) -> PasswordHasher:
    return _hasher(
        config.password_time_cost,
        config.password_memory_kib,
        config.password_parallelism,
        config.password_max_concurrent,
    )


def find_user(session: Session, center: str, username: str) -> User | None:
    return session.scalar(select(User).where(User.center == center, User.username_key == username_key(username)))


def create_user(
    session: Session,
    config: IdentityConfig,
    *,
    center: str,
    id_number: str,
    account_no: str,
    form: RegistrationForm,
    now: datetime,
) -> User:
    """One user per depositor, usernames unique per centre in any case; publishes identity.user.registered."""
    if session.scalar(select(User.id).where(User.center == center, User.id_number == id_number)):
        raise IdentityError("ALREADY_REGISTERED")
    if find_user(session, center, form.username) is not None:
        raise IdentityError("USERNAME_TAKEN", field="username")
    user = User(
        center=center,
        username=form.username,
        username_key=username_key(form.username),
        password_hash=password_hasher(config).hash(form.password),
        id_number=id_number,
        account_no=account_no,
        email=form.email,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent registration won the race for the name or the person
        raise IdentityError("USERNAME_TAKEN", field="username") from error
    publish(
        session,
        USER_REGISTERED,
        {
            "user_id": user.id,
            "center": center,
            "account_no": account_no,
            "id_number": id_number,
            "username": user.username,
        },
    )
    return user


def register(
    session: Session, config: IdentityConfig, verification: Verification, form: RegistrationForm, now: datetime
) -> User:
    depositor = session.scalar(
        select(Depositor).where(Depositor.center == verification.center, Depositor.id_number == verification.id_number)
    )
    if depositor is None:  # the replica lost the person between the steps (closed account): start again
        raise IdentityError("VERIFICATION_EXPIRED")
    return create_user(
        session,
        config,
        center=depositor.center,
        id_number=depositor.id_number,
        account_no=depositor.account_no,
        form=form,
        now=now,
    )


def reset_password(
    session: Session, config: IdentityConfig, verification: Verification, username: str, password: str, now: datetime
) -> User:
    """§3 step 2: the login account must be the one of the verified person; every session ends."""
    user = find_user(session, verification.center, username or "")
    if user is None or user.id_number != verification.id_number:
        raise IdentityError("ACCOUNT_MISMATCH", field="username")
    _set_password(session, config, user, password, now)
    revoke_subject(session, user.id, now, config.access_token_seconds)
    publish(session, PASSWORD_RESET, _password_event(user))
    return user


def change_password(
    session: Session,
    config: IdentityConfig,
    user: User,
    old_password: str,
    new_password: str,
    keep_family: str | None,
    now: datetime,
) -> IdentityError | None:
    """§6.2: the old password first. Other sessions end; the one asking stays signed in."""
    if not password_hasher(config).verify(user.password_hash, old_password or ""):
        return IdentityError("OLD_PASSWORD_WRONG", field="old_password")
    _set_password(session, config, user, new_password, now)
    revoke_subject(session, user.id, now, config.access_token_seconds, keep_family=keep_family)
    publish(session, PASSWORD_CHANGED, _password_event(user))
    return None


def _set_password(session: Session, config: IdentityConfig, user: User, password: str, now: datetime) -> None:
    user.password_hash = password_hasher(config).hash(password)
    user.password_changed_at = now


def _password_event(user: User) -> dict:
    return {"user_id": user.id, "center": user.center, "account_no": user.account_no, "id_number": user.id_number}
