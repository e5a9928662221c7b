"""Exchange and queues: `hall.events` (topic), and per subscription its queue, `.retry` (TTL) and `.dead`."""

from kombu import Connection, Exchange, Queue, binding

from chassis.bus.subscriptions import Subscription

DEFAULT_EXCHANGE = Exchange("", type="direct")


def events_exchange(name: str) -> Exchange:
    return Exchange(name, type="topic", durable=True)


def main_queue(subscription: Subscription, exchange_name: str, queue_type: str = "classic") -> Queue:
    exchange = events_exchange(exchange_name)
    arguments = {"x-queue-type": queue_type} if queue_type == "quorum" else {}
    return Queue(
        subscription.queue,
        exchange=exchange,
        bindings=[binding(exchange, routing_key=key) for key in subscription.routing_keys],
        durable=True,
        queue_arguments=arguments or None,
    )


def retry_queue(queue_name: str, queue_type: str = "classic") -> Queue:
    # messages wait out their per-message expiration here, then dead-letter back to the main queue
    arguments = {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": queue_name}
    if queue_type == "quorum":
        arguments["x-queue-type"] = "quorum"
    return Queue(f"{queue_name}.retry", durable=True, queue_arguments=arguments)


def dead_queue(queue_name: str, queue_type: str = "classic") -> Queue:
    arguments = {"x-queue-type": "quorum"} if queue_type == "quorum" else None
    return Queue(f"{queue_name}.dead", durable=True, queue_arguments=arguments)


def declare(
    connection: Connection, exchange_name: str, subscriptions: list[Subscription], queue_type: str = "classic"
) -> None:
    """Idempotent: declares the exchange and every queue and binding of the given subscriptions."""
    channel = connection.default_channel
    events_exchange(exchange_name)(channel).declare()
    for subscription in subscriptions:
        main_queue(subscription, exchange_name, queue_type)(channel).declare()
        retry_queue(subscription.queue, queue_type)(channel).declare()
        dead_queue(subscription.queue, queue_type)(channel).declare()
