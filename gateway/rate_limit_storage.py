"""A `limits` storage for Flask-Limiter that counts in the process and adds the counts to Redis in batches.

Every API call is counted against its caller's limit. Flask-Limiter's own Redis storage (a round trip a call)
cost 0.4-0.5 ms of the gateway's CPU a request, a third of a forwarded request. So the general limits (per user,
per IP) are counted here and added to Redis every `flush_seconds` in one pipeline; each flush brings back the
total that every gateway process has counted. A caller can therefore pass a limit by what the other processes
counted within one flush, a few requests on limits of hundreds a minute. Keys marked exact (the strict limits on
captchas, SMS codes and logins, where a few matter) go to Redis on every hit. When Redis is unreachable the counts
stay in the process and are added once it is back: the hall keeps answering, limited per process.

URI: `batched+redis://host:port/db` (Flask-Limiter's `storage_uri`).
"""

import logging
import os
import threading
import time
from dataclasses import dataclass

import redis
from limits.storage import Storage

from chassis import clock

log = logging.getLogger("gateway.rate_limits")


@dataclass
class _Count:
    expiry_seconds: int
    expires_at: float  # monotonic
    shared: int = 0  # Redis's total after our last flush (every process's hits)
    pending: int = 0  # hits counted here and not yet added to Redis

    def learn(self, total: int, ttl_ms: int, now: float) -> None:
        """What Redis answered: every process's total, and the window as Redis keeps it for all of them."""
        self.shared = int(total)
        if ttl_ms and ttl_ms > 0:
            self.expires_at = now + ttl_ms / 1000


def _add_in_redis(pipeline: redis.client.Pipeline, key: str, amount: int, expiry: int) -> redis.client.Pipeline:
    """Add to the key's count, start its window if new, and ask what the window has left."""
    pipeline.incrby(key, amount)
    pipeline.expire(key, expiry, nx=True)
    pipeline.pttl(key)
    return pipeline


class BatchedRedisStorage(Storage):
    STORAGE_SCHEME = ["batched+redis"]  # noqa: RUF012 (the base class declares it as a list)

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        flush_seconds: float = 0.1,
        exact_key_marker: str = "strict:",
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.redis = redis.Redis.from_url(uri.removeprefix("batched+"), socket_timeout=1, socket_connect_timeout=1)
        self.flush_seconds = float(flush_seconds)
        self.exact_key_marker = exact_key_marker
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forget_flusher)
        self._redis_down_logged = False

    @property
    def base_exceptions(self) -> type[Exception]:
        return redis.RedisError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        self._ensure_flusher()  # it also forgets the windows that ended
        if self.exact_key_marker and self.exact_key_marker in key:
            exact = self._incr_in_redis(key, expiry, amount)
            if exact is not None:
                return exact
        now = time.monotonic()
        with self._lock:
            count = self._counts_for(key, expiry, now)
            count.pending += amount
            return count.shared + count.pending

    def get(self, key: str) -> int:
        with self._lock:
            count = self._counts.get(key)
            if count is None or count.expires_at <= time.monotonic():
                return 0
            return count.shared + count.pending

    def get_expiry(self, key: str) -> float:
        with self._lock:
            count = self._counts.get(key)
            expires_at = count.expires_at if count is not None else time.monotonic()
        # Flask-Limiter turns this into Retry-After against the real time: the wall clock, never a shifted one
        return clock.wall_clock_timestamp() + max(0.0, expires_at - time.monotonic())

    def check(self) -> bool:
        try:
            return bool(self.redis.ping())
        except redis.RedisError:
            return False

    def reset(self) -> int | None:
        with self._lock:
            keys = list(self._counts)
            self._counts.clear()
        if keys:
            self.redis.delete(*keys)
        return len(keys)

    def clear(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)
        self.redis.delete(key)

    def flush(self) -> None:
        """Add the pending counts to Redis and learn every process's totals (the flusher calls this)."""
        now = time.monotonic()
        with self._lock:
            for key in [key for key, count in self._counts.items() if count.expires_at <= now]:
                del self._counts[key]
            batch = [(key, count.pending, count.expiry_seconds) for key, count in self._counts.items() if count.pending]
        if not batch:
            return
        pipeline = self.redis.pipeline(transaction=False)
        for key, pending, expiry in batch:
            _add_in_redis(pipeline, key, pending, expiry)
        try:
            replies = pipeline.execute()
        except redis.RedisError as error:
            if not self._redis_down_logged:
                log.warning("rate limit counts kept in this process: Redis unreachable (%s)", type(error).__name__)
                self._redis_down_logged = True
            return
        self._redis_down_logged = False
        now = time.monotonic()
        with self._lock:
            for index, (key, flushed, _expiry) in enumerate(batch):
                total, _, ttl_ms = replies[3 * index : 3 * index + 3]
                count = self._counts.get(key)
                if count is not None:
                    count.pending -= flushed
                    count.learn(total, ttl_ms, now)

    def _incr_in_redis(self, key: str, expiry: int, amount: int) -> int | None:
        try:
            total, _, ttl_ms = _add_in_redis(self.redis.pipeline(transaction=True), key, amount, expiry).execute()
        except redis.RedisError:
            return None  # counted in the process instead, as the general limits are
        now = time.monotonic()
        with self._lock:
            count = self._counts_for(key, expiry, now)
            count.pending = 0
            count.learn(total, ttl_ms, now)
        return int(total)

    def _counts_for(self, key: str, expiry: int, now: float) -> "_Count":
        """The key's counter in this window (a new one when its window ended); the caller holds the lock."""
        count = self._counts.get(key)
        if count is None or count.expires_at <= now:
            count = self._counts[key] = _Count(expiry, now + expiry)
        return count

    def _ensure_flusher(self) -> None:
        if self._flusher is not None:
            return
        with self._lock:
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_forever, name="rate-limit-flush", daemon=True)
                self._flusher.start()

    def _forget_flusher(self) -> None:
        # a thread does not survive a fork (gunicorn's workers): the child starts its own on first use
        self._flusher = None
        self._lock = threading.Lock()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(self.flush_seconds)
            try:
                self.flush()
            except Exception:  # the flusher must outlive anything one batch does
                log.exception("rate limit flush failed")
