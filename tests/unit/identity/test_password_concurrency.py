"""argon2's memory is bounded per process: at most `max_concurrent` hashes or checks run at once, the rest wait."""

import threading
import time

from services.identity.domain.credentials import HashingParameters, PasswordHasher

CHEAP = HashingParameters(time_cost=1, memory_cost_kib=8, parallelism=1)


def _peak_overlap(hasher: PasswordHasher, calls: int) -> int:
    running, peak, lock = 0, 0, threading.Lock()
    real = hasher._argon

    class Counting:  # argon2's hasher has slots: wrap it instead of patching it
        def __getattr__(self, name):
            return getattr(real, name)

        def verify(self, stored, password):
            return counting_verify(stored, password)

    def counting_verify(stored, password):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return real.verify(stored, password)

    hasher._argon = Counting()
    stored = hasher.hash("Demo123456")
    threads = [threading.Thread(target=hasher.verify, args=(stored, "other")) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return peak


def test_checks_beyond_the_bound_wait_their_turn():
    assert _peak_overlap(PasswordHasher(CHEAP, max_concurrent=2), calls=6) <= 2


def test_without_a_bound_they_all_run_at_once():
    assert _peak_overlap(PasswordHasher(CHEAP), calls=6) > 2


def test_an_unknown_user_still_costs_one_bounded_check():
    hasher = PasswordHasher(CHEAP, max_concurrent=1)
    assert hasher.verify(None, "whatever") is False
