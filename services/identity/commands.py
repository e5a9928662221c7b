"""Identity's own operator commands: `flask --app services.identity.app create-staff | rotate-signing-key`."""

import click
from flask import Flask

from chassis.runtime import Runtime
from services.identity.cases.keys import key_ring
from services.identity.cases.staff import ROLES, save_staff
from services.identity.domain.credentials import username_key
from services.identity.domain.errors import IdentityError


def register_commands(app: Flask, runtime: Runtime) -> None:
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
    @click.option("--activate-after", default=0, type=int, help="publish now, sign only after this many seconds")
    def rotate_signing_key(activate_after: int) -> None:
        """Sign new tokens with a new key; the previous one stays published until the next rotation. With
        --activate-after the key is published at once and signs later (the edge learns it first)."""
        click.echo(f"new signing key {key_ring(runtime).rotate(activate_after)}")

    @app.cli.command("reseal-signing-keys")
    def reseal_signing_keys() -> None:
        """Seal the live signing keys under the first IDENTITY_SIGNING_KEY_KEKS key (after a KEK rotation)."""
        click.echo(f"signing keys resealed: {key_ring(runtime).reseal()}")
