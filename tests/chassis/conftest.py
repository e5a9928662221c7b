import uuid

import pytest

from tests.chassis.probe import FailurePlan, build_probe, config_from, create_tables


@pytest.fixture
def probe(bus_backend):
    """A probe service on the chosen backend, tables created, with its relay and consumer running."""
    failures = FailurePlan()
    service = build_probe(f"probe{uuid.uuid4().hex[:6]}", failures)
    config = config_from({**bus_backend, "retry_base_seconds": 0.2, "max_attempts": 3})
    runtime = service.runtime(config)
    create_tables(runtime)
    runtime.mode = bus_backend["mode"]
    runtime.failures = failures
    yield runtime
    runtime.stop()
