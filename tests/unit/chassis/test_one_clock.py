"""Every date the hall uses comes from chassis/clock.py: service code that reads the system clock another way would
not move with HALL_CLOCK_SHIFT or a test's travel, and would age like the demo data once did."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CODE = ("chassis", "services", "gateway")
CLOCK_MODULE = ROOT / "chassis" / "clock.py"
# (module, attribute) calls that read the wall clock; monotonic timers measure intervals and stay allowed
SYSTEM_CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
}


def _python_files() -> list[Path]:
    files = []
    for folder in CODE:
        for path in (ROOT / folder).rglob("*.py"):
            if path != CLOCK_MODULE and "migrations" not in path.parts:
                files.append(path)
    return files


def system_clock_reads(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
        if (name, node.func.attr) in SYSTEM_CLOCK_CALLS:
            found.append((node.lineno, f"{name}.{node.func.attr}()"))
    return found


def test_no_service_code_reads_the_system_clock_but_the_clock_module():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in _python_files()
        for line, call in system_clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "use chassis.clock instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    ["datetime.now(UTC)", "datetime.datetime.now()", "date.today()", "time.time()", "datetime.utcnow()"],
)
def test_the_scan_finds_each_way_of_reading_the_system_clock(line):
    assert system_clock_reads(line)


def test_the_scan_leaves_monotonic_timers_and_the_clock_alone():
    assert system_clock_reads("time.monotonic()\nclock.now()\nclock.today()\ntime.perf_counter()") == []
