"""Handlers of the events identity consumes: the depositor replica (who may register, and where their codes go)."""

from datetime import datetime

from sqlalchemy import select, update

from services.identity.models import Depositor, User


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
