"""axe-core, the accessibility checker, run inside a page the browser tests have open: `assert_accessible(page)`
fails on any serious or critical violation and names each with the elements it found.

axe-core comes from npm (tests/browser/package.json, pinned in package-lock.json; `make venv` runs `npm ci`). It is
evaluated through the DevTools protocol, which the hall's Content-Security-Policy (script-src 'self') does not
block, so the page under test is served exactly as people get it."""

from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# the bar: none of these, on any page of the hall or the consoles
BLOCKING_IMPACTS = ("serious", "critical")
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, regions)
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

_RUN = """async ([tags, exclude]) => {
  const context = exclude.length ? {exclude: exclude.map((selector) => [selector])} : document;
  const result = await window.axe.run(context, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        raise AssertionError(
            f"axe-core is not installed ({AXE_SCRIPT} is missing): run `make venv` "
            "(or `npm ci --prefix tests/browser`) to install it from npm"
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def violations(page: Page, exclude: tuple[str, ...] = ()) -> list[dict]:
    """Every violation axe finds in the page as it is now (all impacts), outside the `exclude` selectors."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN, [RULE_TAGS, list(exclude)])


def describe(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"]:
            reason = "".join((node["summary"] or "").strip().splitlines()[-1:])  # axe's last line names the fix
            lines.append(f"    {node['target']}: {reason}")
    return "\n".join(lines)


def assert_accessible(page: Page, where: str = "", exclude: tuple[str, ...] = ()) -> list[dict]:
    """Fails on a serious or critical violation; returns the milder ones (for a report). `exclude`: selectors of
    repeats not worth the time — a 360-row schedule's rows after the first year are built like the first 12."""
    found = violations(page, exclude)
    blocking = [v for v in found if v["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"axe found serious/critical violations on {where or page.url}:\n{describe(blocking)}"
    return found
