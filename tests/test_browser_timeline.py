"""The authority timeline's legend in Chromium (issue 22 item 9): the intervention bars' levels are
in it, beside the judgements, for two councils with long intervention histories."""

from __future__ import annotations

import pytest

from tests.test_browser_pages import _wait_for_app

pytestmark = pytest.mark.browser

TIMELINES = [
    ("E08000025", "Birmingham", ["Alternative delivery", "Direction + commissioner"]),
    ("E08000017", "Doncaster", ["Alternative delivery"]),
]


@pytest.mark.parametrize(("code", "name", "levels"), TIMELINES, ids=[n for _, n, _ in TIMELINES])
def test_the_timeline_legend_names_the_intervention_levels(browser, server, artifacts, code, name, levels):
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.goto(f"{server.base}/authority?la={code}&as_at=2024-06-30")
    page.get_by_role("heading", name=name).first.wait_for(timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=60_000, state="attached")
    _wait_for_app(page)
    chart = page.locator(".js-plotly-plot", has=page.locator(".legend")).first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    chart.screenshot(path=str(artifacts / f"timeline_{name.lower()}.png"))
    legend = chart.locator(".legend .legendtext").all_text_contents()
    for level in levels:
        assert level in legend, legend
    assert "Inadequate" in legend and legend.index("Inadequate") < legend.index(levels[0])
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
