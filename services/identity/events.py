"""The identity service's published contract: the events it sends, their schemas and versions."""

from marshmallow import Schema, fields, validate

from chassis.bus.envelope import EventContract


class SmsRequested(Schema):
    """A text for notifications to deliver: a verification code (urgent, never logged)."""

    request_id = fields.String(required=True)
    purpose = fields.String(required=True, validate=validate.OneOf(["register", "reset_password"]))
    mobile = fields.String(required=True)
    template = fields.String(required=True)  # e.g. sms_code.register
    params = fields.Dict(required=True)  # e.g. {"code": "123456", "minutes": 5}
    account_no = fields.String(load_default=None, allow_none=True)


class UserRegistered(Schema):
    user_id = fields.String(required=True)
    center = fields.String(required=True)
    account_no = fields.String(required=True)
    id_number = fields.String(required=True)
    username = fields.String(required=True)


class UserLocked(Schema):
    user_id = fields.String(required=True)
    center = fields.String(required=True)
    account_no = fields.String(load_default=None, allow_none=True)
    locked_until = fields.AwareDateTime(required=True)


class PasswordEvent(Schema):
    user_id = fields.String(required=True)
    center = fields.String(required=True)
    account_no = fields.String(load_default=None, allow_none=True)
    id_number = fields.String(load_default=None, allow_none=True)


class SessionRevoked(Schema):
    """A login ended before its access tokens expire (logout, password change or reset, lock): services refuse the
    tokens carrying this `sid` until `until`, the latest expiry one of them can have."""

    sid = fields.String(required=True)
    until = fields.AwareDateTime(required=True)


SMS_REQUESTED = EventContract("identity.sms.requested", SmsRequested)
USER_REGISTERED = EventContract("identity.user.registered", UserRegistered)
USER_LOCKED = EventContract("identity.user.locked", UserLocked)
PASSWORD_RESET = EventContract("identity.password.reset", PasswordEvent)
PASSWORD_CHANGED = EventContract("identity.password.changed", PasswordEvent)
SESSION_REVOKED = EventContract("identity.session.revoked", SessionRevoked)
