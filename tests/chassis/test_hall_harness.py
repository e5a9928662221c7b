"""Every service starts, migrates and answers its health checks on both backends."""

import pytest

from services.registry import NAMES


@pytest.mark.parametrize("mode", ["embedded", "real"])
def test_every_service_migrates_and_is_ready(start_hall, mode):
    hall = start_hall(list(NAMES), mode=mode)
    for name in NAMES:
        client = hall.client(name)
        assert client.get("/livez").get_json() == {"status": "ok", "service": name}
        ready = client.get(f"/api/v1/{name}/readyz")
        assert ready.status_code == 200, ready.get_json()
        assert ready.get_json()["checks"] == {"database": "ok", "broker": "ok"}
