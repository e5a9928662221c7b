"""Configuration comes from the environment: <SERVICE>_X first, then HALL_X, else the embedded default."""

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
