"""Identity's public API (no login yet): captchas, SMS codes, registration (§2), password recovery (§3), login (§4)
for depositors and staff, token refresh, and the JWKS of access tokens."""

from flask import Blueprint as FlaskBlueprint
from flask import jsonify
from flask_smorest import Blueprint

from chassis import clock
from chassis.client_address import client_address
from chassis.runtime import current_runtime
from services.identity import schemas
from services.identity.cases import sessions, users, verification
from services.identity.cases.keys import key_ring
from services.identity.cases.login import LoginRequest, log_in
from services.identity.domain.credentials import check_new_password, check_registration_form
from services.identity.domain.errors import IdentityError

blp = Blueprint("identity", __name__, url_prefix="/api/v1/identity", description="注册、找回密码与登录")
well_known = FlaskBlueprint("identity_jwks", __name__)


def client_ip() -> str:
    # X-Forwarded-For only from the edge (HALL_TRUSTED_PROXIES); anyone else's copy is ignored
    return client_address()


def _config():
    return current_runtime().config


def _db():
    return current_runtime().db


def raise_after_commit(refusal: IdentityError | None) -> None:
    if refusal is not None:
        raise refusal


def check_captcha_alone(captcha_id: str | None, answer: str | None) -> None:
    """In its own transaction: a wrong answer still uses the captcha up."""
    with _db().transaction() as session:
        refusal = verification.check_captcha(session, _config(), captcha_id, answer, clock.now())
    raise_after_commit(refusal)


@blp.route("/captchas", methods=["POST"])
@blp.response(201, schemas.CaptchaOut)
def create_captcha():
    """A new image captcha (single use, 5 minutes)."""
    with _db().transaction() as session:
        return verification.new_captcha(session, _config(), clock.now())


@blp.route("/sms-codes", methods=["POST"])
@blp.arguments(schemas.SmsCodeIn)
@blp.response(202, schemas.SmsCodeOut)
def request_sms_code(body):
    """Send a verification code to the mobile reserved at the centre (registration or recovery)."""
    config = _config()
    id_number = verification.check_identity_fields(config, body["center"], body["id_number"], body["phone"])
    with _db().transaction() as session:
        depositor = verification.match_depositor(session, body["purpose"], body["center"], id_number, body["phone"])
        return verification.request_code(session, config, body["purpose"], depositor, client_ip(), clock.now())


def _verify(body: dict, purpose: str) -> str:
    config = _config()
    id_number = verification.check_identity_fields(config, body["center"], body["id_number"], body["phone"])
    now = clock.now()
    with _db().transaction() as session:
        depositor = verification.match_depositor(session, purpose, body["center"], id_number, body["phone"])
        refusal = verification.check_code(session, config, purpose, depositor.mobile, body["sms_code"], now)
        token = None if refusal else verification.issue_verification(session, config, purpose, depositor, now)
    raise_after_commit(refusal)
    return token


@blp.route("/registrations/verify", methods=["POST"])
@blp.arguments(schemas.VerifyIn)
@blp.response(200, schemas.RegistrationTokenOut)
def verify_registration(body):
    """Registration step 1: centre, ID number, reserved mobile and the SMS code."""
    token = _verify(body, "register")
    return {"registration_token": token, "expires_in": _config().verification_minutes * 60}


@blp.route("/registrations", methods=["POST"])
@blp.arguments(schemas.RegistrationIn)
@blp.response(201, schemas.RegisteredOut)
def register(body):
    """Registration step 2: username, password, optional e-mail, captcha and the agreement."""
    form = check_registration_form(
        body["username"], body["password"], body["password_confirm"], body["email"], body["agreed"]
    )
    check_captcha_alone(body["captcha_id"], body["captcha_answer"])
    now = clock.now()
    with _db().transaction() as session:
        proof = verification.take_verification(session, "register", body["registration_token"], now)
        user = users.register(session, _config(), proof, form, now)
        return {"user_id": user.id, "username": user.username, "center": user.center}


@blp.route("/password-resets/verify", methods=["POST"])
@blp.arguments(schemas.VerifyIn)
@blp.response(200, schemas.ResetTokenOut)
def verify_password_reset(body):
    """Recovery step 1: centre, ID number, reserved mobile and the SMS code."""
    token = _verify(body, "reset_password")
    return {"reset_token": token, "expires_in": _config().verification_minutes * 60}


@blp.route("/password-resets", methods=["POST"])
@blp.arguments(schemas.PasswordResetIn)
@blp.response(200, schemas.RegisteredOut)
def reset_password(body):
    """Recovery step 2: the login account, the new password twice and the captcha. Every session ends."""
    password = check_new_password(body["new_password"], body["new_password_confirm"])
    check_captcha_alone(body["captcha_id"], body["captcha_answer"])
    now = clock.now()
    with _db().transaction() as session:
        proof = verification.take_verification(session, "reset_password", body["reset_token"], now)
        user = users.reset_password(session, _config(), proof, body["username"], password, now)
        return {"user_id": user.id, "username": user.username, "center": user.center}


def _login(body: dict, *, staff: bool):
    runtime = current_runtime()
    attempt = LoginRequest(
        center=body.get("center") or "",
        username=body["username"],
        password=body["password"],
        captcha_id=body["captcha_id"],
        captcha_answer=body["captcha_answer"],
        ip=client_ip(),
    )
    with runtime.db.transaction() as session:
        outcome = log_in(session, runtime.config, key_ring(runtime), attempt, clock.now(), staff=staff)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@blp.route("/sessions", methods=["POST"])
@blp.arguments(schemas.LoginIn)
@blp.response(201, schemas.GrantOut)
def log_in_depositor(body):
    """Log in with centre, username and password (captcha after 3 failures, lock after 5 in 15 minutes)."""
    return _login(body, staff=False)


@blp.route("/staff-sessions", methods=["POST"])
@blp.arguments(schemas.StaffLoginIn)
@blp.response(201, schemas.GrantOut)
def log_in_staff(body):
    """Staff log in to the consoles; the token carries their roles."""
    return _login(body, staff=True)


@blp.route("/sessions/refresh", methods=["POST"])
@blp.arguments(schemas.RefreshIn)
@blp.response(201, schemas.GrantOut)
def refresh(body):
    """Trade a refresh token for new tokens; a token used twice ends the whole login."""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        outcome = sessions.refresh_session(
            session, key_ring(runtime), runtime.config, body["refresh_token"], clock.now()
        )
    if isinstance(outcome, IdentityError):
        raise outcome
    return outcome


@well_known.get("/.well-known/jwks.json")
def jwks():
    """Public keys of access tokens: the current one and the previous one (keys rotate)."""
    response = jsonify(key_ring(current_runtime()).jwks())
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
