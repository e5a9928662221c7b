"""Parked messages (`<queue>.dead`): list them with their errors, and re-drive them to their queue."""

from dataclasses import dataclass
from typing import Any

from kombu import Producer, Queue

from chassis.bus.broker import connect
from chassis.bus.consumer import ATTEMPTS_HEADER, ERROR_HEADER
from chassis.bus.topology import DEFAULT_EXCHANGE
from chassis.config import ServiceConfig


@dataclass
class ParkedMessage:
    queue: str
    message_id: str | None
    event_type: str | None
    attempts: int
    error: str
    failed_at: str | None
    body: bytes


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


def redrive(config: ServiceConfig, queue: str, message_id: str | None = None, limit: int = 1000) -> int:
    """Send parked messages (all, or the one with `message_id`) back to `queue` with a fresh attempt count."""
    moved, kept = 0, []
    with connect(config) as connection:
        channel = connection.channel()
        dead = Queue(f"{queue}.dead", durable=True)(channel)
        producer = Producer(channel)
        for _ in range(limit):
            message = dead.get(no_ack=False)
            if message is None:
                break
            if message_id and message.properties.get("message_id") != message_id:
                kept.append(message)
                continue
            headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-error")}
            headers[ATTEMPTS_HEADER] = 0
            headers["x-redriven"] = int(headers.get("x-redriven", 0)) + 1
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
