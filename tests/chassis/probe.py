"""A tiny service used to prove the chassis: every `probe.tally.bumped` event adds one to a tally."""

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Integer, String, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chassis.bus import Subscriptions, publish
from chassis.bus.tables import bus_metadata
from chassis.config import ServiceConfig
from chassis.service import Service

BUMPED = "probe.tally.bumped"


class Base(DeclarativeBase):
    pass


class Tally(Base):
    __tablename__ = "tallies"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class FailurePlan:
    """How many more times the handler should fail for a key (in process only)."""

    def __init__(self) -> None:
        self.remaining: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        # what a planned failure raises for a key (default: a RuntimeError, the handler's own bug)
        self.raises: dict[str, Callable[[], Exception]] = {}
        self.lock = threading.Lock()

    def check(self, key: str) -> None:
        with self.lock:
            self.calls[key] = self.calls.get(key, 0) + 1
            left = self.remaining.get(key, 0)
            if left:
                self.remaining[key] = left - 1
                raise self.raises.get(key, lambda: RuntimeError(f"planned failure for {key}"))()


def build_probe(consumer: str, failures: FailurePlan | None = None, slow_marker: Path | None = None) -> Service:
    handlers = Subscriptions(consumer)
    failures = failures or FailurePlan()

    @handlers.on(BUMPED, purpose="tally")
    def bump(delivery) -> None:
        key = delivery.data["key"]
        tally = delivery.session.get(Tally, key)
        if tally is None:
            tally = Tally(key=key, count=0)
            delivery.session.add(tally)
        tally.count += 1
        delivery.session.flush()
        if key.startswith("clash"):
            # a real database error of this message's own: its tally row exists already
            delivery.session.execute(insert(Tally).values(key=key, count=0))
        failures.check(key)
        if slow_marker is not None and key.startswith("slow"):
            slow_marker.write_text(key)
            time.sleep(30)

    service = Service(
        name="probe", title="probe", package_file=__file__, metadata=Base.metadata, subscriptions=handlers
    )
    service.failures = failures  # type: ignore[attr-defined]
    return service


def create_tables(runtime) -> None:
    Base.metadata.create_all(runtime.db.engine)
    bus_metadata.create_all(runtime.db.engine)


def bump(runtime, *keys: str) -> None:
    with runtime.db.transaction() as session:
        for key in keys:
            publish(session, BUMPED, {"key": key})


def tallies(runtime) -> dict[str, int]:
    with runtime.db.transaction() as session:
        return {row.key: row.count for row in session.scalars(select(Tally))}


def config_from(overrides: dict) -> ServiceConfig:
    values = {k: v for k, v in overrides.items() if k != "mode"}
    return ServiceConfig(service="probe", embedded=values.get("broker_url") == "memory://", **values)


if __name__ == "__main__":
    # a consumer in its own process, so a test can kill it: probe.py <consumer> <broker> <db> <exchange> <mode>
    from chassis.bus.consumer import ConsumerWorker

    consumer, broker_url, database_url, exchange, mode = sys.argv[1:6]
    marker = Path(os.environ["PROBE_MARKER"]) if os.environ.get("PROBE_MARKER") else None
    service = build_probe(consumer, slow_marker=marker)
    config = ServiceConfig(
        service="probe",
        broker_url=broker_url,
        database_url=database_url,
        exchange=exchange,
        embedded=False,
        prefetch=1,
    )
    runtime = service.runtime(config)

    class DiesBeforeAck(ConsumerWorker):
        def _ack(self, message) -> None:
            if marker is not None:
                marker.write_text("committed")
            os._exit(3)

    worker_class = DiesBeforeAck if mode == "die-before-ack" else ConsumerWorker
    worker = worker_class(runtime.db, config, list(service.subscriptions))
    worker.run(threading.Event())
