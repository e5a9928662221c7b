"""One Alembic environment per service (services/<name>/migrations), run from code or the CLI."""

from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, engine_from_config, pool

from chassis.bus.tables import bus_metadata

if TYPE_CHECKING:
    from chassis.service import Service


def alembic_config(service: "Service", database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(service.migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: "Service", database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, database_url), revision)


class SchemaNotAtHead(RuntimeError):
    """The database is behind the migrations this release carries: the pod must not serve on it."""


def schema_status(service: "Service", engine) -> str | None:
    """None when the database is at this release's head (or ahead of it: expand/contract keeps the older code
    working); otherwise why not, naming both revisions and what to run."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    if not service.migrations_dir.is_dir():
        return None
    script = ScriptDirectory.from_config(alembic_config(service, str(engine.url)))
    heads = set(script.get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return None
    known = {revision.revision for revision in script.walk_revisions()}
    if current and not current & known:
        return None  # a newer release migrated already; this one still runs on the expanded schema
    return (
        f"{service.name}: database at {', '.join(sorted(current)) or 'no revision'}, this release needs "
        f"{', '.join(sorted(heads))}: run its migration Job (flask --app services.{service.name}.app migrate) first"
    )


def revision(service: "Service", database_url: str, message: str) -> None:
    """Autogenerate the next revision, numbered 0002, 0003, ... after the existing ones."""
    existing = [path for path in (service.migrations_dir / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    rev_id = f"{len(existing) + 1:04d}"
    command.revision(alembic_config(service, database_url), message=message, autogenerate=True, rev_id=rev_id)


def run_env(service_metadata: MetaData) -> None:
    """The body of every service's migrations/env.py: its own tables plus the outbox and inbox."""
    from alembic import context

    config = context.config
    target = [service_metadata, bus_metadata]
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = engine_from_config(
        config.get_section(config.config_ini_section) or {"sqlalchemy.url": url},
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


def migrations_dir_of(package_file: str) -> Path:
    return Path(package_file).resolve().parent / "migrations"


def create_bus_tables() -> None:
    """The first revision of every service: its outbox and inbox."""
    from alembic import op

    bind = op.get_bind()
    bus_metadata.create_all(bind)


def drop_bus_tables() -> None:
    from alembic import op

    bus_metadata.drop_all(op.get_bind())
