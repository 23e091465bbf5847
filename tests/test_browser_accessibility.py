"""An automated accessibility audit of every page in real Chromium with axe-core (WCAG 2.1 A/AA
rules): no serious or critical violation. axe-core comes from the npm registry, pinned with its
integrity hash in tools/axe (``make test`` installs it)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PAGES = {
    "map": ("/?as_at=2018-05-17", "Intervention map"),
    "map_tiles": ("/?view=tiles&region=E12000007", "Intervention map"),
    "authority": ("/authority?la=E08000034&as_at=2018-05-17", "Kirklees"),
    "exit": ("/exit", "Time to exit from inadequate"),
    "changes": ("/changes?region=E12000005&since=2018-01-01&until=2018-05-17", "What changed"),
    "present_changes": (
        "/?present=1&region=E12000005&as_at=2018-05-17&since=2018-01-01&step=2",
        "Since the last meeting: 1 January 2018 to 17 May 2018",
    ),
    "tracker": ("/tracker", "Tracker"),
    "data": ("/data", "Data & sources"),
    "guide": ("/guide", "User guide"),
    "accessibility": ("/accessibility", "Accessibility statement"),
    "present": (
        "/?present=1&region=E12000003&as_at=2018-05-17",
        "Intervention level, Yorkshire and The Humber",
    ),
}


def audit(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target, html: n.html.slice(0, 200)}))}));
        }""",
        TAGS,
    )
    return result


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_violations(browser, server, artifacts, name):
    assert AXE.is_file(), "axe-core missing: run `make test` (it installs tools/axe)"
    path, heading = PAGES[name]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server.base)
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.goto(server.base + path)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0""",
        timeout=60_000,
    )
    page.wait_for_timeout(2500)
    page.screenshot(path=str(artifacts / f"page_{name}.png"))
    violations = audit(page)
    (artifacts / f"axe_{name}.json").write_text(json.dumps(violations, indent=2))
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    context.close()
    assert not bad, json.dumps(bad, indent=2)[:4000]


def test_the_audit_does_find_violations(browser):
    """A page with known faults: proves axe ran and that the filter sees serious ones."""
    page = browser.new_page()
    page.set_content(
        "<html lang='en'><head><title>t</title></head><body><main>"
        "<img src='data:,'><button></button>"
        "<p style='color:#bbb;background:#fff'>faint text</p></main></body></html>"
    )
    found = {v["id"]: v["impact"] for v in audit(page)}
    page.close()
    assert found.get("image-alt") == "critical"
    assert found.get("button-name") == "critical"
    assert found.get("color-contrast") == "serious"
