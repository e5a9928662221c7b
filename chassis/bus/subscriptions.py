"""What a service listens to: one durable queue `<consumer>.<purpose>` per subscription, bound by routing keys."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from chassis.bus.envelope import Envelope, EventContract
from chassis.bus.outbox import publish


class PermanentFailure(Exception):
    """A message that can never succeed (malformed, breaks the contract): parked at once, not retried."""


@dataclass
class Delivery:
    """What a handler gets: the open transaction (its effects and the inbox row commit together) and the event."""

    session: Session
    event: Envelope
    data: dict[str, Any]
    config: Any
    queue: str

    def publish(self, contract: EventContract | str, data: Any) -> Envelope:
        return publish(self.session, contract, data)


Handler = Callable[[Delivery], None]


@dataclass
class Subscription:
    queue: str
    handler: Handler
    contracts: dict[str, EventContract | None] = field(default_factory=dict)

    @property
    def routing_keys(self) -> tuple[str, ...]:
        return tuple(self.contracts)

    def load(self, envelope: Envelope) -> dict[str, Any]:
        contract = self.contracts.get(envelope.type)
        return contract.load(envelope) if contract else dict(envelope.data)


class Subscriptions:
    """A service's handlers, declared in its events.py:

    handlers = Subscriptions("accounts")

    @handlers.on(withdrawals_events.APPLICATION_APPROVED, purpose="reserve-funds")
    def reserve_funds(delivery): ...
    """

    def __init__(self, consumer: str):
        self.consumer = consumer
        self.items: list[Subscription] = []

    def on(self, *events: EventContract | str, purpose: str) -> Callable[[Handler], Handler]:
        contracts = {
            (item.type if isinstance(item, EventContract) else item): (
                item if isinstance(item, EventContract) else None
            )
            for item in events
        }

        def register(handler: Handler) -> Handler:
            self.items.append(Subscription(f"{self.consumer}.{purpose}", handler, contracts))
            return handler

        return register

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
