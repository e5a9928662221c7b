"""A web pod stays ready while RabbitMQ is down: what it writes waits in the outbox, so only its database decides."""

from chassis.migrations import upgrade
from chassis.testing import _free_port


def test_web_readiness_reports_a_broker_outage_but_stays_ready(postgres_databases):
    from services.withdrawals.app import service

    url = postgres_databases.create("withdrawals")
    upgrade(service, url, "head")
    nobody_listens = f"amqp://guest:guest@127.0.0.1:{_free_port()}/%2F"
    runtime = service.runtime(service.load_config(database_url=url, embedded=False, broker_url=nobody_listens))
    client = service.create_app(runtime=runtime).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    checks = ready.get_json()["checks"]
    assert checks["database"] == "ok" and checks["broker"].startswith("error")
    assert client.get("/api/v1/withdrawals/reasons").status_code == 200
    runtime.stop()
