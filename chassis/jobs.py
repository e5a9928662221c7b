"""Scheduled business jobs: each runs as a Kubernetes CronJob (`flask --app services.<name>.app job run <job>`) and,
in `make up`, inside one `job loop` process per service.

A run is safe twice and twice at once: it holds a database lock for its whole run (a PostgreSQL advisory lock on
a connection of its own, so a pod that dies releases it), a second run meanwhile is skipped, and every job is
idempotent per period (a repayment day, a fund year, an appointment's reminder) so a later second run changes
nothing.
"""

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from prometheus_client import Counter
from sqlalchemy import delete, select, text, tuple_

from chassis import clock, metrics
from chassis.bus.tables import idempotency_keys, inbox, outbox

if TYPE_CHECKING:
    from chassis.db import Database
    from chassis.runtime import Runtime

log = logging.getLogger("chassis.jobs")

job_runs = Counter("hall_job_runs_total", "Scheduled job runs", ["hall_service", "job", "outcome"])


@dataclass(frozen=True)
class Job:
    name: str
    # does the work; returns a one-line summary
    run: Callable[["Runtime"], str]
    # the CronJob's schedule (Asia/Shanghai), and how often `job loop` (make up) runs it
    schedule: str
    every_seconds: float
    description: str = ""
    # days the loop may run it on (the CronJob's schedule says the same); None: every day
    only_on: Callable[[date], bool] | None = None


def lock_key(service: str, job: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"hall-job:{service}:{job}".encode()).digest()[:8], "big", signed=True)


_local_locks: dict[int, threading.Lock] = {}
_local_guard = threading.Lock()


@contextmanager
def exclusive(db: "Database", key: int) -> Iterator[bool]:
    """True inside if this run holds the lock, False if another run holds it (then do nothing)."""
    if not db.is_postgres:
        # SQLite is the embedded hall: one process, so a process lock is the database's lock
        with _local_guard:
            lock = _local_locks.setdefault(key, threading.Lock())
        got = lock.acquire(blocking=False)
        try:
            yield got
        finally:
            if got:
                lock.release()
        return
    with db.engine.connect() as connection:
        got = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        connection.commit()
        try:
            yield got
        finally:
            if got:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()


def run_job(runtime: "Runtime", job: Job) -> str:
    """One run under the job's lock: its summary, or why it was skipped."""
    with exclusive(runtime.db, lock_key(runtime.name, job.name)) as got:
        if not got:
            job_runs.labels(runtime.name, job.name, "skipped").inc()
            log.info("%s %s: another run holds the lock, skipped", runtime.name, job.name)
            return f"{runtime.name} {job.name}: skipped, another run holds the lock"
        started = time.monotonic()
        try:
            summary = job.run(runtime)
        except Exception:
            job_runs.labels(runtime.name, job.name, "failed").inc()
            log.exception("%s %s failed", runtime.name, job.name)
            raise
        job_runs.labels(runtime.name, job.name, "done").inc()
        metrics.job_last_success.labels(runtime.name, job.name).set(clock.wall_clock_timestamp())  # vs time()
        log.info("%s %s done in %.1fs: %s", runtime.name, job.name, time.monotonic() - started, summary)
        return f"{runtime.name} {job.name}: {summary}"


def prune(runtime: "Runtime", batch: int = 5000) -> str:
    """Sent outbox rows, inbox rows and stored idempotent replies older than their keep periods, in batches (short
    transactions: the relay and the consumers keep working meanwhile). Idempotent by nature."""
    config = runtime.config
    now = clock.now()
    counts = {
        "outbox": _delete_in_batches(
            runtime.db,
            outbox,
            (outbox.c.id,),
            outbox.c.sent_at < now - timedelta(days=config.outbox_keep_days),
            batch,
        ),
        "inbox": _delete_in_batches(
            runtime.db,
            inbox,
            (inbox.c.consumer, inbox.c.message_id),
            inbox.c.handled_at < now - timedelta(days=config.inbox_keep_days),
            batch,
        ),
        "idempotency_keys": _delete_in_batches(
            runtime.db,
            idempotency_keys,
            (idempotency_keys.c.caller, idempotency_keys.c.key),
            idempotency_keys.c.created_at < now - timedelta(hours=config.idempotency_keep_hours),
            batch,
        ),
    }
    return ", ".join(f"{table} {count} removed" for table, count in counts.items())


def _delete_in_batches(db: "Database", table, key_columns, condition, batch: int) -> int:
    key = key_columns[0] if len(key_columns) == 1 else tuple_(*key_columns)
    total = 0
    while True:
        chosen = select(*key_columns).where(condition).limit(batch)
        with db.transaction() as session:
            removed = session.execute(delete(table).where(key.in_(chosen))).rowcount
        total += removed
        if removed < batch:
            return total


PRUNE = Job(
    name="prune",
    run=prune,
    schedule="17 3 * * *",
    every_seconds=6 * 3600,
    description="remove sent outbox rows, old inbox rows and old idempotent replies",
)


def jobs_of(runtime: "Runtime") -> dict[str, Job]:
    jobs = {job.name: job for job in runtime.service.jobs()}
    jobs.setdefault(PRUNE.name, PRUNE)
    return jobs


def loop(runtime: "Runtime", stop: threading.Event, tick_seconds: float = 30.0) -> None:
    """`make up`: every job of the service at its own interval (and only on its days) until `stop`."""
    jobs = jobs_of(runtime)
    last: dict[str, float] = {}
    while not stop.is_set():
        for job in jobs.values():
            if job.only_on is not None and not job.only_on(clock.today()):
                continue
            if time.monotonic() - last.get(job.name, -1e18) < job.every_seconds:
                continue
            last[job.name] = time.monotonic()
            with contextlib.suppress(Exception):  # logged by run_job; the next interval tries again
                run_job(runtime, job)
        stop.wait(tick_seconds)
