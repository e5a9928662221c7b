"""A consumer applies a delivered batch in one transaction, with one inbox statement, and a failing message fails
alone: the others are applied once, the failed one keeps its error for the retry/park path and no inbox row."""

from sqlalchemy import select

from chassis.bus import publish
from chassis.bus.consumer import ConsumerWorker
from chassis.bus.tables import inbox, outbox
from tests.chassis.probe import BUMPED, tallies


def _bodies(probe, *keys: str) -> list[bytes]:
    with probe.db.transaction() as session:
        envelopes = [publish(session, BUMPED, {"key": key}) for key in keys]
    return [envelope.to_json().encode() for envelope in envelopes]


def _worker(probe) -> tuple[ConsumerWorker, object]:
    subscriptions = list(probe.service.subscriptions)
    return ConsumerWorker(probe.db, probe.config, subscriptions), subscriptions[0]


def _inbox_ids(probe) -> set[str]:
    with probe.db.transaction() as session:
        return set(session.scalars(select(inbox.c.message_id)))


def test_a_batch_is_applied_once_and_copies_in_it_or_later_are_duplicates(probe):
    worker, subscription = _worker(probe)
    a, b, c = _bodies(probe, "a", "b", "a")
    outcomes = worker.handle_batch([(subscription, body) for body in (a, b, a, c)])
    assert outcomes == ["handled", "handled", "duplicate", "handled"]
    assert tallies(probe) == {"a": 2, "b": 1}
    assert worker.handle_batch([(subscription, b), (subscription, c)]) == ["duplicate", "duplicate"]
    assert tallies(probe) == {"a": 2, "b": 1}
    assert len(_inbox_ids(probe)) == 3


def test_a_message_whose_handler_raises_fails_alone_and_is_applied_on_its_retry(probe):
    probe.failures.remaining["flaky"] = 1
    worker, subscription = _worker(probe)
    bodies = _bodies(probe, "x", "flaky", "y")
    outcomes = worker.handle_batch([(subscription, body) for body in bodies])
    assert outcomes[0] == "handled" and outcomes[2] == "handled"
    assert isinstance(outcomes[1], RuntimeError) and "planned failure for flaky" in str(outcomes[1])
    assert tallies(probe) == {"x": 1, "y": 1}  # the first pass that saw the failure left nothing behind
    with probe.db.transaction() as session:
        flaky_id = session.scalar(select(outbox.c.message_id).order_by(outbox.c.id.desc()).offset(1).limit(1))
    assert flaky_id not in _inbox_ids(probe)  # not claimed: its retry must apply it
    assert worker.handle_batch([(subscription, bodies[1])]) == ["handled"]
    assert tallies(probe) == {"x": 1, "flaky": 1, "y": 1}


def test_a_database_error_of_one_message_is_told_apart_and_fails_it_alone(probe):
    worker, subscription = _worker(probe)
    bodies = _bodies(probe, "p", "clash", "q")
    outcomes = worker.handle_batch([(subscription, body) for body in bodies])
    assert outcomes[0] == "handled" and outcomes[2] == "handled"
    assert "IntegrityError" in type(outcomes[1]).__name__
    assert tallies(probe) == {"p": 1, "q": 1}


def test_a_malformed_message_in_a_batch_fails_alone(probe):
    worker, subscription = _worker(probe)
    (good,) = _bodies(probe, "fine")
    outcomes = worker.handle_batch([(subscription, b'{"not": "an envelope"}'), (subscription, good)])
    assert "ValidationError" in type(outcomes[0]).__name__
    assert outcomes[1] == "handled"
    assert tallies(probe) == {"fine": 1}


def test_many_failures_in_one_batch_each_fail_alone(probe):
    for key in ("f1", "f2", "f3", "f4"):
        probe.failures.remaining[key] = 1
    worker, subscription = _worker(probe)
    keys = ["ok1", "f1", "ok2", "f2", "f3", "ok3", "f4"]
    outcomes = worker.handle_batch([(subscription, body) for body in _bodies(probe, *keys)])
    assert [outcome if isinstance(outcome, str) else "failed" for outcome in outcomes] == [
        "handled" if key.startswith("ok") else "failed" for key in keys
    ]
    assert tallies(probe) == {"ok1": 1, "ok2": 1, "ok3": 1}
