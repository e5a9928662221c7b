"""A service believes X-Forwarded-For only from the edge (HALL_TRUSTED_PROXIES)."""

from chassis.client_address import client_address


def test_the_header_counts_only_from_a_trusted_proxy(monkeypatch):
    monkeypatch.setenv("HALL_TRUSTED_PROXIES", "127.0.0.1/32,10.8.0.0/16")
    from_edge = {"REMOTE_ADDR": "10.8.3.4", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_address(from_edge) == "203.0.113.9"
    from_client = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_address(from_client) == "198.51.100.7"
    # a client's own copy that the edge kept in front of its value: the edge's (last) entry counts
    chained = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.9"}
    assert client_address(chained) == "203.0.113.9"
    assert client_address({"REMOTE_ADDR": "127.0.0.1"}) == "127.0.0.1"
    assert client_address({"REMOTE_ADDR": "not-an-ip", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}) == "not-an-ip"
