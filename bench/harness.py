"""Benchmark harness: each figure is printed beside its anchor measured in the same run, and as their ratio.

Machines here are noisy, so no benchmark asserts a time; it reports `figure / anchor` and the target it aims at.
"""

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    anchor_name: str
    anchor_value: float
    higher_is_better: bool = True
    target: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.anchor_value if self.anchor_value else float("inf")


def report(figure: Figure) -> Figure:
    better = "higher is better" if figure.higher_is_better else "lower is better"
    print(
        f"[bench] {figure.name}: {figure.value:,.2f} {figure.unit} | anchor {figure.anchor_name}: "
        f"{figure.anchor_value:,.2f} {figure.unit} | ratio {figure.ratio:.3f} ({better})"
        + (f" | target {figure.target}" if figure.target else "")
    )
    print("[bench-json] " + json.dumps({**asdict(figure), "ratio": figure.ratio}, ensure_ascii=False))
    return figure


def rate(action: Callable[[], object], seconds: float = 2.0, min_runs: int = 3) -> float:
    """Calls of `action` per second over about `seconds`."""
    runs, started = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - started < seconds:
        action()
        runs += 1
    return runs / (time.perf_counter() - started)


def percentile(samples: list[float], pct: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def latencies(action: Callable[[], object], runs: int) -> list[float]:
    """Wall time of each of `runs` calls, in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)
