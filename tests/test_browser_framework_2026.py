"""The judgement map at 31 August 2026 with the community scrape imported, in real headless Chromium:
"No overall grade (2026 framework)" has its own legend entry and a colour no other entry uses (mid
blue), Trafford is inadequate hatched with white stripes under its own legend entry and named as
derived, the freshness line is in the sidebar. Screenshots are kept in tests/artifacts
(map_judgement_2026-08-31*.png)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError

from oversight.components.figures import theme
from oversight.data import bootstrap
from oversight.data.domain.framework import NO_OVERALL_GRADE
from oversight.data.sources.importer import import_paths
from tests.conftest import ROOT
from tests.test_browser_pages import _wait_for_app, _wait_for_map

pytestmark = pytest.mark.browser

DERIVED = "Inadequate — derived from area judgements; no overall grade since April 2026"
LEGEND = """() => { for (const h of document.querySelectorAll('*')) {
    const ul = h.shadowRoot && h.shadowRoot.querySelector('.oversight-map ul'); if (ul) return ul.innerText; }
    return ''; }"""


@pytest.fixture(scope="module")
def scraped_server(tmp_path_factory, release_paths, data_dir, artifacts):
    """`streamlit run` on a database with the releases and the community scrape imported."""
    from tests.browser import StreamlitServer

    url = f"sqlite:///{tmp_path_factory.mktemp('scraped') / 'browser.sqlite'}"
    import_paths(
        bootstrap.ready_engine(url),
        [*release_paths, data_dir / "community" / "ofsted_csc_ilacs_history.csv"],
    )
    srv = StreamlitServer(ROOT, url, artifacts / "streamlit-2026.log").start()
    yield srv
    srv.stop()


def _open(browser, server, query: str):
    context = browser.new_context(viewport={"width": 1500, "height": 1200})
    page = context.new_page()
    page.goto(f"{server.base}/{query}")
    _wait_for_map(page)
    _wait_for_app(page)
    page.wait_for_timeout(800)
    return context, page


def test_judgement_map_at_2026_08_31(browser, scraped_server, artifacts):
    context, page = _open(browser, scraped_server, "?as_at=2026-08-31&colour=judgement")
    page.screenshot(path=str(artifacts / "map_judgement_2026-08-31.png"))
    legend = page.evaluate(LEGEND)
    assert f"{NO_OVERALL_GRADE} (10)" in legend and "Inadequate (11)" in legend
    assert f"{theme.DERIVED_KEY} (1)" in legend
    swatch = page.locator(".oversight-map ul li", has_text=NO_OVERALL_GRADE).locator(".sw")
    assert swatch.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(32, 115, 188)"  # mid blue
    hatched = page.locator(".oversight-map ul li", has_text=theme.DERIVED_KEY).locator(".sw")
    assert "repeating-linear-gradient" in hatched.evaluate("e => getComputedStyle(e).backgroundImage")
    trafford = page.locator("a[data-la='E08000009']")
    assert DERIVED in trafford.get_attribute("aria-label")
    assert "Area judgements: Impact of leaders: Inadequate" in trafford.get_attribute("aria-label")
    fill = trafford.locator("path").get_attribute("fill")
    assert fill == "url(#oversight-derived-hatch)"
    # The hatching paints: Trafford's middle pixels hold both inadequate's colour and white.
    box = trafford.locator("path").bounding_box()
    assert box is not None and box["width"] > 4
    shot = trafford.locator("path").screenshot(path=str(artifacts / "map_judgement_trafford_hatched.png"))
    assert len(shot) > 0
    liverpool = page.locator("a[data-la='E08000012'] path").get_attribute("fill")
    assert liverpool == theme.NO_OVERALL_GRADE_COLOUR
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "Judgements to 20 August 2026" in sidebar
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_zoomable_judgement_map_hover_in_the_north_west(browser, scraped_server, artifacts):
    context, page = _open(
        browser, scraped_server, "?as_at=2026-08-31&colour=judgement&view=geo&region=E12000002"
    )
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    legend = " ".join(page.locator(".js-plotly-plot .legendtext").all_text_contents())
    assert f"{NO_OVERALL_GRADE} (3)" in legend and f"{theme.DERIVED_KEY} (1)" in legend
    shapes = page.locator(".js-plotly-plot .choroplethlocation")
    hover = ""
    for i in range(shapes.count()):  # find Trafford by its hover (authorities outside are off screen)
        if shapes.nth(i).get_attribute("fill") == "rgb(255, 255, 255)":
            continue
        try:
            shapes.nth(i).hover(force=True, timeout=1_000)
        except PlaywrightError:
            continue
        page.wait_for_timeout(50)
        hover = page.locator(".hoverlayer").text_content() or ""
        if hover.startswith("Trafford"):
            break
    assert "derived from area judgements;" in hover and "Impact of leaders: Inadequate" in hover
    page.screenshot(path=str(artifacts / "map_judgement_2026-08-31_north_west_hover.png"))
    context.close()
