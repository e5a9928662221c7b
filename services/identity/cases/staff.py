"""Staff accounts for the consoles (created by an operator with `flask --app services.identity.app create-staff`)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from services.identity.cases.users import password_hasher
from services.identity.config import IdentityConfig
from services.identity.domain.credentials import check_password, username_key
from services.identity.models import StaffUser

ROLES = ("loan_officer", "loan_approver", "bank_officer", "withdrawal_officer", "admin")


def save_staff(
    session: Session,
    config: IdentityConfig,
    *,
    username: str,
    name: str,
    center: str,
    roles: list[str],
    password: str,
    overwrite_password: bool = True,
) -> StaffUser:
    """Create the staff user, or update name, centre and roles of an existing one."""
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise ValueError(f"roles must be some of {', '.join(ROLES)}; got {', '.join(roles) or 'none'}")
    key = username_key(username)
    staff = session.scalar(select(StaffUser).where(StaffUser.username == key))
    if staff is None:
        staff = StaffUser(username=key, created_at=clock.now(), active=True)
        session.add(staff)
        overwrite_password = True
    staff.name, staff.center, staff.roles = name, center, list(roles)
    if overwrite_password:
        staff.password_hash = password_hasher(config).hash(check_password(password))
    return staff
