"""Prometheus metrics shared by every process; `/metrics` is correct under gunicorn's multiple workers."""

import os
import threading
import time
from collections.abc import Callable, Iterable

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
from prometheus_client.core import Metric

# Labels: `hall_service` names the hall's service. Never `service`: Prometheus' scrape target has its own (a
# Kubernetes Service's name), and the two would collide (`exported_service`). docs/metrics.md lists every name.

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


http_requests = Counter(
    "hall_http_requests_total", "HTTP requests served", ["hall_service", "endpoint", "method", "status"]
)
http_latency = Histogram(
    "hall_http_request_seconds",
    "HTTP request latency",
    ["hall_service", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
events_published = Counter("hall_events_published_total", "Events the relay published", ["hall_service", "type"])
events_unroutable = Counter(
    "hall_events_unroutable_total",
    "Events the broker returned as unroutable (no queue bound)",
    ["hall_service", "type"],
)
events_handled = Counter("hall_events_handled_total", "Messages a consumer finished", ["queue", "outcome"])
event_handle_seconds = Histogram(
    "hall_event_handle_seconds",
    "Time to handle one message, inbox included",
    ["queue"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
consumer_waiting_for_infrastructure = Gauge(
    "hall_consumer_waiting_for_infrastructure",
    "1 while a consumer holds its batch and waits for its database to come back (taking no new deliveries)",
    ["hall_service"],
    multiprocess_mode="max",
)
consumer_infrastructure_retries = Counter(
    "hall_consumer_infrastructure_retries_total",
    "Looks at an absent database by a waiting consumer: retries that spend none of the messages' attempts",
    ["hall_service"],
)
parked_redriven = Counter(
    "hall_parked_redriven_total",
    "Parked messages re-driven by policy, their error being known to pass (a lost connection, a pool timeout)",
    ["queue"],
)
relay_errors = Counter("hall_relay_errors_total", "Relay batches that failed and will be retried", ["hall_service"])


# the relay's own view, set after each batch (chassis/bus/relay.py); the scrape-time gauges of
# chassis/state_metrics.py (hall_outbox_unsent, hall_outbox_oldest_unsent_age_seconds) keep counting if it dies
relay_wakeups = Counter(
    "hall_relay_wakeups_total",
    "Times the relay woke to look at the outbox: notified (NOTIFY, commit) or poll",
    ["hall_service", "reason"],
)
relay_standby = Counter(
    "hall_relay_standby_total", "Looks at the outbox while another relay held the publishing lock", ["hall_service"]
)
outbox_backlog = Gauge("hall_outbox_backlog", "Unsent outbox rows left after the relay's last batch", ["hall_service"])
outbox_oldest_unsent_seconds = Gauge(
    "hall_outbox_oldest_unsent_seconds",
    "Age of the oldest unsent outbox row after the relay's last batch",
    ["hall_service"],
)
edge_responses = Counter(
    "hall_edge_responses_total",
    "Answers of make run's embedded edge by backend and status (HAProxy's exporter counts them in production)",
    ["backend", "status"],
)
rate_limited = Counter(
    "hall_rate_limited_total", "Requests refused with 429 (a rate limit)", ["hall_service", "endpoint"]
)
logins = Counter(
    "hall_logins_total",
    "Password logins by result (succeeded, bad_password, locked, captcha_required, captcha_invalid)",
    ["kind", "result"],
)
lockouts = Counter("hall_lockouts_total", "Accounts locked after too many failed passwords", ["kind"])
sms_sent = Counter("hall_sms_sent_total", "Text messages the provider accepted", ["template"])
sms_failures = Counter(
    "hall_sms_failures_total",
    "Provider refusals and errors of a send attempt, by provider code (final: no retry left)",
    ["code", "final"],
)
job_last_success = Gauge(
    "hall_job_last_success_timestamp_seconds",
    "Unix time the scheduled job last finished without error (in this process)",
    ["hall_service", "job"],
    multiprocess_mode="max",
)


# State read on scrape (outbox backlog, parked messages, waiting sagas, the DB pool): a collector per key, each
# returning metric families; cached a few seconds so frequent scrapes cost one query round.
_state_lock = threading.Lock()
_state_collectors: dict[str, "CachedCollector"] = {}


class CachedCollector:
    def __init__(self, collect: Callable[[], Iterable[Metric]], ttl_seconds: float = 10.0):
        self._collect = collect
        self.ttl_seconds = ttl_seconds
        self._cached: tuple[float, list[Metric]] = (-1e18, [])
        self._lock = threading.Lock()

    def collect(self) -> list[Metric]:
        with self._lock:
            at, families = self._cached
            if time.monotonic() - at < self.ttl_seconds:
                return families
            try:
                families = list(self._collect())
            except Exception:  # a scrape must answer even while the database or broker is away
                import logging

                logging.getLogger("chassis.metrics").warning("state metrics failed", exc_info=True)
                families = []
            self._cached = (time.monotonic(), families)
            return families


def register_state(key: str, collect: Callable[[], Iterable[Metric]], ttl_seconds: float = 10.0) -> None:
    with _state_lock:
        _state_collectors[key] = CachedCollector(collect, ttl_seconds)


def unregister_state(key: str) -> None:
    with _state_lock:
        _state_collectors.pop(key, None)


def _merged_state() -> list[Metric]:
    """One family per name: several services in one process (the embedded hall) each add their samples."""
    with _state_lock:
        collectors = list(_state_collectors.values())
    merged: dict[str, Metric] = {}
    for collector in collectors:
        for family in collector.collect():
            if family.name in merged:
                merged[family.name].samples.extend(family.samples)
            else:
                copy = Metric(family.name, family.documentation, family.type, family.unit)
                copy.samples = list(family.samples)
                merged[family.name] = copy
    return list(merged.values())


class _Combined:
    def __init__(self, base):
        self.base = base

    def collect(self):
        yield from self.base.collect()
        yield from _merged_state()


def render_metrics() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        base = DEFAULT_REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Combined(base))
    return generate_latest(registry), CONTENT_TYPE_LATEST
