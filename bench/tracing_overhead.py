"""What a request costs with the access log and with tracing, against the same request without them.

Run from the repository root: `.venv/bin/python -m bench.tracing_overhead` (about 15 seconds). One accounts app on
SQLite answers `GET /api/v1/accounts/centers` (a route, a query, a JSON reply) through Flask's test client:
- anchor: tracing off (the default) and the access logger silenced;
- the access log on (one JSON line a request, written to /dev/null as a console handler would);
- tracing on as in production (SDK provider, batch processor; an in-memory exporter that is emptied), on an app
  built while it is on (Flask and SQLAlchemy instrumented). Target: the access log within 1.10 of the anchor;
  tracing, which is off by default, within 1.5 (a sampled request pays for its spans).
"""

import logging
import os
import tempfile

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bench.harness import Figure, rate, report
from chassis import tracing
from chassis.logs import JsonFormatter
from services.registry import load

PATH = "/api/v1/accounts/centers"
SECONDS = 2.0
ROUNDS = 3


def _app(folder: str, name: str):
    service = load("accounts")
    config = service.load_config(database_url=f"sqlite:///{folder}/{name}.db", broker_url="memory://")
    runtime = service.runtime(config)
    runtime.migrate()
    return service.create_app(runtime=runtime), runtime


def main() -> None:
    folder = tempfile.mkdtemp(prefix="bench-tracing-")
    plain, plain_runtime = _app(folder, "plain")
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    sink.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [sink]
    root.setLevel(logging.INFO)
    access = logging.getLogger("hall.access")
    exporter = InMemorySpanExporter()
    tracing.record_into(exporter, batched=True)
    traced, traced_runtime = _app(folder, "traced")
    clients = {"plain": plain.test_client(), "traced": traced.test_client()}
    for client in clients.values():
        if client.get(PATH).status_code != 200:
            raise SystemExit(f"{PATH} did not answer 200")

    def requests_per_second(which: str, logged: bool) -> float:
        access.disabled = not logged
        client = clients[which]
        return rate(lambda: client.get(PATH), SECONDS)

    anchor, logged, traced_rate = [], [], []
    for _round in range(ROUNDS):  # interleaved, so a noisy moment of the machine falls on all three
        anchor.append(requests_per_second("plain", logged=False))
        logged.append(requests_per_second("plain", logged=True))
        traced_rate.append(requests_per_second("traced", logged=True))
        exporter.clear()
    anchor_value = sorted(anchor)[ROUNDS // 2]
    name = "requests/s, tracing off and no access log"
    report(
        Figure(
            "requests/s with the access log",
            sorted(logged)[ROUNDS // 2],
            "req/s",
            name,
            anchor_value,
            target="ratio >= 0.90",
        )
    )
    report(
        Figure(
            "requests/s with tracing on (and the access log)",
            sorted(traced_rate)[ROUNDS // 2],
            "req/s",
            name,
            anchor_value,
            target="ratio >= 0.67",
        )
    )
    tracing.stop()
    plain_runtime.stop()
    traced_runtime.stop()


if __name__ == "__main__":
    main()
