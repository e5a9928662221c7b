"""Broker connections: kombu for RabbitMQ (py-amqp) and for the in-process `memory://` transport."""

from kombu import Connection
from kombu.exceptions import OperationalError as BrokerUnreachable

from chassis.config import ServiceConfig

# the in-memory transport polls; keep its latency well under the relay's
MEMORY_POLL_SECONDS = 0.005


def connect(config: ServiceConfig) -> Connection:
    if config.uses_memory_bus:
        return Connection("memory://", transport_options={"polling_interval": MEMORY_POLL_SECONDS})
    return Connection(
        config.broker_url,
        heartbeat=config.heartbeat_seconds,
        connect_timeout=5,
        transport_options={"max_retries": 1},
    )


def broker_errors(connection: Connection) -> tuple[type[BaseException], ...]:
    # kombu raises its own OperationalError when (re)connecting fails: the broker is away, not a bug of the loop
    return tuple(connection.connection_errors) + tuple(connection.channel_errors) + (OSError, BrokerUnreachable)
