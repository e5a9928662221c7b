"""Staff accounts for the consoles: created by an operator with `flask --app services.identity.app create-staff`."""

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import clock
from chassis.runtime import Runtime
from services.identity.config import IdentityConfig
from services.identity.domain.credentials import check_password, username_key
from services.identity.domain.errors import IdentityError
from services.identity.models import StaffUser
from services.identity.users import password_hasher

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


def add_staff_commands(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("create-staff")
    @click.argument("username")
    @click.option("--name", required=True, help="姓名")
    @click.option("--center", default="yinchuan", show_default=True)
    @click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES))
    @click.password_option(help="letters/digits, 6-24")
    def create_staff(username: str, name: str, center: str, roles: tuple[str, ...], password: str) -> None:
        """Create or update a staff user (name, centre, roles, password)."""
        try:
            with runtime.db.transaction() as session:
                save_staff(
                    session,
                    runtime.config,
                    username=username,
                    name=name,
                    center=center,
                    roles=list(roles),
                    password=password,
                )
        except IdentityError as error:
            raise click.BadParameter(error.detail, param_hint="password") from error
        click.echo(f"staff user {username_key(username)} saved with roles {', '.join(roles)}")

    @app.cli.command("rotate-signing-key")
    def rotate_signing_key() -> None:
        """Sign new tokens with a new key; the previous one stays published until the next rotation."""
        from services.identity.keys import key_ring

        click.echo(f"new signing key {key_ring(runtime).rotate()}")
