"""Rate limits shared by every gateway process through Redis: general limits counted in batches, strict ones
exactly, and a Redis outage that leaves the hall answering. Runs against the real Redis on this machine."""

import socket
import time
import uuid

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter

from gateway.app import create_gateway
from gateway.config import GatewayConfig
from gateway.rate_limit_storage import BatchedRedisStorage


@pytest.fixture
def storages(redis_url):
    made: list[BatchedRedisStorage] = []

    def make(url: str = redis_url) -> BatchedRedisStorage:
        # a long flush interval: the tests flush by hand, so nothing depends on timing
        made.append(BatchedRedisStorage(f"batched+{url}", flush_seconds=3600))
        return made[-1]

    return make


def _key(kind: str = "user") -> str:
    return f"LIMITER/{kind}:{uuid.uuid4().hex}/api/10/1/minute"


def test_two_processes_counts_add_up_in_redis_after_a_flush(storages):
    first, second, key = storages(), storages(), _key()
    for _ in range(3):
        first.incr(key, 60)
    assert second.incr(key, 60) == 1  # it has not heard of the first's hits yet
    first.flush()
    second.flush()
    assert second.get(key) == 4
    assert int(second.redis.get(key)) == 4
    assert 0 < second.redis.ttl(key) <= 60
    # a process learns the total when it next has hits to add, so its view is at most one flush behind
    assert first.incr(key, 60) == 4
    first.flush()
    assert first.get(key) == 5


def test_a_limit_is_held_across_processes_within_one_flush(storages):
    first, second, key = storages(), storages(), "user:" + uuid.uuid4().hex
    limit = parse("10 per minute")
    limiters = [FixedWindowRateLimiter(first), FixedWindowRateLimiter(second)]
    admitted = 0
    for round_ in range(10):
        for limiter in limiters:
            admitted += limiter.hit(limit, key)
        if round_ % 2 == 1:
            first.flush()
            second.flush()
    # 20 attempts against a limit of 10: at most what the other process counted since the last flush gets through
    assert 10 <= admitted <= 12


def test_strict_keys_are_counted_in_redis_on_every_hit(storages):
    first, second = storages(), storages()
    key = _key("strict:/api/v1/identity/sms-codes:127.0.0.1")
    assert [first.incr(key, 60), second.incr(key, 60), first.incr(key, 60)] == [1, 2, 3]
    assert int(first.redis.get(key)) == 3


def test_with_redis_unreachable_counting_goes_on_in_the_process(storages):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    offline = storages(f"redis://127.0.0.1:{closed}/0")
    key, strict = _key(), _key("strict:/api/v1/identity/sessions:10.0.0.1")
    assert [offline.incr(key, 60) for _ in range(3)] == [1, 2, 3]
    offline.flush()  # no exception: the counts wait for Redis
    assert offline.get(key) == 3
    assert [offline.incr(strict, 60) for _ in range(2)] == [1, 2]
    assert offline.check() is False


def test_the_gateway_limits_a_caller_through_redis_with_a_chinese_429(start_hall, redis_url):
    hall = start_hall(["identity"], mode="embedded")
    hall.seed()
    config = GatewayConfig(
        service="gateway",
        database_url="sqlite://",
        service_urls=(),
        redis_url=redis_url,
        rate_limit_per_user="3 per minute",
    )
    client = create_gateway(config).test_client()
    login = client.post(
        "/api/v1/identity/sessions", json={"center": "yinchuan", "username": "zhangwei01", "password": "Demo123456"}
    )
    token = login.get_json()["access_token"]
    statuses = [
        client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"}).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/identity/me", headers={"Authorization": f"Bearer {token}"})
    assert limited.get_json()["detail"] == "操作过于频繁，请稍后再试"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # the strict limit on SMS codes is exact in Redis: the sixth in a minute from one address is refused
    body = {"purpose": "register", "center": "yinchuan", "id_number": "11010519491231002X", "phone": "13800000000"}
    address = {"REMOTE_ADDR": f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"}
    codes = [client.post("/api/v1/identity/sms-codes", json=body, environ_base=address).status_code for _ in range(6)]
    assert 429 not in codes[:5] and codes[5] == 429


def test_a_window_that_ended_starts_again_and_is_forgotten(storages):
    storage, key = storages(), _key()
    assert [storage.incr(key, 1), storage.incr(key, 1)] == [1, 2]
    storage.flush()
    time.sleep(1.1)
    assert storage.get(key) == 0
    storage.flush()
    assert key not in storage._counts  # the process keeps no counter for a caller who has gone
    assert storage.incr(key, 1) == 1
