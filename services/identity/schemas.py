"""Request and response bodies of the identity API (shapes only; the rules are checked in domain/)."""

from marshmallow import Schema, fields, validate

from services.identity.domain.sms_codes import PURPOSES

# Generous upper bounds so junk is refused early; the domain gives the precise Chinese message.
_short = validate.Length(max=64)


class CaptchaOut(Schema):
    captcha_id = fields.String()
    image = fields.String(metadata={"description": "PNG data URL"})
    dev_answer = fields.String(metadata={"description": "development servers only"})


class IdentityIn(Schema):
    """Step 1 of registration and recovery."""

    center = fields.String(required=True, validate=_short)
    id_number = fields.String(required=True, validate=_short)
    phone = fields.String(required=True, validate=_short)


class SmsCodeIn(IdentityIn):
    purpose = fields.String(required=True, validate=validate.OneOf(PURPOSES))


class SmsCodeOut(Schema):
    resend_after = fields.Integer()
    expires_in = fields.Integer()


class VerifyIn(IdentityIn):
    sms_code = fields.String(required=True, validate=_short)


class RegistrationTokenOut(Schema):
    registration_token = fields.String()
    expires_in = fields.Integer()


class ResetTokenOut(Schema):
    reset_token = fields.String()
    expires_in = fields.Integer()


class CaptchaAnswerIn(Schema):
    captcha_id = fields.String(load_default=None, allow_none=True, validate=_short)
    captcha_answer = fields.String(load_default=None, allow_none=True, validate=_short)


class RegistrationIn(CaptchaAnswerIn):
    registration_token = fields.String(required=True, validate=_short)
    username = fields.String(required=True, validate=_short)
    password = fields.String(required=True, validate=_short)
    password_confirm = fields.String(required=True, validate=_short)
    email = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    agreed = fields.Boolean(load_default=False)


class RegisteredOut(Schema):
    user_id = fields.String()
    username = fields.String()
    center = fields.String()


class PasswordResetIn(CaptchaAnswerIn):
    reset_token = fields.String(required=True, validate=_short)
    username = fields.String(required=True, validate=_short)
    new_password = fields.String(required=True, validate=_short)
    new_password_confirm = fields.String(required=True, validate=_short)


class LoginIn(CaptchaAnswerIn):
    center = fields.String(required=True, validate=_short)
    username = fields.String(required=True, validate=_short)
    password = fields.String(required=True, validate=_short)


class StaffLoginIn(CaptchaAnswerIn):
    username = fields.String(required=True, validate=_short)
    password = fields.String(required=True, validate=_short)


class GrantOut(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    expires_in = fields.Integer()
    token_type = fields.String()


class RefreshIn(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(max=200))


class MeOut(Schema):
    user_id = fields.String()
    username = fields.String()
    center = fields.String()
    name = fields.String(allow_none=True)
    account_no = fields.String()
    id_number = fields.String(metadata={"description": "masked"})
    mobile = fields.String(allow_none=True, metadata={"description": "masked"})
    email = fields.String(allow_none=True)
    registered_at = fields.DateTime()
    password_changed_at = fields.DateTime(allow_none=True)


class PasswordChangeIn(Schema):
    old_password = fields.String(required=True, validate=_short)
    new_password = fields.String(required=True, validate=_short)
    new_password_confirm = fields.String(required=True, validate=_short)
