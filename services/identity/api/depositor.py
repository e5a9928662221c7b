"""Identity's API for a signed-in caller: logout, the depositor's profile and password change (§6.2)."""

import functools

import jwt
from flask import request
from flask_smorest import Blueprint

from chassis import clock
from chassis.auth import authenticate, bearer_token, current_caller, depositor_required
from chassis.pii import mask_id_number, mask_mobile
from chassis.runtime import current_runtime
from services.identity import schemas
from services.identity.api.public import raise_after_commit
from services.identity.cases import sessions, users
from services.identity.cases.verification import find_depositor
from services.identity.domain.credentials import check_new_password
from services.identity.domain.errors import IdentityError
from services.identity.models import RefreshToken, User

blp = Blueprint("identity_depositor", __name__, url_prefix="/api/v1/identity", description="我的登录与资料")


def signed_in(view):
    """Any valid access token, depositor or staff (logout)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        authenticate(current_runtime().token_verifier)
        return view(*args, **kwargs)

    return wrapper


def session_id() -> str | None:
    """The `sid` claim of the token already verified by the decorator: the login (refresh family) asking."""
    token = bearer_token()
    if not token:
        return None
    return jwt.decode(token, options={"verify_signature": False}).get("sid")


@blp.route("/sessions/current", methods=["DELETE"])
@signed_in
@blp.response(204)
def log_out():
    """End this login: its refresh tokens stop working and the services refuse its access token
    as soon as identity.session.revoked reaches them.
    A `refresh_token` in the body, if any, ends that login too (a client that lost its access token)."""
    families = [family for family in [session_id()] if family]
    body = request.get_json(silent=True)
    presented = body.get("refresh_token") if isinstance(body, dict) else None
    with current_runtime().db.transaction() as session:
        if isinstance(presented, str) and presented:
            stored = session.get(RefreshToken, sessions.hash_token(presented))
            if stored is not None and stored.subject == current_caller().sub:
                families.append(stored.family_id)
        if families:
            sessions.revoke_families(session, families, clock.now(), current_runtime().config.access_token_seconds)


def _me(session) -> User:
    user = session.get(User, current_caller().sub)
    if user is None:
        raise IdentityError("NOT_FOUND")
    return user


@blp.route("/me", methods=["GET"])
@depositor_required
@blp.response(200, schemas.MeOut)
def me():
    """The logged-in depositor's profile, with the ID number and mobile masked."""
    with current_runtime().db.transaction() as session:
        user = _me(session)
        replica = find_depositor(session, user.center, user.id_number)
    return {
        "user_id": user.id,
        "username": user.username,
        "center": user.center,
        "name": replica.name if replica else None,
        "account_no": replica.account_no if replica else user.account_no,
        "id_number": mask_id_number(user.id_number),
        "mobile": mask_mobile(replica.mobile) if replica and replica.mobile else None,
        "email": user.email,
        "registered_at": user.created_at,
        "password_changed_at": user.password_changed_at,
    }


@blp.route("/me/password", methods=["PUT"])
@depositor_required
@blp.arguments(schemas.PasswordChangeIn)
@blp.response(204)
def change_password(body):
    """§6.2: old password, new password twice. Other logins end; this one stays."""
    new_password = check_new_password(
        body["new_password"], body["new_password_confirm"], old_password=body["old_password"]
    )
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        refusal = users.change_password(
            session, runtime.config, _me(session), body["old_password"], new_password, session_id(), clock.now()
        )
    raise_after_commit(refusal)
