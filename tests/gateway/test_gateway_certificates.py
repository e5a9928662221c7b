"""Through the gateway: anyone checks a certificate by its code without logging in, at a limited rate per IP."""

import pytest

from gateway.app import create_gateway
from gateway.config import GatewayConfig


@pytest.fixture
def hall(start_hall, test_tokens):
    hall = start_hall(["accounts"], mode="embedded")
    test_tokens.install(hall.runtime("accounts"))
    hall.seed()
    return hall


def test_a_certificate_is_checked_without_a_token_and_codes_cannot_be_tried_in_bulk(hall, test_tokens):
    gateway = create_gateway(GatewayConfig(service="gateway", database_url="sqlite://", service_urls=())).test_client()
    headers = test_tokens.depositor(sub="u-zhang", acct="640100000001")
    issued = hall.client("accounts").post("/api/v1/accounts/me/certificates", json={"kind": "deposit"}, headers=headers)
    code = issued.get_json()["verification_code"]

    assert gateway.get("/api/v1/accounts/me/certificates").status_code == 401  # the depositor's list is not public
    seen = gateway.get(f"/api/v1/accounts/certificates/{code}")
    assert seen.status_code == 200 and seen.get_json()["valid"] is True
    statuses = [gateway.get(f"/api/v1/accounts/certificates/2345-6789-ABCD-{n:04d}").status_code for n in range(40)]
    assert set(statuses[:29]) == {404} and 429 in statuses  # one counter for every code, 30 a minute
    limited = gateway.get(f"/api/v1/accounts/certificates/{code}")
    assert limited.status_code == 429 and limited.get_json()["code"] == "TOO_MANY_REQUESTS"
    assert gateway.get("/api/v1/loans/certificates/2345-6789-ABCD-EFGH").status_code != 401
