"""A failing handler is retried with a delay, parked with its error after N attempts, and re-driven by the CLI."""

import time

from chassis.bus import parking
from chassis.testing import wait_until
from tests.chassis.probe import bump, tallies


def test_a_handler_that_fails_twice_succeeds_on_the_third_attempt_after_a_delay(probe):
    probe.failures.remaining["flaky"] = 2
    probe.start_workers()
    started = time.monotonic()
    bump(probe, "flaky")
    wait_until(lambda: tallies(probe).get("flaky") == 1, timeout=20, what="the third attempt to succeed")
    # delays are 0.2 s then 0.4 s: a retry never comes back at once
    assert time.monotonic() - started >= 0.6
    assert probe.failures.calls["flaky"] == 3


def test_a_handler_that_always_fails_is_parked_with_its_error_and_the_cli_redrives_it(probe):
    probe.failures.remaining["doomed"] = 3  # max_attempts is 3
    probe.start_workers()
    bump(probe, "doomed")
    queue = probe.consumer.subscriptions[0].queue
    parked = wait_until(lambda: parking.list_parked(probe.config, queue), timeout=20, what="the message parked")
    assert len(parked) == 1
    assert parked[0].attempts == 3
    assert "planned failure for doomed" in parked[0].error
    assert "doomed" not in tallies(probe)

    # listing does not consume: it is still there
    assert len(parking.list_parked(probe.config, queue)) == 1

    app = probe.service.create_app(runtime=probe)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["dead-letters", "list"])
    assert parked[0].message_id in listed.output
    redriven = runner.invoke(args=["dead-letters", "redrive", "--queue", queue])
    assert "re-driven: 1" in redriven.output, redriven.output
    wait_until(lambda: tallies(probe).get("doomed") == 1, timeout=20, what="the re-driven message handled")
    assert parking.list_parked(probe.config, queue) == []


def test_a_malformed_message_is_parked_at_once(probe):
    from kombu import Producer

    from chassis.bus.broker import connect
    from chassis.bus.topology import events_exchange

    probe.start_workers()
    queue_ready = probe.consumer
    wait_until(queue_ready.connected.is_set, what="consumer connected")
    with connect(probe.config) as connection:
        Producer(connection.default_channel, exchange=events_exchange(probe.config.exchange)).publish(
            b'{"not": "an envelope"}',
            routing_key="probe.tally.bumped",
            content_type="application/json",
            message_id="bad-1",
        )
    queue = probe.consumer.subscriptions[0].queue
    parked = wait_until(lambda: parking.list_parked(probe.config, queue), timeout=10, what="malformed message parked")
    assert parked[0].attempts == 1
    assert "ValidationError" in parked[0].error
