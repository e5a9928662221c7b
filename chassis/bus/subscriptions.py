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


@dataclass(frozen=True)
class Handles:
    """One line of a service's `Service(handlers=...)`: these events, on queue `<service>.<purpose>`, go to `by`."""

    events: tuple[EventContract | str, ...]
    purpose: str
    by: Handler


def handles(*events: EventContract | str, purpose: str, by: Handler) -> Handles:
    return Handles(events, purpose, by)


class Subscriptions:
    """A consumer's queues and their handlers. Services list theirs in app.py, `Service(handlers=(handles(...),))`;
    tests and benchmarks may register with the decorator:

    probe = Subscriptions("probe")

    @probe.on(SOME_EVENT, purpose="tally")
    def tally(delivery): ...
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

    @classmethod
    def of(cls, consumer: str, lines: tuple[Handles, ...]) -> "Subscriptions":
        subscriptions = cls(consumer)
        for line in lines:
            subscriptions.on(*line.events, purpose=line.purpose)(line.by)
        return subscriptions

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)
