"""The outbox publishes exactly what committed; the inbox applies each message once."""

import pytest

from chassis.bus import publish
from chassis.bus.relay import OutboxRelay
from chassis.testing import wait_until
from tests.chassis.probe import BUMPED, bump, tallies


def test_event_in_a_rolled_back_transaction_is_never_published(probe):
    probe.start_workers()
    with pytest.raises(RuntimeError), probe.db.transaction() as session:
        publish(session, BUMPED, {"key": "ghost"})
        raise RuntimeError("the business change failed")
    bump(probe, "real")
    wait_until(lambda: tallies(probe).get("real") == 1, what="the committed event to be handled")
    assert "ghost" not in tallies(probe)


def test_committed_event_is_published_and_handled_once(probe):
    probe.start_workers()
    bump(probe, "a", "b", "a")
    wait_until(lambda: tallies(probe) == {"a": 2, "b": 1}, what="three events handled")


class _CrashAfterPublish:
    """Wraps a real publisher: publishes, then dies before the relay marks the rows as sent."""

    def __init__(self, publisher):
        self.publisher = publisher
        self.crashed = False

    def publish(self, rows):
        self.publisher.publish(rows)
        if not self.crashed:
            self.crashed = True
            raise ConnectionError("relay died after publishing, before marking")
        return []

    def close(self):
        self.publisher.close()


def test_relay_dying_after_publishing_publishes_again_and_the_inbox_absorbs_the_duplicate(probe):
    probe.start_workers(relay=False)
    bump(probe, "once")
    relay = OutboxRelay(probe.db, probe.config)
    relay.publisher = _CrashAfterPublish(relay.publisher)
    with pytest.raises(ConnectionError):
        relay.run_once()
    assert relay.run_once() == 1  # the same row again: it was never marked sent
    wait_until(lambda: tallies(probe).get("once") == 1, what="the event handled")
    consumer = probe.consumer
    key = consumer.subscriptions[0].queue
    wait_until(
        lambda: _handled(key, "duplicate") >= 1,
        what="the second copy to be acknowledged as a duplicate",
    )
    assert tallies(probe) == {"once": 1}
    relay.publisher.close()


def _handled(queue: str, outcome: str) -> float:
    from chassis.metrics import events_handled

    return events_handled.labels(queue, outcome)._value.get()


def test_the_same_message_delivered_twice_is_applied_once(probe):
    consumer_runtime = probe
    consumer_runtime.start_workers(relay=False)
    with probe.db.transaction() as session:
        envelope = publish(session, BUMPED, {"key": "dup"})
    relay = OutboxRelay(probe.db, probe.config)
    relay.run_once()
    # put the very same row back to unsent: the relay sends an identical copy (same message id)
    from sqlalchemy import update

    from chassis.bus.tables import outbox

    with probe.db.transaction() as session:
        session.execute(update(outbox).where(outbox.c.message_id == envelope.id).values(sent_at=None))
    relay.run_once()
    queue = probe.consumer.subscriptions[0].queue
    wait_until(lambda: _handled(queue, "duplicate") >= 1, what="the copy to be skipped")
    assert tallies(probe) == {"dup": 1}
    relay.publisher.close()


def test_an_outbox_row_carrying_several_envelopes_is_published_as_one_message_each(probe):
    """Set-based writers (the interest settlement) put many envelopes in one row, one per line."""
    from chassis import clock
    from chassis.bus.envelope import Envelope
    from chassis.bus.outbox import mark_outbox_written
    from chassis.bus.tables import outbox

    probe.start_workers()
    envelopes = [Envelope(type=BUMPED, data={"key": key}, source="probe") for key in ("r1", "r2", "r3")]
    with probe.db.transaction() as session:
        session.execute(
            outbox.insert().values(
                message_id=envelopes[0].id,
                type=BUMPED,
                envelope="\n".join(envelope.to_json() for envelope in envelopes),
                created_at=clock.now(),
            )
        )
        mark_outbox_written(session)
    wait_until(lambda: tallies(probe) == {"r1": 1, "r2": 1, "r3": 1}, what="three messages from one row")
    queue = probe.consumer.subscriptions[0].queue
    assert _handled(queue, "duplicate") == 0  # each line went out under its own message id
