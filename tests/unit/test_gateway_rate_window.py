"""The embedded gateway counts rates as HAProxy does: a burst across a period boundary is still one burst."""

from datetime import UTC, datetime, timedelta

from chassis import clock
from gateway.embedded import WindowCounter
from gateway.routes import RateClass


def test_a_burst_across_a_period_boundary_is_refused_like_one_inside_it():
    rate = RateClass("captcha", 30, 60)
    counter = WindowCounter()
    start = datetime(2030, 1, 1, 0, 0, 58, tzinfo=UTC)  # 2 s before a period starts
    with clock.travelled_to(start, frozen=True) as moment:
        waits = []
        for _ in range(31):
            waits.append(counter.hit(rate, "1.2.3.4"))
            moment.advance(timedelta(milliseconds=100))  # the burst runs from :58 to :01 of the next minute
    assert waits[:30] == [None] * 30
    assert waits[30] is not None and 1 <= waits[30] <= 60
    assert counter.hit(rate, "5.6.7.8") is None  # another address is counted apart
