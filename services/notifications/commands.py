"""Notifications' own operator commands: `flask --app services.notifications.app send-due`."""

import click
from flask import Flask

from chassis.jobs import Job
from chassis.runtime import Runtime
from services.notifications.cases.delivery import send_due


def _send_due(runtime: Runtime) -> str:
    from services.notifications.adapters.sms import build_provider

    handled = send_due(runtime.db, runtime.config, build_provider(runtime.config, runtime.db))
    return f"{handled} texts handed to the provider"


JOBS = (
    Job(
        name="send-due",
        run=_send_due,
        schedule="*/5 * * * *",
        every_seconds=300,
        description="deferred texts whose time has come and retries due (beside the worker's sender; claims keep "
        "a text from going out twice)",
    ),
)


def register_commands(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("send-due")
    def send_due_command() -> None:
        """Send every text that is due now (deferred ones whose time has come, retries), once."""
        from services.notifications.adapters.sms import build_provider

        handled = send_due(runtime.db, runtime.config, build_provider(runtime.config, runtime.db))
        click.echo(f"notifications: {handled} texts handed to the provider")
