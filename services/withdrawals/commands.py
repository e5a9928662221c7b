"""Withdrawals' own operator commands: `flask --app services.withdrawals.app mark-missed | send-reminders`."""

import click
from flask import Flask

from chassis.jobs import Job
from chassis.runtime import Runtime
from services.withdrawals.cases import booking


def _mark_missed(runtime: Runtime) -> str:
    with runtime.db.transaction() as session:
        return f"{booking.mark_missed(session)} appointment(s) marked missed"


def _send_reminders(runtime: Runtime) -> str:
    with runtime.db.transaction() as session:
        return f"{booking.send_reminders(session)} reminder(s) due"


JOBS = (
    Job("mark-missed", _mark_missed, "*/15 * * * *", 300, "booked appointments whose slot ended become missed"),
    Job("send-reminders", _send_reminders, "0 18 * * *", 3600, "remind tomorrow's appointments (once each)"),
)


def register_commands(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("mark-missed")
    def mark_missed() -> None:
        """Turn booked appointments whose slot has ended into missed ones."""
        with runtime.db.transaction() as session:
            count = booking.mark_missed(session)
        click.echo(f"withdrawals: {count} appointment(s) marked missed")

    @app.cli.command("send-reminders")
    def send_reminders() -> None:
        """Publish withdrawals.appointment.reminder_due for tomorrow's appointments."""
        with runtime.db.transaction() as session:
            count = booking.send_reminders(session)
        click.echo(f"withdrawals: {count} reminder(s) due")
