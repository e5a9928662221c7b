"""Scheduled jobs are safe twice and twice at once: a run holds a PostgreSQL advisory lock (a second one meanwhile
is skipped), and each job is idempotent per period. Prune removes only what is older than its keep period."""

import threading
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from chassis import clock
from chassis.bus.tables import idempotency_keys, inbox, outbox
from chassis.jobs import PRUNE, Job, jobs_of, run_job
from chassis.migrations import upgrade
from services.withdrawals.app import service as withdrawals


def _runtime(postgres_databases):
    url = postgres_databases.create("withdrawals")
    upgrade(withdrawals, url, "head")
    return withdrawals.runtime(withdrawals.load_config(database_url=url, embedded=False))


def test_two_runs_at_once_on_postgresql_one_works_the_other_is_skipped(postgres_databases):
    runtimes = [_runtime(postgres_databases)]
    runtimes.append(withdrawals.runtime(runtimes[0].config))  # a second pod: its own pool, the same database
    inside, release = threading.Event(), threading.Event()
    worked = []

    def slow(_runtime) -> str:
        worked.append(1)
        inside.set()
        assert release.wait(10)
        return "done"

    job = Job("slow", slow, "* * * * *", 1)
    results: dict[int, str] = {}
    first = threading.Thread(target=lambda: results.update({0: run_job(runtimes[0], job)}))
    first.start()
    assert inside.wait(10)
    results[1] = run_job(runtimes[1], job)  # while the first holds the lock
    release.set()
    first.join(10)
    assert "skipped" in results[1] and results[0].endswith("done")
    assert len(worked) == 1
    assert run_job(runtimes[1], job).endswith("done")  # the lock went with the first run
    for runtime in runtimes:
        runtime.stop()


def test_prune_keeps_what_is_recent_and_is_harmless_twice_at_once(postgres_databases):
    runtime = _runtime(postgres_databases)
    now = clock.now()
    old, recent = now - timedelta(days=40), now - timedelta(hours=1)
    with runtime.db.transaction() as session:
        for moment, sent in ((old, old), (recent, recent), (old, None)):
            session.execute(
                outbox.insert().values(
                    message_id=str(uuid.uuid4()), type="t", envelope="{}", created_at=moment, sent_at=sent
                )
            )
        for moment in (old, recent):
            session.execute(
                inbox.insert().values(consumer="c", message_id=str(uuid.uuid4()), event_type="t", handled_at=moment)
            )
            session.execute(
                idempotency_keys.insert().values(
                    caller="u", key=str(uuid.uuid4()), endpoint="/x", status=201, body="{}", created_at=moment
                )
            )
    threads = [threading.Thread(target=run_job, args=(runtime, PRUNE)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "outbox 0 removed" in run_job(runtime, PRUNE)
    with runtime.db.transaction() as session:
        # the old unsent row stays: the relay has yet to send it
        assert session.scalar(select(func.count()).select_from(outbox)) == 2
        assert session.scalar(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))) == 1
        assert session.scalar(select(func.count()).select_from(inbox)) == 1
        assert session.scalar(select(func.count()).select_from(idempotency_keys)) == 1
    runtime.stop()


def test_every_service_declares_its_jobs_with_a_schedule_and_prune():
    from services.registry import NAMES, load

    expected = {
        "loans": {"entrusted-withdrawal", "repayment-run"},
        "withdrawals": {"mark-missed", "send-reminders"},
        "notifications": {"send-due"},
        "accounts": {"settle-interest"},
        "identity": set(),
    }
    for name in NAMES:
        service = load(name)
        jobs = jobs_of(service.runtime(service.load_config(database_url="sqlite://")))
        assert set(jobs) == expected[name] | {"prune"}
        assert all(len(job.schedule.split()) == 5 for job in jobs.values())
    settle = jobs_of(load("accounts").runtime(load("accounts").load_config(database_url="sqlite://")))
    assert settle["settle-interest"].schedule == "30 23 30 6 *"


def test_the_job_loop_of_make_up_runs_every_job_and_stops_on_sigterm(postgres_databases, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    url = postgres_databases.create("withdrawals")
    upgrade(withdrawals, url, "head")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HALL_", "WITHDRAWALS_"))}
    env |= {
        "HALL_EMBEDDED": "false",
        "HALL_WORKSTATION": "true",
        "HALL_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
        "WITHDRAWALS_DATABASE_URL": url,
        "HALL_LOG_JSON": "false",
    }
    log_path = tmp_path / "job-loop.log"
    jobs = ("mark-missed", "send-reminders", "prune")
    with log_path.open("w") as log_file:
        loop = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "services.withdrawals.app", "job", "loop", "--tick", "0.5"],
            env=env,
            cwd=tmp_path,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        # a busy machine starts Python slowly: wait for the jobs' lines rather than a fixed time
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and loop.poll() is None:
            if all(f"withdrawals {job} done" in log_path.read_text() for job in jobs):
                break
            time.sleep(0.5)
    finally:
        loop.send_signal(signal.SIGTERM)
        loop.wait(timeout=30)
    output = log_path.read_text()
    assert loop.returncode == 0, output
    for job in jobs:
        assert f"withdrawals {job} done" in output, output
