"""Events per second end to end (outbox insert → relay → RabbitMQ → handler commit with inbox), against a bare
pika loop on the same broker in the same run (publish each message with a confirm, consume with acks); then the
latency from commit to handled at a steady 500 events/s.

Needs the local RabbitMQ and PostgreSQL. Run: .venv/bin/python -m bench.event_pipeline [--events N]
"""

import argparse
import json
import multiprocessing
import queue
import threading
import time
import uuid
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event

import pika
from sqlalchemy import Integer, String, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench.harness import Figure, percentile, report
from chassis.bus import Subscriptions, publish
from chassis.bus.consumer import ConsumerWorker
from chassis.bus.relay import OutboxRelay
from chassis.bus.tables import bus_metadata
from chassis.config import ServiceConfig
from chassis.db import Database

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


class Base(DeclarativeBase):
    pass


class Seen(Base):
    __tablename__ = "bench_seen"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


def bare_pika(events: int, queue: str) -> float:
    """The anchor: publish each message and wait for its confirm; a second connection consumes with acks."""
    params = pika.URLParameters(AMQP)
    setup = pika.BlockingConnection(params)
    setup.channel().queue_declare(queue, durable=True)
    setup.close()
    received = threading.Event()
    count = {"n": 0}

    def consume() -> None:
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        channel.basic_qos(prefetch_count=32)

        def on_message(ch, method, _props, _body) -> None:
            ch.basic_ack(method.delivery_tag)
            count["n"] += 1
            if count["n"] >= events:
                received.set()
                ch.stop_consuming()

        channel.basic_consume(queue, on_message)
        channel.start_consuming()
        connection.close()

    consumer = threading.Thread(target=consume)
    consumer.start()
    time.sleep(0.3)
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.confirm_delivery()
    body = b'{"key": "x", "pad": "' + b"p" * 300 + b'"}'
    started = time.perf_counter()
    for _ in range(events):
        channel.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2), mandatory=True)
    received.wait(120)
    elapsed = time.perf_counter() - started
    consumer.join(10)
    channel.queue_delete(queue)
    connection.close()
    return events / elapsed


class TimedConsumer(ConsumerWorker):
    """Reports when each message's transaction has committed."""

    def __init__(self, *args, handled: Queue, **kwargs):
        super().__init__(*args, **kwargs)
        self.handled = handled

    def handle_batch(self, items):
        outcomes = super().handle_batch(items)
        committed = time.time()
        for _subscription, body in items:
            self.handled.put((json.loads(body)["data"]["key"], committed))
        return outcomes


def _config(database_url: str, exchange: str) -> ServiceConfig:
    return ServiceConfig(
        service="bench",
        broker_url=AMQP,
        database_url=database_url,
        exchange=exchange,
        embedded=False,
        prefetch=64,
        relay_batch_size=200,
        relay_poll_seconds=0.005,
    )


def _subscriptions(consumer: str) -> Subscriptions:
    handlers = Subscriptions(consumer)

    @handlers.on("bench.event.happened", purpose="count")
    def count(delivery) -> None:
        delivery.session.add(Seen(key=delivery.data["key"], count=1))

    return handlers


def _run_consumer(database_url: str, exchange: str, consumer: str, handled: Queue, ready: Event, stop: Event):
    config = _config(database_url, exchange)
    worker = TimedConsumer(Database(database_url, "bench"), config, list(_subscriptions(consumer)), handled=handled)
    thread = threading.Thread(target=worker.run, args=(threading.Event(),), daemon=True)
    thread.start()
    worker.connected.wait(10)
    ready.set()
    stop.wait()


def _run_relay(database_url: str, exchange: str, stop: Event) -> None:
    halt = threading.Event()
    thread = threading.Thread(
        target=OutboxRelay(Database(database_url, "bench"), _config(database_url, exchange)).run,
        args=(halt,),
        daemon=True,
    )
    thread.start()
    stop.wait()
    halt.set()
    thread.join(5)


class Pipeline:
    """Relay and consumers in their own processes, as in production (make up runs a worker per service)."""

    def __init__(self, database_url: str, exchange: str, consumers: int):
        self.db = Database(database_url, service="bench", pool_size=8)
        Base.metadata.create_all(self.db.engine)
        bus_metadata.create_all(self.db.engine)
        context = multiprocessing.get_context("spawn")
        self.handled: Queue = context.Queue()
        self.stop = context.Event()
        consumer = f"bench{uuid.uuid4().hex[:6]}"
        readies = [context.Event() for _ in range(consumers)]
        self.processes = [
            context.Process(
                target=_run_consumer, args=(database_url, exchange, consumer, self.handled, ready, self.stop)
            )
            for ready in readies
        ]
        self.processes.append(context.Process(target=_run_relay, args=(database_url, exchange, self.stop)))
        for process in self.processes:
            process.start()
        for ready in readies:
            ready.wait(30)
        self.handled_at: dict[str, float] = {}

    def emit(self, key: str) -> float:
        with self.db.transaction() as session:
            publish(session, "bench.event.happened", {"key": key, "pad": "p" * 300})
        return time.time()

    def wait_for(self, keys: list[str], timeout: float = 180) -> None:
        wanted = set(keys)
        deadline = time.monotonic() + timeout
        while not wanted.issubset(self.handled_at):
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(wanted & set(self.handled_at))} of {len(wanted)} handled")
            try:
                key, at = self.handled.get(timeout=0.5)
                self.handled_at[key] = at
            except queue.Empty:
                continue

    def close(self) -> None:
        self.stop.set()
        for process in self.processes:
            process.join(10)
            if process.is_alive():
                process.terminate()
        self.db.dispose()


def throughput(pipeline: Pipeline, events: int, producers: int) -> float:
    keys = [f"t{index}" for index in range(events)]
    chunks = [keys[index::producers] for index in range(producers)]
    started = time.time()
    threads = [threading.Thread(target=lambda c=chunk: [pipeline.emit(k) for k in c]) for chunk in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipeline.wait_for(keys)
    return events / (max(pipeline.handled_at[k] for k in keys) - started)


def latency_at_rate(pipeline: Pipeline, rate: int, seconds: float, producers: int) -> list[float]:
    """Events emitted on a steady schedule by `producers` threads (one commit takes a few ms on this disk, more
    than 1/rate), each taking every `producers`-th slot of the schedule."""
    total = int(rate * seconds)
    committed: dict[str, float] = {}
    started = time.perf_counter() + 0.05

    def produce(first: int) -> None:
        for index in range(first, total, producers):
            pause = started + index / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            key = f"l{index}"
            committed[key] = pipeline.emit(key)

    threads = [threading.Thread(target=produce, args=(first,)) for first in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    achieved = total / (time.perf_counter() - started)
    pipeline.wait_for(list(committed), timeout=60)
    print(f"[bench] paced at {rate}/s, achieved {achieved:,.0f}/s over {total} events")
    return [(pipeline.handled_at[key] - at) * 1000 for key, at in committed.items()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--consumers", type=int, default=2)
    # writers committing at once, as the web workers of several pods do: PostgreSQL flushes their commits together
    parser.add_argument("--producers", type=int, default=8)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    database = f"hall_bench_pipeline_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + database
    pipeline = None
    try:
        anchor = bare_pika(args.events, f"bench.anchor.{uuid.uuid4().hex[:6]}")
        pipeline = Pipeline(url, f"bench.events.{uuid.uuid4().hex[:6]}", args.consumers)
        figure = throughput(pipeline, args.events, args.producers)
        report(
            Figure(
                name=f"event pipeline ({args.producers} producers, {args.consumers} consumers, PostgreSQL)",
                value=figure,
                unit="events/s",
                anchor_name="bare pika publish-with-confirm + consume-with-ack",
                anchor_value=anchor,
                target="ratio ≥ 1.0",
            )
        )
        samples = latency_at_rate(pipeline, args.rate, args.seconds, args.producers)
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        report(
            Figure(
                name=f"commit → handled p99 at {args.rate} events/s",
                value=p99,
                unit="ms",
                anchor_name="p50 of the same run",
                anchor_value=p50,
                higher_is_better=False,
                target="p99 ≤ 50 ms",
            )
        )
    finally:
        if pipeline:
            pipeline.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
