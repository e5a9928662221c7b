"""The message bus: envelope, transactional outbox, relay, idempotent consumers with retries and parking.

The names below load on first use, so that a service's contract (which imports only `chassis.bus.envelope`)
brings in neither SQLAlchemy nor kombu.
"""

from importlib import import_module

_HOMES = {
    "Envelope": "chassis.bus.envelope",
    "EventContract": "chassis.bus.envelope",
    "publish": "chassis.bus.outbox",
    "Delivery": "chassis.bus.subscriptions",
    "Subscriptions": "chassis.bus.subscriptions",
    "handles": "chassis.bus.subscriptions",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'chassis.bus' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
