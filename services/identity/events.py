"""Events the identity service publishes (contracts) and the handlers of those it consumes."""

from datetime import datetime

from marshmallow import Schema, fields, validate
from sqlalchemy import select, update

from chassis.bus import EventContract, Subscriptions
from services.accounts.events import CONTACT_CHANGED, DEPOSITOR_REGISTERED
from services.identity.models import Depositor, User

handlers = Subscriptions("identity")


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


SMS_REQUESTED = EventContract("identity.sms.requested", SmsRequested)
USER_REGISTERED = EventContract("identity.user.registered", UserRegistered)
USER_LOCKED = EventContract("identity.user.locked", UserLocked)
PASSWORD_RESET = EventContract("identity.password.reset", PasswordEvent)
PASSWORD_CHANGED = EventContract("identity.password.changed", PasswordEvent)


# --- consumed: the depositor replica (who may register, and where their codes go) --------------------


@handlers.on(DEPOSITOR_REGISTERED, CONTACT_CHANGED, purpose="depositor-replica")
def keep_depositor_replica(delivery) -> None:
    """Upsert by centre + ID number. Events may arrive in any order: the mobile follows the newest event
    that set it, and a contact change that arrives before the registration creates the row early."""
    data = delivery.data
    occurred_at: datetime = delivery.event.occurred_at
    session = delivery.session
    row = session.scalar(
        select(Depositor)
        .where(Depositor.center == data["center"], Depositor.id_number == data["id_number"].upper())
        .with_for_update()
    )
    if row is None:
        row = Depositor(center=data["center"], id_number=data["id_number"].upper())
        session.add(row)
    row.account_no = data["account_no"]
    if data.get("name"):
        row.name = data["name"]
    if row.mobile_changed_at is None or occurred_at >= row.mobile_changed_at:
        row.mobile = data["mobile"] or None
        row.mobile_changed_at = occurred_at
    row.updated_at = occurred_at if row.updated_at is None else max(row.updated_at, occurred_at)
    # a user made before the replica arrived (the demo seed) follows the account number accounts gives
    session.execute(
        update(User)
        .where(User.center == row.center, User.id_number == row.id_number, User.account_no != row.account_no)
        .values(account_no=row.account_no)
    )
