"""Prometheus metrics shared by every process; `/metrics` is correct under gunicorn's multiple workers."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

# Multiprocess mode writes each value to a file in this folder. gunicorn's on_starting creates it, but a worker,
# a CronJob or a migration runs without gunicorn: the first labelled value would die with FileNotFoundError.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)


def reset_multiprocess_folder() -> None:
    """A process that owns its folder alone (a worker pod's container) starts it empty, as gunicorn does."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


http_requests = Counter("hall_http_requests_total", "HTTP requests served", ["service", "endpoint", "method", "status"])
http_latency = Histogram(
    "hall_http_request_seconds",
    "HTTP request latency",
    ["service", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
events_published = Counter("hall_events_published_total", "Events the relay published", ["service", "type"])
events_unroutable = Counter(
    "hall_events_unroutable_total",
    "Events the broker returned as unroutable (no queue bound)",
    ["service", "type"],
)
events_handled = Counter("hall_events_handled_total", "Messages a consumer finished", ["queue", "outcome"])
event_handle_seconds = Histogram(
    "hall_event_handle_seconds",
    "Time to handle one message, inbox included",
    ["queue"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
relay_wakeups = Counter(
    "hall_relay_wakeups_total",
    "Times the relay woke to look at the outbox: notified (NOTIFY, commit) or poll",
    ["service", "reason"],
)
relay_standby = Counter(
    "hall_relay_standby_total", "Looks at the outbox while another relay held the publishing lock", ["service"]
)
outbox_backlog = Gauge("hall_outbox_backlog", "Unsent outbox rows left after the relay's last batch", ["service"])
outbox_oldest_unsent_seconds = Gauge(
    "hall_outbox_oldest_unsent_seconds", "Age of the oldest unsent outbox row after the relay's last batch", ["service"]
)
relay_errors = Counter("hall_relay_errors_total", "Relay batches that failed and will be retried", ["service"])


def render_metrics() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(DEFAULT_REGISTRY), CONTENT_TYPE_LATEST
