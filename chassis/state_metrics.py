"""Metrics read from a service's state when Prometheus scrapes (cached a few seconds, chassis.metrics): the outbox
backlog and its oldest unsent row, sagas waiting in a state and for how long, each queue's ready and parked
messages, and the database pool. docs/metrics.md lists them; deploy/prometheus/alerts.yml alerts on them."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import column, func, select, table
from sqlalchemy.pool import QueuePool

from chassis import clock
from chassis.bus.tables import outbox
from chassis.db import UtcDateTime, WaitCountingQueuePool

if TYPE_CHECKING:
    from chassis.runtime import Runtime

log = logging.getLogger("chassis.state_metrics")


@dataclass(frozen=True)
class Waiting:
    """Rows of `table` in one of `states` wait for the system (not a person) to take the next step: a saga that
    should move within minutes. `since` is the column that says when the row reached its state."""

    saga: str
    table: str
    states: tuple[str, ...]
    since: str = "updated_at"
    state_column: str = "state"


def _age_seconds(oldest) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    return max(0.0, (clock.now() - oldest).total_seconds())


def database_state(runtime: "Runtime") -> Iterator:
    """Outbox backlog and sagas waiting: one query round on the service's database."""
    name = runtime.name
    backlog = GaugeMetricFamily("hall_outbox_unsent", "Outbox rows not yet published", labels=["hall_service"])
    oldest = GaugeMetricFamily(
        "hall_outbox_oldest_unsent_age_seconds",
        "Age of the oldest outbox row not yet published (0 when none)",
        labels=["hall_service"],
    )
    with runtime.db.read() as connection:
        count, first = connection.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
        ).one()
        backlog.add_metric([name], count)
        oldest.add_metric([name], _age_seconds(first))
        yield backlog
        yield oldest
        waiting = list(runtime.service.waiting)
        if not waiting:
            return
        counts = GaugeMetricFamily(
            "hall_saga_waiting", "Cases waiting for the system's next step", labels=["hall_service", "saga", "state"]
        )
        ages = GaugeMetricFamily(
            "hall_saga_oldest_waiting_age_seconds",
            "How long the longest-waiting case has been in its state (0 when none)",
            labels=["hall_service", "saga", "state"],
        )
        for item in waiting:
            rows = table(item.table, column(item.state_column), column(item.since, UtcDateTime))
            state, since = rows.c[item.state_column], rows.c[item.since]
            found = {
                row[0]: (row[1], row[2])
                for row in connection.execute(
                    select(state, func.count(), func.min(since)).where(state.in_(item.states)).group_by(state)
                )
            }
            for value in item.states:
                number, first = found.get(value, (0, None))
                counts.add_metric([name, item.saga, value], number)
                ages.add_metric([name, item.saga, value], _age_seconds(first))
        yield counts
        yield ages


def queue_state(runtime: "Runtime") -> Iterator:
    """Per queue of the service: messages ready (consumer lag) and parked (`<queue>.dead`), from the broker."""
    subscriptions = runtime.subscriptions
    if not subscriptions:
        return
    from chassis.bus.broker import connect

    ready = GaugeMetricFamily(
        "hall_queue_ready_messages", "Messages waiting in a queue for its consumer (its lag)", labels=["queue"]
    )
    consumers = GaugeMetricFamily("hall_queue_consumers", "Consumers attached to a queue", labels=["queue"])
    parked = GaugeMetricFamily(
        "hall_queue_parked_messages", "Messages parked in <queue>.dead after their last attempt", labels=["queue"]
    )
    with connect(runtime.config) as connection:
        channel = connection.channel()
        for subscription in subscriptions:
            for name, family in ((subscription.queue, ready), (f"{subscription.queue}.dead", parked)):
                try:
                    _, messages, attached = channel.queue_declare(name, passive=True)
                except Exception:  # not declared yet (the worker declares its queues): nothing to count
                    channel = connection.channel()
                    continue
                family.add_metric([subscription.queue], messages)
                if family is ready:
                    consumers.add_metric([subscription.queue], attached)
        channel.close()
    yield ready
    yield consumers
    yield parked


def pool_state(runtime: "Runtime") -> Iterator:
    """This process's connection pools (the unit of work's and the autocommit reads')."""
    families = {
        "in_use": GaugeMetricFamily(
            "hall_db_pool_in_use_connections", "Connections checked out", labels=["hall_service", "pool"]
        ),
        "idle": GaugeMetricFamily(
            "hall_db_pool_idle_connections", "Connections idle in the pool", labels=["hall_service", "pool"]
        ),
        "max": GaugeMetricFamily(
            "hall_db_pool_max_connections",
            "Pool size plus overflow: the most it opens",
            labels=["hall_service", "pool"],
        ),
        "waiting": GaugeMetricFamily(
            "hall_db_pool_waiting_checkouts",
            "Checkouts waiting for a connection (pool exhausted)",
            labels=["hall_service", "pool"],
        ),
    }
    engines = {"write": runtime.db.engine, "read": getattr(runtime.db, "_read_engine", runtime.db.engine)}
    seen = set()
    for label, engine in engines.items():
        pool = engine.pool
        if not isinstance(pool, QueuePool) or id(pool) in seen:
            continue  # SQLite's reads share the one pool of its file
        seen.add(id(pool))
        labels = [runtime.name, label]
        families["in_use"].add_metric(labels, pool.checkedout())
        families["idle"].add_metric(labels, pool.checkedin())
        families["max"].add_metric(labels, pool.size() + max(pool._max_overflow, 0))
        families["waiting"].add_metric(labels, pool.waiting() if isinstance(pool, WaitCountingQueuePool) else 0)
    yield from families.values()


def register(runtime: "Runtime", *, business: bool) -> None:
    """Every process reports its pool; the process that runs the relay (the worker, the embedded hall) also the
    outbox, the sagas and the queues — once per service, not once per web worker."""
    from chassis import metrics

    metrics.register_state(f"{runtime.name}:{id(runtime)}:pool", lambda: pool_state(runtime), ttl_seconds=2.0)
    if business:
        metrics.register_state(f"{runtime.name}:{id(runtime)}:database", lambda: database_state(runtime))
        metrics.register_state(f"{runtime.name}:{id(runtime)}:queues", lambda: queue_state(runtime))


def unregister(runtime: "Runtime") -> None:
    from chassis import metrics

    for part in ("pool", "database", "queues"):
        metrics.unregister_state(f"{runtime.name}:{id(runtime)}:{part}")
