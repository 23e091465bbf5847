"""Real headless Chromium against `streamlit run`: the pages draw, and screenshots are kept."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def _wait_for_app(page) -> None:
    """Wait until the script finished and every element (widgets, tables) has drawn."""
    page.wait_for_selector("[data-testid='stApp']", timeout=30_000)
    page.wait_for_selector("[data-testid='stDateInput'] input", timeout=30_000)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0""",
        timeout=30_000,
    )


def test_data_and_sources_in_chromium(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 2600})
    page = context.new_page()
    page.goto(f"{server.base}/data?region=E12000001&as_at=2018-05-17")
    page.get_by_role("heading", name="Data & sources").wait_for(timeout=30_000)
    page.get_by_text("Latest Ofsted judgement, North East, as at 17 May 2018").wait_for(timeout=30_000)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30_000)
    _wait_for_app(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "data_sources.png"), full_page=True)
    assert page.get_by_text("Judgements published up to 14 May 2025").first.is_visible()
    licence = page.get_by_text("licensed under the Open Government Licence").first
    licence.wait_for(timeout=30_000)
    licence.scroll_into_view_if_needed()
    assert licence.is_visible()
    # The URL keeps the view, so a link reproduces it.
    assert "region=E12000001" in page.url and "as_at=2018-05-17" in page.url
    context.close()


def test_sidebar_shows_only_page_titles(page, server, artifacts):
    page.goto(f"{server.base}/data")
    page.get_by_role("heading", name="Data & sources").wait_for(timeout=30_000)
    _wait_for_app(page)
    sidebar = page.locator("[data-testid='stSidebar']")
    text = sidebar.inner_text()
    page.screenshot(path=str(artifacts / "sidebar.png"))
    assert "data sources" not in text  # Streamlit's auto-navigation from pages/ would show file names
    assert "intervention map" not in text
    assert "Intervention map" in text and "Data & sources" in text
    assert "Region" in text and "As at" in text


def test_bad_parameter_shows_a_note_not_a_traceback(page, server, artifacts):
    page.goto(f"{server.base}/data?region=nowhere&as_at=yesterday")
    page.get_by_text("is not an English region code").wait_for(timeout=30_000)
    _wait_for_app(page)
    page.screenshot(path=str(artifacts / "bad_parameters.png"), full_page=True)
    assert page.locator("[data-testid='stException']").count() == 0


MAP_VIEWS = [
    ("2016-03-31", None, 152),
    ("2018-05-17", None, 152),
    ("2024-06-30", None, 153),
    ("2018-05-17", "E12000005", 152),
    ("2024-06-30", "E12000007", 153),
]


#: The SVG map is a Streamlit v2 component in a shadow root: count its authority links there.
SVG_LINKS = """() => { let n = 0; for (const h of document.querySelectorAll('*')) {
    if (h.shadowRoot) n += h.shadowRoot.querySelectorAll('svg a[data-la]').length; } return n; }"""
SVG_TITLE = """() => { for (const h of document.querySelectorAll('*')) {
    const t = h.shadowRoot && h.shadowRoot.querySelector('.oversight-map .t'); if (t) return t.textContent; }
    return ''; }"""


def _wait_for_map(page) -> None:
    """The default SVG map or a plotly map (boundaries or tiles), drawn."""
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot path.choroplethlocation, "
        ".js-plotly-plot .scatterlayer .point').length > 100 || (" + SVG_LINKS + ")() > 10",
        timeout=60_000,
    )


@pytest.mark.parametrize(("as_at", "region", "authorities"), MAP_VIEWS)
def test_map_draws_in_chromium(browser, server, artifacts, as_at, region, authorities):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    query = f"?as_at={as_at}" + (f"&region={region}" if region else "")
    page.goto(f"{server.base}/{query}")
    _wait_for_map(page)
    _wait_for_app(page)
    page.wait_for_timeout(500)
    links = page.evaluate(SVG_LINKS)
    # One link per authority in view (England: all of them; a region: its own).
    assert links == authorities if not region else 5 <= links < authorities
    title = page.evaluate(SVG_TITLE)
    assert "as at" in title and ("England" in title if not region else "England" not in title)
    page.screenshot(path=str(artifacts / f"map_{as_at}_{region or 'england'}.png"))
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


@pytest.mark.parametrize(("as_at", "region", "authorities"), [MAP_VIEWS[1], MAP_VIEWS[4]])
def test_zoomable_plotly_map_draws_in_chromium(browser, server, artifacts, as_at, region, authorities):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    query = f"?view=geo&as_at={as_at}" + (f"&region={region}" if region else "")
    page.goto(f"{server.base}/{query}")
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    _wait_for_map(page)
    _wait_for_app(page)
    page.wait_for_timeout(500)
    shapes = page.locator(".js-plotly-plot path.choroplethlocation").count()
    # Every authority is drawn once on the main map (London again in the England inset).
    assert shapes >= authorities
    title = page.locator(".js-plotly-plot .gtitle").first.text_content()
    assert "as at" in title and ("England" in title if not region else "England" not in title)
    page.screenshot(path=str(artifacts / f"map_geo_{as_at}_{region or 'england'}.png"))
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_keyboard_opens_an_authority_from_the_svg_map(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.goto(f"{server.base}/?as_at=2018-05-17&region=E12000003")
    _wait_for_map(page)
    _wait_for_app(page)
    link = page.locator("a[data-la='E08000034']")  # Kirklees; Playwright locators pierce shadow roots
    assert "Kirklees: Alternative delivery" in link.get_attribute("aria-label")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.location.pathname.endsWith('/authority')", timeout=30_000)
    page.get_by_role("heading", name="Kirklees").first.wait_for(timeout=30_000)
    assert "la=E08000034" in page.url
    context.close()


def test_clicking_a_tile_selects_the_authority(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.goto(f"{server.base}/?as_at=2018-05-17&view=tiles")
    _wait_for_map(page)
    _wait_for_app(page)
    point = page.locator(".js-plotly-plot .scatterlayer .trace").first.locator(".point").first
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => window.location.pathname.endsWith('/authority')", timeout=30_000)
    assert "la=" in page.url
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    _wait_for_app(page)
    page.screenshot(path=str(artifacts / "map_click_opens_authority.png"))
    assert page.locator("h1").first.inner_text() not in ("Intervention map", "Authority")
    context.close()


def test_webgl_map_draws_in_chromium(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = context.new_page()
    page.goto(f"{server.base}/?as_at=2024-06-30&view=deck&region=E12000002")
    page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000, state="attached")
    _wait_for_app(page)
    page.wait_for_timeout(2500)
    page.screenshot(path=str(artifacts / "map_webgl_north_west.png"))
    # The canvas holds drawn pixels in more than one colour (not a blank WebGL context).
    colours = page.evaluate(
        """() => {
            const c = document.querySelector("[data-testid='stDeckGlJsonChart'] canvas");
            const copy = document.createElement('canvas'); copy.width = c.width; copy.height = c.height;
            const ctx = copy.getContext('2d'); ctx.drawImage(c, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data; const seen = new Set();
            for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2]);
            return seen.size;
        }"""
    )
    assert colours > 3
    context.close()


AUTHORITIES = [
    ("E06000005", "2018-05-17", "Darlington"),
    ("E08000034", "2018-05-17", "Kirklees"),
    ("E08000025", "2024-06-30", "Birmingham"),
    ("E06000062", "2024-06-30", "West Northamptonshire"),
    ("E10000021", "2024-06-30", "Northamptonshire"),
    ("E06000063", "2024-03-01", "Cumberland"),
]


@pytest.mark.parametrize(("code", "as_at", "name"), AUTHORITIES)
def test_authority_page_in_chromium(browser, server, artifacts, code, as_at, name):
    context = browser.new_context(viewport={"width": 1500, "height": 1400})
    page = context.new_page()
    page.goto(f"{server.base}/authority?la={code}&as_at={as_at}")
    page.get_by_role("heading", name=name).first.wait_for(timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=60_000, state="attached")
    _wait_for_app(page)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / f"authority_{code}_{as_at}.png"))
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_unknown_authority_gets_a_clear_page(page, server, artifacts):
    page.goto(f"{server.base}/authority?la=E99999999")
    page.get_by_text("No authority has the code").wait_for(timeout=60_000)
    _wait_for_app(page)
    page.screenshot(path=str(artifacts / "authority_unknown.png"))
    assert page.locator("[data-testid='stException']").count() == 0


def test_exit_page_in_chromium(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1500, "height": 1300})
    page = context.new_page()
    # Streamlit's old pages/ auto-navigation answers the process's very first deep link with a
    # "page not found" notice before the router takes over: open the app once first.
    page.goto(server.base)
    _wait_for_map(page)
    page.goto(f"{server.base}/exit")
    page.get_by_role("heading", name="Time to exit from inadequate").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length > 0", timeout=60_000
    )
    _wait_for_app(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(artifacts / "exit.png"))
    sankey = page.locator(".js-plotly-plot", has=page.locator(".sankey-node")).first
    sankey.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelectorAll('.sankey-node').length >= 6", timeout=30_000)
    page.wait_for_timeout(800)
    page.get_by_text("Pathways after inadequate").first.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "exit_pathways.png"))
    assert page.locator(".sankey-link").count() >= 6
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_presentation_mode_steps_with_arrow_keys(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server.base)
    _wait_for_map(page)
    page.goto(f"{server.base}/?present=1&region=E12000003&as_at=2018-05-17")
    page.get_by_role("heading", name="Intervention level, Yorkshire and The Humber").wait_for(timeout=60_000)
    page.locator(".oversight-map svg a[data-la]").first.wait_for(timeout=60_000)  # the SVG map, drawn
    page.wait_for_timeout(800)
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    page.screenshot(path=str(artifacts / "present_1_map.png"))
    page.get_by_text("1 of 4").click()  # the page has the keyboard's focus (not on an authority's link)
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Since the last meeting: 22 March 2018 to 17 May 2018").wait_for(
        timeout=30_000
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "present_2_changes.png"))
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Authorities in intervention, Yorkshire and The Humber").wait_for(
        timeout=30_000
    )
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "present_2_authorities.png"))
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name="Time to exit from inadequate").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length > 0", timeout=30_000
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "present_3_exit.png"))
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="Authorities in intervention, Yorkshire and The Humber").wait_for(
        timeout=30_000
    )
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_board_pack_dialog_in_chromium(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(server.base)
    _wait_for_map(page)
    page.goto(f"{server.base}/?region=E12000003&as_at=2018-05-17")
    _wait_for_map(page)
    page.get_by_role("button", name="Board pack…").click()
    page.get_by_role("button", name="Prepare board pack").click()
    page.get_by_role("button", name="Download slides (PPTX)").wait_for(timeout=90_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "board_pack_dialog.png"))
    with page.expect_download() as info:
        page.get_by_role("button", name="Download PDF").click()
    assert info.value.suggested_filename == "board-pack-yorkshire-and-the-humber-2018-05-17.pdf"
    with page.expect_download() as info:  # the full table, beside a pack that lists those in intervention
        page.get_by_role("button", name="Download every authority (CSV)").click()
    assert info.value.suggested_filename == "board-pack-yorkshire-and-the-humber-2018-05-17-authorities.csv"
    # The same pack asked for again comes from the process's store of finished packs, drawn by no
    # replayed progress bar (a cached call's replay of it was an error page, issue 23).
    page.get_by_role("button", name="Prepare board pack").click()
    page.wait_for_timeout(1500)
    page.get_by_role("button", name="Download slides (PPTX)").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
