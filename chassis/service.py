"""A service declares itself once (name, tables, API, handlers, demo data); the chassis does the rest."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import MetaData

from chassis.bus.subscriptions import Handles, Subscriptions
from chassis.config import ServiceConfig
from chassis.runtime import Runtime


@dataclass
class Service:
    name: str
    title: str
    package_file: str
    metadata: MetaData
    config_class: type[ServiceConfig] = ServiceConfig
    # a callable so blueprints are imported only when an app is built
    blueprints: Callable[[], list[Any]] = field(default=lambda: [])
    # what it consumes: `handles(CONTRACT, ..., purpose="x", by=consumers.handler)` lines, one queue each
    handlers: tuple[Handles, ...] = ()
    # or a ready-made set (a test's probe, a benchmark); built from `handlers` when not given
    subscriptions: Subscriptions | None = None
    # domain error code → HTTP status, decided once per service (RuleViolation subclasses; 422 when not listed)
    error_statuses: Mapping[str, int] = field(default_factory=dict)
    seed: Callable[[Runtime], None] | None = None
    # extra CLI commands or setup: called with the app and its runtime
    extend_app: Callable[[Flask, Runtime], None] | None = None
    # periodic jobs run beside the relay in the worker (and in embedded mode): loop(runtime, stop_event)
    background_loops: tuple[Callable[[Runtime, Any], None], ...] = ()
    # scheduled jobs (chassis.jobs.Job), a callable so their modules load only when asked; prune is added to all
    jobs: Callable[[], tuple[Any, ...]] = field(default=lambda: ())
    # sagas that wait for the system's next step (chassis.state_metrics.Waiting): counted and aged on /metrics
    waiting: tuple[Any, ...] = ()
    # lines `make run` prints: demo logins and pages of this service
    demo_notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.subscriptions is None:
            self.subscriptions = Subscriptions.of(self.name, self.handlers)

    @property
    def migrations_dir(self) -> Path:
        return Path(self.package_file).resolve().parent / "migrations"

    def load_config(self, **overrides: Any) -> ServiceConfig:
        return self.config_class.from_env(self.name, **overrides)

    def runtime(self, config: ServiceConfig | None = None) -> Runtime:
        return Runtime(self, config or self.load_config())

    def create_app(self, config: ServiceConfig | None = None, runtime: Runtime | None = None) -> Flask:
        from chassis.app import create_service_app

        runtime = runtime or self.runtime(config)
        app = create_service_app(runtime, self.blueprints(), self.title, self.error_statuses)
        if self.extend_app:
            self.extend_app(app, runtime)
        return app
