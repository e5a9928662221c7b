"""With HALL_EMBEDDED=false a process refuses every development default, naming the setting; only a declared
workstation (make up, CI: HALL_WORKSTATION=true) may keep them. Signing keys are sealed at rest."""

import base64
import os
import subprocess
import sys

import pytest

from chassis.config import UnsafeSettings
from services.identity.app import service as identity
from services.identity.domain import key_wrapping
from services.notifications.app import service as notifications

KEK = base64.b64encode(b"k" * 32).decode()
PRODUCTION = {
    "HALL_EMBEDDED": "false",
    "HALL_DEV_INBOX": "false",
    "HALL_BROKER_URL": "amqp://hall:secret@rabbitmq:5672/hall",
    "IDENTITY_DATABASE_URL": "postgresql+psycopg://identity@db/identity",
    "IDENTITY_SECRET_KEY": "s" * 40,
    "IDENTITY_SIGNING_KEY_KEKS": f"k1={KEK}",
    "NOTIFICATIONS_DATABASE_URL": "postgresql+psycopg://notifications@db/notifications",
    "NOTIFICATIONS_SMS_PROVIDER": "http",
    "NOTIFICATIONS_SMS_HTTP_URL": "https://sms.example.gov.cn/send",
    "NOTIFICATIONS_SMS_HTTP_SECRET": "x" * 32,
}


def _refusal(service, environ) -> str:
    with pytest.raises(UnsafeSettings) as refused:
        service.config_class.from_env(service.name, environ=environ)
    return str(refused.value)


def test_a_complete_production_environment_is_accepted():
    assert identity.config_class.from_env("identity", environ=PRODUCTION).embedded is False
    assert notifications.config_class.from_env("notifications", environ=PRODUCTION).sms_provider == "http"


@pytest.mark.parametrize(
    ("service", "dropped", "named"),
    [
        (identity, "IDENTITY_DATABASE_URL", "IDENTITY_DATABASE_URL"),
        (identity, "HALL_BROKER_URL", "HALL_BROKER_URL"),
        (identity, "HALL_DEV_INBOX", "HALL_DEV_INBOX"),
        (identity, "IDENTITY_SECRET_KEY", "IDENTITY_SECRET_KEY"),
        (identity, "IDENTITY_SIGNING_KEY_KEKS", "IDENTITY_SIGNING_KEY_KEKS"),
        (notifications, "NOTIFICATIONS_SMS_PROVIDER", "NOTIFICATIONS_SMS_PROVIDER"),
        (notifications, "NOTIFICATIONS_SMS_HTTP_SECRET", "NOTIFICATIONS_SMS_HTTP_SECRET"),
    ],
)
def test_each_development_default_is_refused_by_name(service, dropped, named):
    environ = {key: value for key, value in PRODUCTION.items() if key != dropped}
    message = _refusal(service, environ)
    assert named in message and "HALL_WORKSTATION" in message


def test_sqlite_given_explicitly_is_refused_too():
    assert "IDENTITY_DATABASE_URL" in _refusal(identity, {**PRODUCTION, "IDENTITY_DATABASE_URL": "sqlite:///x.db"})


def test_a_declared_workstation_keeps_the_development_defaults(tmp_path):
    config = identity.config_class.from_env(
        "identity", environ={"HALL_EMBEDDED": "false", "HALL_WORKSTATION": "true", "HALL_DATA_DIR": str(tmp_path)}
    )
    assert config.dev_inbox and config.database_url.startswith("sqlite")


def test_a_production_process_will_not_load_demo_data():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HALL_", "IDENTITY_"))}
    env.update(PRODUCTION, HALL_LOG_JSON="false")
    run = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "services.identity.app", "seed"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0 and "demo data refused in production" in run.stderr


def test_signing_keys_are_sealed_at_rest_and_open_only_with_their_kek(tmp_path):
    from services.identity.cases.keys import KeyRing
    from services.identity.models import SigningKey

    config = identity.load_config(database_url=f"sqlite:///{tmp_path / 'i.db'}", signing_key_keks=(f"k1={KEK}",))
    runtime = identity.runtime(config)
    runtime.migrate()
    ring = KeyRing(runtime.db, keks=config.signing_key_keks)
    token = ring.sign({"sub": "u1"})
    with runtime.db.transaction() as session:
        row = session.query(SigningKey).one()
        assert row.private_pem.startswith("aesgcm:k1:") and "PRIVATE KEY" not in row.private_pem
    # a second KEK first: new keys are sealed with it, old ones still open, and reseal moves them over
    other = base64.b64encode(b"o" * 32).decode()
    rotated = KeyRing(runtime.db, keks=(f"k2={other}", f"k1={KEK}"))
    assert rotated.jwks()["keys"][0]["kid"] == row.kid
    assert rotated.reseal() == 1
    with runtime.db.transaction() as session:
        assert session.query(SigningKey).one().private_pem.startswith("aesgcm:k2:")
    with pytest.raises(key_wrapping.KeyWrappingError, match="k2"):
        KeyRing(runtime.db, keks=(f"k1={KEK}",)).jwks()
    assert token.count(".") == 2
    runtime.stop()


def test_a_malformed_kek_is_refused_by_name():
    with pytest.raises(key_wrapping.KeyWrappingError, match="IDENTITY_SIGNING_KEY_KEKS"):
        key_wrapping.parse_keks(("k1=short",))
