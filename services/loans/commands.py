"""Loans' own operator commands: `flask --app services.loans.app repayment-run --date YYYY-MM-DD`."""

from datetime import date

import click
from flask import Flask

from chassis.runtime import Runtime
from services.loans.cases.loan_book import run_repayments


def register_commands(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("repayment-run")
    @click.option("--date", "on", required=True, help="YYYY-MM-DD: post what falls due by this day")
    def repayment_run(on: str) -> None:
        """Post due instalments (bank deductions), mark overdue loans, close paid-off ones, send reminders."""
        try:
            day = date.fromisoformat(on)
        except ValueError:
            raise click.BadParameter("日期格式应为YYYY-MM-DD", param_hint="--date") from None
        click.echo(str(run_repayments(runtime.db, runtime.config, day)))
