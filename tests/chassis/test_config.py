"""Configuration comes from the environment: <SERVICE>_X first, then HALL_X, else the embedded default."""

import os
import subprocess
import sys

from chassis.config import ServiceConfig


def test_service_specific_variable_wins_over_the_hall_wide_one(tmp_path):
    config = ServiceConfig.from_env(
        "loans",
        environ={"HALL_MAX_ATTEMPTS": "7", "LOANS_MAX_ATTEMPTS": "9", "HALL_DATA_DIR": str(tmp_path)},
    )
    assert config.max_attempts == 9


def test_types_are_coerced_and_lists_split_on_commas():
    config = ServiceConfig.from_env(
        "gateway",
        environ={
            "HALL_EMBEDDED": "false",
            "HALL_RETRY_BASE_SECONDS": "0.5",
            "HALL_SERVICE_URLS": "identity=http://127.0.0.1:8001, accounts=http://127.0.0.1:8002",
            "HALL_DATABASE_URL": "sqlite:///:memory:",
        },
    )
    assert config.embedded is False
    assert config.retry_base_seconds == 0.5
    assert config.service_urls == ("identity=http://127.0.0.1:8001", "accounts=http://127.0.0.1:8002")
    assert config.service_url("accounts") == "http://127.0.0.1:8002"
    assert config.service_url("loans") is None


def test_embedded_default_is_sqlite_under_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HALL_DATA_DIR", str(tmp_path))
    config = ServiceConfig.from_env("accounts", environ={"HALL_DATA_DIR": str(tmp_path)})
    assert config.database_url == f"sqlite:///{tmp_path / 'accounts.db'}"
    assert config.uses_memory_bus


def _load_config_in_a_process(tmp_path, **environment) -> subprocess.CompletedProcess:
    """A fresh interpreter reads HALL_CLOCK_SHIFT when the clock is first imported, as a pod's process would."""
    inherited = {key: value for key, value in os.environ.items() if key not in ("HALL_STAGING_RUN", "HALL_CLOCK_SHIFT")}
    env = {**inherited, "HALL_DATA_DIR": str(tmp_path), **environment}
    code = "from services.accounts.app import service; print(service.load_config().embedded)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_a_production_process_refuses_a_moved_clock_unless_it_is_a_staging_run(tmp_path):
    refused = _load_config_in_a_process(tmp_path, HALL_EMBEDDED="false", HALL_CLOCK_SHIFT="+400d")
    assert refused.returncode != 0
    assert "HALL_CLOCK_SHIFT" in refused.stderr and "HALL_STAGING_RUN" in refused.stderr
    staging = _load_config_in_a_process(
        tmp_path, HALL_EMBEDDED="false", HALL_CLOCK_SHIFT="+400d", HALL_STAGING_RUN="true"
    )
    assert staging.returncode == 0, staging.stderr
    embedded = _load_config_in_a_process(tmp_path, HALL_EMBEDDED="true", HALL_CLOCK_SHIFT="+400d")
    assert embedded.returncode == 0, embedded.stderr


def test_a_malformed_shift_stops_the_process_with_its_name(tmp_path):
    broken = _load_config_in_a_process(tmp_path, HALL_CLOCK_SHIFT="+400h")
    assert broken.returncode != 0 and "HALL_CLOCK_SHIFT" in broken.stderr
