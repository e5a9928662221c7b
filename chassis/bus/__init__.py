"""The message bus: envelope, transactional outbox, relay, idempotent consumers with retries and parking."""

from chassis.bus.envelope import Envelope, EventContract
from chassis.bus.outbox import publish
from chassis.bus.subscriptions import Delivery, Subscriptions

__all__ = ["Delivery", "Envelope", "EventContract", "Subscriptions", "publish"]
