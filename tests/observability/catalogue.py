"""The documented metrics (docs/metrics.md's tables) and what a scrape or a query names."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
METRICS_DOC = REPO / "docs" / "metrics.md"

_ROW = re.compile(r"^\| `([a-z_:][a-z0-9_:]*)` \| (counter|gauge|histogram) \|", re.MULTILINE)


def documented() -> dict[str, str]:
    """name → type, from docs/metrics.md."""
    return dict(_ROW.findall(METRICS_DOC.read_text(encoding="utf-8")))


FEEDER_SECTION = "## The edge's revocation feeder"


def feeder_metrics() -> dict[str, str]:
    """The metrics of the edge's revocation feeder, a process of its own (its section of docs/metrics.md)."""
    section = METRICS_DOC.read_text(encoding="utf-8").split(FEEDER_SECTION, 1)[1].split("\n## ", 1)[0]
    return dict(_ROW.findall(section))


def hall_metrics() -> dict[str, str]:
    """The hall_* metrics of the services' processes (the feeder's are on its own /metrics)."""
    feeder = feeder_metrics()
    return {name: kind for name, kind in documented().items() if name.startswith("hall_") and name not in feeder}


def exposed_names(name: str, kind: str) -> set[str]:
    """The series names a metric shows on /metrics and in queries."""
    if kind == "histogram":
        return {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return {name}


def queryable() -> set[str]:
    """Every series name a query may use: the documented metrics, plus Prometheus' and kube-state-metrics' own."""
    names = {"up", "kube_cronjob_status_last_successful_time", "kube_cronjob_spec_suspend"}
    for name, kind in documented().items():
        names |= exposed_names(name, kind)
    return names


_PROMQL_WORDS = {
    "sum",
    "rate",
    "irate",
    "increase",
    "max",
    "min",
    "avg",
    "count",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "histogram_quantile",
    "clamp_min",
    "clamp_max",
    "time",
    "absent",
    "vector",
    "label_replace",
    "topk",
    "bottomk",
    "delta",
    "deriv",
    "abs",
    "max_over_time",
    "min_over_time",
    "avg_over_time",
    "sum_over_time",
    "last_over_time",
    "changes",
    "resets",
    "le",
    "scalar",
    "sort",
    "sort_desc",
    "round",
    "floor",
    "ceil",
    "absent_over_time",
    "present_over_time",
}


def series_in(expr: str) -> set[str]:
    """Metric names a PromQL expression reads (identifiers not inside {...}, quotes or [...], not functions)."""
    text = re.sub(r'"[^"]*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", "{}", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        word = match.group(0)
        after = text[match.end() :].lstrip()
        if word in _PROMQL_WORDS or after.startswith("("):
            continue
        if re.fullmatch(r"\d+[smhdwy]", word) or word in {"e", "Inf", "NaN", "inf", "nan"}:
            continue
        if word.startswith("$"):
            continue
        names.add(word)
    return names
