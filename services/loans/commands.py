"""Loans' own operator commands: `flask --app services.loans.app repayment-run --date YYYY-MM-DD`."""

from datetime import date

import click
from flask import Flask

from chassis import clock
from chassis.jobs import Job
from chassis.runtime import Runtime
from services.loans.cases.loan_book import run_entrusted_withdrawals, run_repayments


def _repayment_run(runtime: Runtime) -> str:
    return str(run_repayments(runtime.db, runtime.config, clock.today()))


def _entrusted_withdrawal(runtime: Runtime) -> str:
    return str(run_entrusted_withdrawals(runtime.db, clock.today()))


JOBS = (
    Job(
        name="entrusted-withdrawal",
        run=_entrusted_withdrawal,
        schedule="10 1 * * *",
        every_seconds=3600,
        description="ask the signed-up borrowers' fund accounts for the months due (and retry failed ones), ahead "
        "of the repayment run; idempotent per loan and month",
    ),
    Job(
        name="repayment-run",
        run=_repayment_run,
        schedule="10 2 * * *",
        every_seconds=3600,
        description="post due instalments, mark overdue loans (penalty), remind of coming ones; idempotent per day",
    ),
)


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
