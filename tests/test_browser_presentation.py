"""Issue 12 in Chromium: the presentation's map fills a projector at 1280×720, 1440×1000 and
1920×1080 with London beside England; its digest slide fits; the What changed page draws; the
Time to exit chart's title is inside its chart; the authority timeline's legend stays clear of its
source line. Screenshots go to ``tests/artifacts/`` (``present_map_*``, ``present_changes_*``,
``changes_page.png``, ``exit_title.png``, ``timeline_legend.png``)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1440, 1000), (1920, 1080)]
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0"""


def _open(browser, server, path: str, width: int, height: int):
    """A page at a screen size, after the app has answered once (Streamlit's old page routing
    answers a process's first deep link with "page not found")."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(server.base)
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(SETTLED, timeout=60_000)
    page.goto(server.base + path)
    return context, page


def _settle(page, ms: int = 800) -> None:
    page.wait_for_function(SETTLED, timeout=60_000)
    page.wait_for_timeout(ms)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_presentation_map_fills_the_screen(browser, server, artifacts, width, height):
    context, page = _open(browser, server, "/?present=1&as_at=2018-05-17", width, height)
    page.get_by_role("heading", name="Intervention level, England").wait_for(timeout=60_000)
    svg = page.locator(".oversight-map svg")  # Playwright's CSS pierces the component's shadow root
    svg.wait_for(timeout=60_000)
    _settle(page)
    page.screenshot(path=str(artifacts / f"present_map_{width}x{height}.png"))
    box = svg.bounding_box()
    england = page.locator(".oversight-map g.main").bounding_box()
    london = page.locator(".oversight-map g.inset rect").bounding_box()
    # The map uses most of the screen's height, and none of it is below the fold.
    assert box["height"] >= 0.8 * height, box
    assert england["height"] >= 0.7 * height, england
    assert box["y"] + box["height"] <= height + 1 and england["y"] >= 0
    # London beside England (to its right, within its height, close to it) at a legible size.
    assert london["x"] >= england["x"] + england["width"] - 2, (england, london)
    assert london["x"] - (england["x"] + england["width"]) <= 0.1 * height
    assert (
        england["y"] <= london["y"] and london["y"] + london["height"] <= england["y"] + england["height"] + 2
    )
    assert london["width"] >= 0.3 * england["height"], (england, london)
    # The title, legend and freshness are beside the map, on the screen.
    title = page.get_by_role("heading", name="Intervention level, England").bounding_box()
    assert title["x"] >= box["x"] + box["width"] - 2 and title["y"] + title["height"] <= height
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_presentation_digest_slide_fits_a_projector(browser, server, artifacts):
    path = "/?present=1&region=E12000005&as_at=2018-05-17&since=2018-01-01&step=2"
    context, page = _open(browser, server, path, 1280, 720)
    heading = page.get_by_role("heading", name="Since the last meeting: 1 January 2018 to 17 May 2018")
    heading.wait_for(timeout=60_000)
    page.locator("[data-testid='stTable']").wait_for(timeout=30_000)
    _settle(page)
    page.screenshot(path=str(artifacts / "present_changes_1280x720.png"))
    table = page.locator("[data-testid='stTable']").bounding_box()
    assert table["y"] + table["height"] <= 720 + 1  # the whole table on the screen
    assert page.get_by_text("Birmingham", exact=True).first.is_visible()
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="Intervention level, West Midlands").wait_for(timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_changes_page_in_chromium(browser, server, artifacts):
    path = "/changes?region=E12000005&since=2018-01-01&until=2018-05-17"
    context, page = _open(browser, server, path, 1400, 2400)
    page.get_by_role("heading", name="What changed").first.wait_for(timeout=60_000)
    page.get_by_role("heading", name="Interventions revised (3)").wait_for(timeout=60_000)
    page.locator(".oversight-map svg").nth(1).wait_for(timeout=60_000)
    _settle(page)
    page.screenshot(path=str(artifacts / "changes_page.png"))
    assert page.locator(".oversight-map svg").count() == 2
    for name in ("Birmingham", "Sandwell"):
        link = page.get_by_role("link", name=f"{name} (", exact=False).first
        assert "/authority?la=" in link.get_attribute("href")
    sources = page.locator("[data-testid='stMarkdownContainer'] a[href^='https://']")
    assert sources.count() >= 6  # every line's source
    assert page.get_by_role("button", name="Download the list as CSV").is_visible()
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_exit_chart_title_is_inside_the_chart(browser, server, artifacts):
    """The chart's title is a heading between the summary line and the chart (issue 22: a plotly
    title never wraps, and ran off a phone's screen), not drawn over either."""
    context, page = _open(browser, server, "/exit", 1500, 1300)
    page.get_by_role("heading", name="Time to exit from inadequate").wait_for(timeout=60_000)
    chart = page.locator(".js-plotly-plot").first
    chart.locator(".main-svg").first.wait_for(timeout=60_000)
    _settle(page, 1500)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "exit_title.png"))
    title = page.get_by_role(
        "heading", name="Share still inadequate by months since the judgement"
    ).bounding_box()
    frame = chart.locator(".main-svg").first.bounding_box()
    summary = page.get_by_text("Median time to exit:").bounding_box()
    assert title["y"] + title["height"] <= frame["y"] + 1, (title, frame)  # above the chart
    assert title["y"] >= summary["y"] + summary["height"]  # not under the summary line
    assert chart.locator(".gtitle").count() == 0
    context.close()


def test_timeline_legend_clear_of_its_source_line(browser, server, artifacts):
    context, page = _open(browser, server, "/authority?la=E08000034&as_at=2018-05-17", 900, 1400)
    page.get_by_role("heading", name="Kirklees").first.wait_for(timeout=60_000)
    chart = page.locator(".js-plotly-plot", has=page.locator(".legend")).first
    chart.locator(".scatterlayer .trace").first.wait_for(timeout=60_000, state="attached")
    _settle(page, 1000)
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "timeline_legend.png"))
    legend = chart.locator(".legend").bounding_box()
    source = chart.locator(".annotation", has_text="Sources:").bounding_box()
    apart = source["y"] + source["height"] <= legend["y"] or legend["y"] + legend["height"] <= source["y"]
    assert apart, (legend, source)
    box = chart.bounding_box()  # the whole line inside the chart at 900 px: not clipped at its right
    assert box["x"] <= source["x"] and source["x"] + source["width"] <= box["x"] + box["width"], (box, source)
    assert "OGL v3.0" in chart.locator(".annotation", has_text="Sources:").text_content()
    context.close()


def test_a_click_on_the_presentation_map_opens_the_timeline(browser, server, artifacts):
    context, page = _open(browser, server, "/?present=1&region=E12000003&as_at=2018-05-17", 1280, 720)
    kirklees = page.locator(".oversight-map a[data-la='E08000034']")
    kirklees.wait_for(timeout=60_000)
    _settle(page)
    kirklees.focus()
    page.keyboard.press("Enter")  # the keyboard's route to what a click does
    page.get_by_role("heading", name="Kirklees: timeline").wait_for(timeout=30_000)
    # The slide can be drawn a moment before the address bar catches up (seen once under load).
    page.wait_for_function("() => location.search.includes('step=4')", timeout=15_000)
    assert "la=E08000034" in page.url and "step=4" in page.url
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


#: The slides' scroll and text, measured in the page: the main block and the document scroll
#: neither way, and the smallest computed font size of the text in the visible charts' SVG.
SLIDE_FACTS = """() => {
  const main = document.querySelector('[data-testid="stMain"]'), doc = document.scrollingElement;
  const charts = [...document.querySelectorAll('.js-plotly-plot')].filter(c => c.offsetParent !== null);
  const sizes = charts.flatMap(c => [...c.querySelectorAll('svg text')])
    .filter(t => t.textContent.trim() && t.getBBox().width > 0)
    .map(t => parseFloat(getComputedStyle(t).fontSize));
  const box = charts.length ? charts[0].getBoundingClientRect() : null;
  const clipped = charts.flatMap(c => [...c.querySelectorAll('svg text')])
    .filter(t => t.textContent.trim()).map(t => [t.textContent, t.getBoundingClientRect()])
    .filter(([, r]) => r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1))
    .map(([text]) => text);
  return {scrollY: Math.max(main.scrollHeight - main.clientHeight, doc.scrollHeight - innerHeight),
          scrollX: Math.max(main.scrollWidth - main.clientWidth, doc.scrollWidth - innerWidth),
          title: document.querySelector('h1').textContent, texts: sizes.length,
          smallest: sizes.length ? Math.min(...sizes) : null,
          chart: box && {top: box.top, bottom: box.bottom, height: box.height}, clipped};
}"""
FIT_SIZES = [(1280, 720), (1920, 1080)]


def _next_slide(page, title: str) -> None:
    """Right arrow (Next's shortcut), then wait for the next slide's heading and its chart."""
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => document.querySelector('h1')?.textContent !== {title!r}", timeout=60_000)


@pytest.mark.parametrize(("width", "height"), FIT_SIZES, ids=[f"{w}x{h}" for w, h in FIT_SIZES])
def test_every_slide_fits_the_screen(browser, server, artifacts, width, height):
    """Issue 22 item 5: England's eight slides (map, what changed, the authorities' table in four
    pages, Kirklees' timeline, time to exit) each on one screen with no scrolling either way; the
    charts as tall as most of the slide with text of 16 px or more at 1920×1080."""
    context, page = _open(browser, server, "/?present=1&as_at=2018-05-17&la=E08000034", width, height)
    page.get_by_role("heading", name="Intervention level, England").wait_for(timeout=60_000)
    page.locator(".oversight-map svg").wait_for(timeout=60_000)
    titles = []
    for number in range(1, 9):
        if number > 1:
            _next_slide(page, titles[-1])
        title = page.locator("h1").first.text_content()
        if "timeline" in title or "exit" in title:
            page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        _settle(page)
        page.screenshot(path=str(artifacts / f"present_slide{number}_{width}x{height}.png"))
        facts = page.evaluate(SLIDE_FACTS)
        titles.append(facts["title"])
        assert facts["scrollY"] <= 1 and facts["scrollX"] <= 1, (number, facts)
        if facts["chart"]:
            assert facts["chart"]["bottom"] <= height and facts["chart"]["height"] >= 0.5 * height, facts
            assert not facts["clipped"], facts  # every label inside the chart
            if width == 1920:
                assert facts["texts"] >= 10 and facts["smallest"] >= 16, facts
        assert page.locator("[data-testid='stException']").count() == 0
    assert titles == [
        "Intervention level, England",
        "Since the last meeting: 22 March 2018 to 17 May 2018",
        *(f"Authorities in intervention, England ({n} of 4)" for n in range(1, 5)),
        "Kirklees: timeline",
        "Time to exit from inadequate",
    ]
    page.keyboard.press("ArrowLeft")  # and back through the pages
    page.get_by_role("heading", name="Kirklees: timeline").wait_for(timeout=30_000)
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="Authorities in intervention, England (4 of 4)").wait_for(timeout=30_000)
    context.close()


def test_first_chart_slide_is_drawn_in_under_two_seconds(browser, server, artifacts):
    """Issue 22 item 5: the time-to-exit chart took 8–9 s to appear. Its figure is built into the
    cache while the map shows (a date and region no other test opens, so nothing else warmed it),
    and the browser's charting code is loaded there too: from the key press to the chart's lines."""
    path = "/?present=1&region=E12000007&as_at=2019-03-01"
    context, page = _open(browser, server, path, 1920, 1080)
    page.get_by_role("heading", name="Intervention level, London").wait_for(timeout=60_000)
    page.locator(".oversight-map svg").wait_for(timeout=60_000)
    _settle(page)
    trail = page.get_by_text("1 of ", exact=False).first.text_content()
    slides = int(trail.split(" of ")[1].split(":")[0])  # the last is time to exit
    title = "Intervention level, London"
    for _ in range(slides - 2):  # to the slide before it, as a presenter would
        _next_slide(page, title)
        _settle(page, 300)
        title = page.locator("h1").first.text_content()
    start = time.perf_counter()
    page.keyboard.press("ArrowRight")
    page.locator(".js-plotly-plot .scatterlayer .trace").first.wait_for(timeout=60_000)
    took = time.perf_counter() - start
    page.screenshot(path=str(artifacts / "present_first_chart.png"))
    (artifacts / "present_first_chart.txt").write_text(f"{took:.2f} s from the key press to the chart\n")
    assert page.get_by_role("heading", name="Time to exit from inadequate").is_visible()
    assert took < 2.0, took
    context.close()
