"""The alert rules: valid for Prometheus, each one fires and clears on synthetic series (promtool), each with a
runbook entry in docs/runbook.md, and each names only metrics the hall (or its edge) exports."""

import re
import shutil
import subprocess

import pytest

from tests.observability import alert_cases
from tests.observability.catalogue import REPO, queryable, series_in

pytestmark = pytest.mark.slow(seconds=55)

RUNBOOK = REPO / "docs" / "runbook.md"


def _promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        pytest.fail("promtool is missing: apt-get install prometheus (Debian's package ships promtool)", pytrace=False)
    return found


def _anchors() -> set[str]:
    """GitHub's anchors of the runbook's headings."""
    headings = re.findall(r"^#+ (.+)$", RUNBOOK.read_text(encoding="utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading).strip().lower().replace(" ", "-") for heading in headings}


def test_promtool_accepts_the_rules():
    result = subprocess.run([_promtool(), "check", "rules", str(alert_cases.RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_cases.rules())} rules found" in result.stdout


def test_the_committed_promtool_tests_are_the_generated_ones():
    assert alert_cases.TESTS.read_text(encoding="utf-8") == alert_cases.render(yearly=False), (
        "run: .venv/bin/python -m tests.observability.alert_cases"
    )
    assert alert_cases.YEARLY_TESTS.read_text(encoding="utf-8") == alert_cases.render(yearly=True)


def test_every_alert_fires_and_clears_in_promtool():
    assert {case.alert for case in alert_cases.CASES} == set(alert_cases.rules()), "one case per alert"
    for case in alert_cases.CASES:  # a case that proves nothing: it must fire before it clears
        assert case.fires_at != case.clears_at
    result = subprocess.run(
        [_promtool(), "test", "rules", alert_cases.TESTS.name, alert_cases.YEARLY_TESTS.name],
        cwd=alert_cases.RULES.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2, result.stdout


def test_every_alert_has_a_runbook_entry_and_a_severity():
    anchors = _anchors()
    for name, rule in alert_cases.rules().items():
        url = rule["annotations"].get("runbook_url", "")
        assert url.startswith("docs/runbook.md#"), (name, url)
        anchor = url.split("#", 1)[1]
        assert anchor == name.lower() and anchor in anchors, f"{name}: no heading '### {name}' in docs/runbook.md"
        section = RUNBOOK.read_text(encoding="utf-8").split(f"### {name}\n", 1)[1].split("\n### ", 1)[0]
        for part in ("**Means**", "**Look**", "**Do**"):
            assert part in section, f"{name}'s runbook entry lacks {part}"
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_every_alert_reads_only_exported_metrics():
    known = queryable()
    for name, rule in alert_cases.rules().items():
        unknown = series_in(rule["expr"]) - known
        assert not unknown, f"{name} reads {unknown}, which nothing exports (docs/metrics.md lists what does)"
