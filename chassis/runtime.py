"""A running service: its configuration, database, token verifier and background workers (relay, consumers)."""

import logging
import threading
import time
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from flask import current_app

from chassis.auth import JwksKeys, TokenVerifier
from chassis.bus.consumer import ConsumerWorker
from chassis.bus.relay import OutboxRelay
from chassis.bus.subscriptions import Subscription
from chassis.config import ServiceConfig
from chassis.db import Database
from chassis.http import ServiceClient

if TYPE_CHECKING:
    from chassis.service import Service

log = logging.getLogger("chassis.runtime")


class Runtime:
    def __init__(self, service: "Service", config: ServiceConfig):
        self.service = service
        self.config = config
        pool = {"pool_size": config.db_pool_size, "max_overflow": config.db_max_overflow}
        self.db = Database(config.database_url, service=service.name, **pool)
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.consumer: ConsumerWorker | None = None
        self.relay: OutboxRelay | None = None

    @property
    def name(self) -> str:
        return self.service.name

    def client(self, service: str) -> ServiceClient:
        return ServiceClient(service, self.config.service_url(service))

    @property
    def subscriptions(self) -> list[Subscription]:
        """The service's subscriptions, their queues named with this runtime's queue prefix."""
        prefix = self.config.queue_prefix
        return [replace(item, queue=prefix + item.queue) for item in self.service.subscriptions or []]

    @cached_property
    def token_verifier(self) -> TokenVerifier:
        if self.config.jwks_url:
            import requests

            def fetch() -> dict:
                response = requests.get(self.config.jwks_url, timeout=3)
                response.raise_for_status()
                return response.json()
        else:
            identity = self.client("identity")

            def fetch() -> dict:
                reply = identity.get_json("/.well-known/jwks.json")
                if reply.status != 200:
                    raise ConnectionError(f"JWKS answered {reply.status}")
                return reply.body

        return TokenVerifier(JwksKeys(fetch), self.config.token_audience, self.config.token_issuer)

    def migrate(self) -> None:
        from chassis.migrations import upgrade

        upgrade(self.service, self.config.database_url)

    def start_workers(self, relay: bool = True, consumers: bool = True) -> None:
        """Relay and consumers on daemon threads (embedded mode, the worker process, tests).

        Queues are declared before this returns, so nothing published afterwards finds them missing.
        """
        subscriptions = self.subscriptions
        if consumers and subscriptions:
            self.declare_topology()
            self.consumer = ConsumerWorker(self.db, self.config, subscriptions)
            self._spawn(f"{self.name}-consumer", self.consumer.run)
        if relay:
            self.relay = OutboxRelay(self.db, self.config)
            self._spawn(f"{self.name}-relay", self.relay.run)
            for index, loop in enumerate(self.service.background_loops):
                self._spawn(f"{self.name}-loop{index}", lambda stop, loop=loop: loop(self, stop))

    def declare_topology(self) -> None:
        from chassis.bus import topology
        from chassis.bus.broker import connect

        with connect(self.config) as connection:
            connection.ensure_connection(max_retries=3)
            topology.declare(
                connection,
                self.config.exchange,
                self.subscriptions,
                self.config.queue_type,
            )

    def wait_for_outbox_sent(self, timeout: float) -> bool:
        """True once every outbox row is sent (the relay must be running); False if `timeout` passes first."""
        from sqlalchemy import func, select

        from chassis.bus.tables import outbox

        deadline = time.monotonic() + timeout
        while True:
            with self.db.read() as connection:
                unsent = connection.scalar(select(func.count()).where(outbox.c.sent_at.is_(None)))
            if not unsent:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)

    def _spawn(self, name: str, target) -> None:
        thread = threading.Thread(target=target, args=(self.stop_event,), name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout)
        self.threads.clear()
        self.db.dispose()


def current_runtime() -> Runtime:
    return current_app.extensions["hall.runtime"]
