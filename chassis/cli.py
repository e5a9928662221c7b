"""Operational commands every service has: `flask --app services.<name>.app <command>`."""

import click
from flask import Flask

from chassis.bus import parking
from chassis.runtime import Runtime


def register_commands(app: Flask, runtime: Runtime) -> None:
    @app.cli.command("migrate")
    def migrate() -> None:
        """Apply this service's Alembic migrations up to head."""
        runtime.migrate()
        click.echo(f"{runtime.name}: database at head")

    @app.cli.command("seed")
    def seed() -> None:
        """Load the demo data (idempotent), with this service's relay and consumers running meanwhile: a seed may
        build on what the others' seeds published (loans files its demo applications on accounts' deposits), and
        what it publishes itself is sent before the command ends."""
        if runtime.service.seed is None:
            click.echo(f"{runtime.name}: no demo data")
            return
        if not (runtime.config.embedded or runtime.config.workstation):
            raise click.ClickException(
                f"{runtime.name}: demo data refused in production (HALL_EMBEDDED=false without HALL_WORKSTATION=true)"
            )
        runtime.start_workers()
        try:
            runtime.service.seed(runtime)
            if not runtime.wait_for_outbox_sent(timeout=120):
                raise click.ClickException(f"{runtime.name}: demo events not all sent to the broker within 120 s")
        finally:
            runtime.stop()
        click.echo(f"{runtime.name}: demo data loaded")

    @app.cli.command("declare-topology")
    def declare_topology() -> None:
        """Declare the exchange and this service's queues (retry and parking included)."""
        runtime.declare_topology()
        click.echo(f"{runtime.name}: topology declared")

    @app.cli.command("worker")
    @click.option("--no-relay", is_flag=True, help="consumers only")
    @click.option("--no-consumers", is_flag=True, help="relay only")
    @click.option("--health-port", type=int, default=None, help="/livez /readyz /metrics (HALL_WORKER_HEALTH_PORT)")
    def worker(no_relay: bool, no_consumers: bool, health_port: int | None) -> None:
        """Run the outbox relay and the consumers until SIGINT/SIGTERM; exit non-zero if one of them dies."""
        from chassis.migrations import SchemaNotAtHead
        from chassis.runtime import WorkerThreadDied, run_worker

        click.echo(f"{runtime.name}: worker starting")
        try:
            run_worker(runtime, relay=not no_relay, consumers=not no_consumers, health_port=health_port)
        except (SchemaNotAtHead, WorkerThreadDied) as error:
            raise click.ClickException(str(error)) from error

    @app.cli.group("dead-letters")
    def dead_letters() -> None:
        """Parked messages: list and re-drive."""

    def _queues(queue: str | None) -> list[str]:
        names = [item.queue for item in runtime.subscriptions]
        if queue and queue not in names:
            raise click.BadParameter(f"unknown queue {queue}; this service has: {', '.join(names)}")
        return [queue] if queue else names

    @dead_letters.command("list")
    @click.option("--queue", default=None)
    def list_dead(queue: str | None) -> None:
        for name in _queues(queue):
            for item in parking.list_parked(runtime.config, name):
                click.echo(f"{name}\t{item.message_id}\t{item.event_type}\tattempts={item.attempts}\t{item.error}")

    @dead_letters.command("redrive")
    @click.option("--queue", default=None)
    @click.option("--id", "message_id", default=None, help="only this message")
    @click.option("--transient", is_flag=True, help="only those whose error is known to pass (the worker's policy)")
    def redrive(queue: str | None, message_id: str | None, transient: bool) -> None:
        if transient:
            times = max(runtime.config.transient_redrive_limit, 1)
            click.echo(f"re-driven: {parking.redrive_transient(runtime.config, _queues(queue), times)}")
            return
        total = sum(parking.redrive(runtime.config, name, message_id) for name in _queues(queue))
        click.echo(f"re-driven: {total}")

    @app.cli.group("job")
    def job_group() -> None:
        """Scheduled jobs (CronJobs; `job loop` in make up): list, run one, or loop over all."""

    @job_group.command("list")
    def list_jobs() -> None:
        from chassis.jobs import jobs_of

        for job in jobs_of(runtime).values():
            click.echo(f"{job.name}\t{job.schedule}\t{job.description}")

    @job_group.command("run")
    @click.argument("name")
    def run_one(name: str) -> None:
        """Run one job now, under its lock (a second run at the same time is skipped, exit 0)."""
        from chassis.jobs import jobs_of, run_job

        jobs = jobs_of(runtime)
        if name not in jobs:
            raise click.BadParameter(f"unknown job {name}; this service has: {', '.join(jobs)}")
        try:
            click.echo(run_job(runtime, jobs[name]))
        finally:
            runtime.db.dispose()

    @job_group.command("loop")
    @click.option("--tick", type=float, default=30.0, help="seconds between looks at what is due")
    @click.option("--metrics-port", type=int, default=0, help="serve /metrics (last successes) on this port")
    def loop_jobs(tick: float, metrics_port: int) -> None:
        """Every job at its interval until SIGINT/SIGTERM (make up; Kubernetes uses the CronJobs)."""
        import signal
        import threading

        from chassis import jobs
        from chassis.runtime import HealthServer

        health = HealthServer(runtime, metrics_port).start() if metrics_port else None

        done = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: done.set())
        click.echo(f"{runtime.name}: jobs {', '.join(jobs.jobs_of(runtime))} looping")
        jobs.loop(runtime, done, tick)
        if health:
            health.stop()
        runtime.db.dispose()
