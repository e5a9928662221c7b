"""`flask --app services.accounts.app <command>`: the staff operations from the command line, and scale data."""

import json
from datetime import date
from pathlib import Path

import click
from flask import Flask

from chassis import clock
from chassis.jobs import Job
from chassis.rules import RuleViolation
from chassis.runtime import Runtime
from services.accounts.cases import operations
from services.accounts.domain.errors import ImportRejected


def _settle_interest(runtime: Runtime) -> str:
    today = clock.today()
    fund_year = today.year if today >= date(today.year, 6, 30) else today.year - 1
    result = operations.settle_interest(runtime, fund_year)
    return json.dumps(result, ensure_ascii=False, default=str)


JOBS = (
    Job(
        name="settle-interest",
        run=_settle_interest,
        schedule="30 23 30 6 *",
        every_seconds=3600,
        description="the fund year's interest on 30 June (idempotent per fund year)",
        only_on=lambda day: (day.month, day.day) == (6, 30),
    ),
)


def _echo(result: dict) -> None:
    click.echo(json.dumps(result, ensure_ascii=False, default=str, indent=2))


def _refused(violation: RuleViolation) -> click.ClickException:
    lines = [f"{violation.code}: {violation.detail}"]
    if isinstance(violation, ImportRejected):
        lines.extend(str(error) for error in violation.errors)
    return click.ClickException("\n".join(lines))


def register_commands(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("import-depositors")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_depositors(path: Path) -> None:
        """Import depositors from a CSV file (header row) or a JSON list; all rows or none."""
        text = path.read_text(encoding="utf-8-sig")
        records = json.loads(text) if path.suffix == ".json" else text
        try:
            _echo(operations.import_records(runtime, records))
        except RuleViolation as violation:
            raise _refused(violation) from violation

    @app.cli.command("deposit-batch")
    @click.option("--employer", "employer_account_no", required=True, help="unit account no.")
    @click.option("--month", required=True, help="YYYY-MM")
    @click.option("--kind", type=click.Choice(["regular", "supplementary"]), default="regular")
    @click.option("--posted-on", type=click.DateTime(["%Y-%m-%d"]), default=None)
    def deposit_batch(employer_account_no: str, month: str, kind: str, posted_on) -> None:
        """Post an employer's monthly deposit (idempotent per employer, month and kind)."""
        try:
            _echo(
                operations.deposit_batch(
                    runtime, employer_account_no, month, kind, posted_on.date() if posted_on else None
                )
            )
        except RuleViolation as violation:
            raise _refused(violation) from violation

    @app.cli.command("settle-interest")
    @click.option("--year", "fund_year", type=int, default=None, help="fund year ending 30 June (default: last)")
    def settle_interest(fund_year: int | None) -> None:
        """Credit the year's interest to every open account (idempotent per fund year)."""
        today = clock.today()
        fund_year = fund_year or (today.year if today >= date(today.year, 6, 30) else today.year - 1)
        try:
            _echo(operations.settle_interest(runtime, fund_year))
        except RuleViolation as violation:
            raise _refused(violation) from violation

    @app.cli.command("change-mobile")
    @click.argument("account_no")
    @click.argument("mobile")
    def change_mobile(account_no: str, mobile: str) -> None:
        """Change the mobile reserved at the centre."""
        try:
            operations.change_reserved_mobile(runtime, account_no, mobile)
        except RuleViolation as violation:
            raise _refused(violation) from violation
        click.echo(f"{account_no}: mobile changed")

    @app.cli.command("seal")
    @click.argument("account_no")
    @click.option("--unseal", is_flag=True, help="unseal instead")
    def seal(account_no: str, unseal: bool) -> None:
        """Seal (封存) or, with --unseal, unseal an account."""
        try:
            account = operations.seal_account(runtime, account_no, sealed=not unseal)
        except RuleViolation as violation:
            raise _refused(violation) from violation
        click.echo(f"{account_no}: {account.status}")

    @app.cli.command("generate-scale")
    @click.option("--depositors", type=int, required=True)
    @click.option("--months", type=int, required=True)
    def generate_scale(depositors: int, months: int) -> None:
        """Bulk synthetic depositors with monthly deposits for benchmarks (COPY on PostgreSQL)."""
        from services.accounts.scale import generate

        counts = generate(runtime.db, depositors, months)
        _echo(counts)
