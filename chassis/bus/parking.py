"""Parked messages (`<queue>.dead`): list them with their errors, and re-drive them to their queue, by hand or,
for errors known to pass by themselves, by policy."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kombu import Producer, Queue

from chassis import metrics
from chassis.bus.broker import connect
from chassis.bus.consumer import ATTEMPTS_HEADER, ERROR_HEADER
from chassis.bus.infrastructure import is_known_transient
from chassis.bus.topology import DEFAULT_EXCHANGE
from chassis.config import ServiceConfig

REDRIVEN_HEADER = "x-redriven"

log = logging.getLogger("chassis.parking")


@dataclass
class ParkedMessage:
    queue: str
    message_id: str | None
    event_type: str | None
    attempts: int
    error: str
    failed_at: str | None
    body: bytes
    # times it was re-driven before (by hand or by policy)
    redriven: int = 0


def _parked(message: Any, queue: str) -> ParkedMessage:
    headers = message.headers or {}
    return ParkedMessage(
        queue=queue,
        message_id=message.properties.get("message_id"),
        event_type=message.properties.get("type"),
        attempts=int(headers.get(ATTEMPTS_HEADER, 0)),
        error=str(headers.get(ERROR_HEADER, "")),
        failed_at=headers.get("x-failed-at"),
        body=message.body,
        redriven=int(headers.get(REDRIVEN_HEADER, 0)),
    )


def list_parked(config: ServiceConfig, queue: str, limit: int = 100) -> list[ParkedMessage]:
    """Look without taking: every message read is put back in its place."""
    found, held = [], []
    with connect(config) as connection:
        channel = connection.channel()
        dead = Queue(f"{queue}.dead", durable=True)(channel)
        for _ in range(limit):
            message = dead.get(no_ack=False)
            if message is None:
                break
            held.append(message)
            found.append(_parked(message, queue))
        for message in reversed(held):
            message.requeue()
        channel.close()
    return found


def redrive(
    config: ServiceConfig,
    queue: str,
    message_id: str | None = None,
    limit: int = 1000,
    only: Callable[[dict], bool] | None = None,
) -> int:
    """Send parked messages (all, the one with `message_id`, or those whose headers `only` accepts) back to `queue`
    with a fresh attempt count."""
    moved, kept = 0, []
    with connect(config) as connection:
        channel = connection.channel()
        dead = Queue(f"{queue}.dead", durable=True)(channel)
        producer = Producer(channel)
        for _ in range(limit):
            message = dead.get(no_ack=False)
            if message is None:
                break
            chosen = only is None or only(dict(message.headers or {}))
            if not chosen or (message_id and message.properties.get("message_id") != message_id):
                kept.append(message)
                continue
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-error")}
            headers[ATTEMPTS_HEADER] = 0
            headers[REDRIVEN_HEADER] = int(headers.get(REDRIVEN_HEADER, 0)) + 1
            producer.publish(
                message.body,
                exchange=DEFAULT_EXCHANGE,
                routing_key=queue,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                message_id=message.properties.get("message_id"),
                type=message.properties.get("type"),
                headers=headers,
            )
            message.ack()
            moved += 1
        for message in reversed(kept):
            message.requeue()
        channel.close()
    return moved


def redrive_transient(config: ServiceConfig, queues: list[str], times: int) -> int:
    """The policy: parked messages whose error is known to pass (chassis.bus.infrastructure) go back to their queue,
    each at most `times` times over its life; any other stays for a person to look at."""

    def transient(headers: dict) -> bool:
        return is_known_transient(str(headers.get(ERROR_HEADER, ""))) and int(headers.get(REDRIVEN_HEADER, 0)) < times

    total = 0
    for queue in queues:
        moved = redrive(config, queue, only=transient)
        if moved:
            metrics.parked_redriven.labels(queue).inc(moved)
            log.warning("re-drove %s parked messages with a known-transient error", moved, extra={"queue": queue})
        total += moved
    return total


def redrive_transient_loop(config: ServiceConfig, queues: list[str], stop: threading.Event) -> None:
    """The worker's policy loop: every `transient_redrive_every_seconds`, until `stop`. A broker that is away is
    waited out: the next round tries again."""
    if config.transient_redrive_limit <= 0 or not queues:
        stop.wait()  # switched off: idle, not dead (a worker thread that ends fails the worker's liveness)
        return
    while not stop.wait(config.transient_redrive_every_seconds):
        try:
            redrive_transient(config, queues, config.transient_redrive_limit)
        except Exception as error:
            log.warning("re-driving transient parked messages failed, next round retries: %s", error)
