"""Outside text in a real browser: a link and a store whose tracker fields, source titles and file
name are Markdown, HTML and formulas. The page must make no request to another host, hold no link
or picture that leads off-site, and show every hostile string as the literal words.

The store is the loaded one plus a tracker CSV the test writes (``tests/hostile_data.py``); the
app runs in its own ``streamlit run`` on it, driven by the shared Chromium.
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote, urlsplit

import pytest

from oversight.components.figures.freshness import STALE_START
from tests import hostile_data as hd
from tests.browser import StreamlitServer
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

#: Every link and every fetched thing in the page, its shadow roots (the SVG map) included.
REFERENCES = """() => {
  const out = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      const ref = el.getAttribute('href') ?? el.getAttribute('xlink:href') ?? el.getAttribute('src')
        ?? el.getAttribute('data') ?? el.getAttribute('srcset');
      if (ref === null || !['a', 'img', 'image', 'iframe', 'source', 'video', 'audio', 'embed', 'object',
                            'script', 'link', 'use'].includes(tag)) continue;
      out.push([tag, new URL(ref, document.baseURI).href]);
    }
  };
  visit(document);
  return out;
}"""
#: The text a reader sees in the main area and the sidebar (shadow roots included).
VISIBLE_TEXT = """() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('*')) if (el.shadowRoot) parts.push(el.shadowRoot.textContent);
  return parts.join('\\n');
}"""


#: Streamlit, measured: each hostile string through ``safe_text`` in every Markdown element kind.
CASES = [
    hd.LINK,
    hd.IMAGE,
    hd.TAGS,
    hd.SCRIPT,
    hd.IMG_TAG,
    "https://evil.example/ HTTPS://EVIL.EXAMPLE www.evil.example bob@evil.example mailto:bob@evil.example",
    "<https://evil.example> <bob@evil.example> [r]: https://evil.example/ [r]",
    ":red[red] :material/home: :smile: :streamlit: :blue-badge[b] :help[x] :color[c]{foreground=red}",
    "$x^2$ and $$y$$ \\(z\\)",
    "# h",
    "1. item",
    "1) item",
    "- item",
    "+ item",
    "> quote",
    "| a | b |",
    "**bold** _it_ ~~strike~~ `code` &lt;b&gt; &amp; a -> b -- c <= d",
    "Kingston upon Hull, City of",
    'St. Helens (E08000013): 50% done; it\'s "quoted" @ 10:30',
]
CASES_SCRIPT = """
import json
import pandas as pd
import streamlit as st
from oversight.components.figures.safe_text import markdown, markdown_cells
cases = json.loads(open("cases.json", encoding="utf-8").read())
for i, case in enumerate(cases):
    with st.container(key=f"case{i}"):
        st.markdown(markdown(case))
        st.caption(markdown(case))
        st.warning(markdown(case))
        st.radio("r", [0], format_func=lambda _: markdown(case), key=f"r{i}")
        st.table(markdown_cells(pd.DataFrame({"x": [case]})))
st.markdown("all drawn")
"""


def test_every_escaped_string_renders_as_its_own_words(browser, tmp_path, artifacts):
    """Not only the app's strings: each hostile case, in each element kind, reads as itself."""
    (tmp_path / "cases.json").write_text(json.dumps(CASES))
    (tmp_path / "app.py").write_text(CASES_SCRIPT)
    server = StreamlitServer(tmp_path, "sqlite://", artifacts / "streamlit_cases.log").start()
    try:
        guard = Guarded(browser, server, viewport={"width": 1200, "height": 1000})
        page = guard.page
        page.goto(server.base)
        page.get_by_text("all drawn").wait_for(timeout=60_000)
        _settled(page)
        page.screenshot(path=str(artifacts / "hostile_cases.png"), full_page=True)
        for i, case in enumerate(CASES):
            box = page.locator(f".st-key-case{i}")
            assert box.locator("a, img, [role=img], .katex").count() == 0, case
            words = " ".join(case.split())
            for kind in ("stMarkdown", "stAlert", "stTable", "stRadio"):
                shown = box.locator(f"[data-testid={kind}]").first.inner_text().replace("\u2060", "")
                assert words in " ".join(shown.split()), (kind, case, shown)
        guard.check()
        guard.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def hostile_server(loaded_sqlite_url, tmp_path_factory, artifacts):
    url = hd.hostile_store(loaded_sqlite_url, tmp_path_factory.mktemp("hostile_browser"))
    srv = StreamlitServer(ROOT, url, artifacts / "streamlit_hostile.log").start()
    yield srv
    srv.stop()


class Guarded:
    """A browser context that refuses, and records, every request to another host."""

    def __init__(self, browser, server: StreamlitServer, **options):
        self.own = urlsplit(server.base).netloc
        self.offsite: list[str] = []
        self.context = browser.new_context(**options)
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).netloc == self.own:
            route.continue_()
        else:
            self.offsite.append(url)
            route.abort()

    def check(self) -> str:
        """No off-site request so far, no off-site link or picture now; the visible text, joiners dropped."""
        assert not self.offsite, self.offsite
        for tag, ref in self.page.evaluate(REFERENCES):
            parts = urlsplit(ref)
            allowed = parts.netloc == self.own or (tag != "a" and parts.scheme in ("data", "blob"))
            assert allowed, (tag, ref)
        assert self.page.locator("[data-testid='stException']").count() == 0
        return self.page.evaluate(VISIBLE_TEXT).replace("\u2060", "")

    def close(self) -> None:
        self.context.close()


def _settled(page) -> None:
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]')
              && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0""",
        timeout=60_000,
    )
    page.wait_for_timeout(1_000)


def test_a_hostile_link_shows_its_words_and_leads_nowhere(browser, hostile_server, artifacts):
    guard = Guarded(browser, hostile_server, viewport={"width": 1400, "height": 1100})
    page = guard.page
    page.goto(f"{hostile_server.base}/?as_at={quote(hd.LINK)}&la={quote(hd.IMAGE)}")
    page.get_by_text("is not a date").wait_for(timeout=60_000)
    page.get_by_text("is not a known ONS code").wait_for(timeout=60_000)
    _settled(page)
    page.screenshot(path=str(artifacts / "hostile_link_notes.png"))
    text = guard.check()
    assert f"The link's date '{hd.LINK}' is not a date" in text
    assert f"The link's authority '{hd.IMAGE}' is not a known ONS code" in text
    # The link's notes (and a stale-data notice when the data is old, which is ours: no link either).
    assert page.locator("[data-testid='stAlert']").locator("a, img").count() == 0
    notes = page.locator("[data-testid='stAlert']").filter(has_not_text=STALE_START)
    assert notes.count() == 2
    guard.close()


def test_hostile_tracker_text_on_the_authority_page(browser, hostile_server, artifacts):
    guard = Guarded(browser, hostile_server, viewport={"width": 1400, "height": 2400})
    page = guard.page
    page.goto(f"{hostile_server.base}/authority?la={hd.CODE}&as_at={hd.AS_AT}")
    page.get_by_role("heading", name="Darlington").first.wait_for(timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    _settled(page)
    text = guard.check()
    assert f"Statutory direction since 1 February 2024 · {hd.TITLE}" in text
    hover = _hover_event(page)
    page.screenshot(path=str(artifacts / "hostile_authority.png"))
    # The event's hover: the project's bold title line, then the tracker's words as words.
    assert hd.IMG_TAG in hover and f"{hd.FORMULA} {hd.LINK}" in hover and hd.LINK in hover
    assert page.locator(".hoverlayer a, .hoverlayer image").count() == 0
    assert not guard.offsite, guard.offsite
    _csv_cells_are_text(page)
    guard.check()
    guard.close()


def _hover_event(page) -> str:
    """Move the mouse onto the tracker event (a star on the Events lane) and read the hover label."""
    point = page.evaluate(
        """() => {
          const gd = document.querySelector('.js-plotly-plot');
          const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
          return [box.left + xa._offset + xa.d2p('2024-03-01'), box.top + ya._offset + ya.d2p(2)];
        }"""
    )
    page.mouse.move(point[0], point[1])
    page.wait_for_selector(".hoverlayer .hovertext", timeout=10_000)
    return page.locator(".hoverlayer .hovertext").first.text_content()


def _csv_cells_are_text(page) -> None:
    """The history's CSV: the formula-like cells start with ', the dates stay ISO."""
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download the history as CSV").click()
    raw = info.value.path().read_bytes()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8-sig")
    notes = [line for line in text.splitlines() if line.startswith("#")]  # the as-at and layers lines
    assert notes and all(not c.startswith(("=", "+", "-", "@")) for row in csv.reader(notes) for c in row)
    rows = list(
        csv.DictReader(io.StringIO("\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))))
    )
    source = {r["Source"] for r in rows}
    assert f"{hd.SCRIPT} {hd.FORMULA}" in source  # starts with <: not a formula
    event = next(r for r in rows if r["Date"] == "2024-03-01")
    assert event["Detail"].startswith(hd.IMG_TAG) and event["Link"] == ""  # the javascript: link dropped
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())


#: The WebGL tooltip while it shows: its markup and its text.
DECK_TOOLTIP = """() => { const t = document.querySelector('.deck-tooltip');
  return t && t.style.display !== 'none' ? [t.innerHTML, t.innerText] : null; }"""


def test_the_webgl_tooltip_shows_tracker_text_as_text(browser, hostile_server, artifacts):
    guard = Guarded(browser, hostile_server, viewport={"width": 1500, "height": 1100})
    page = guard.page
    page.goto(f"{hostile_server.base}/?as_at={hd.AS_AT}&view=deck&region=E12000001")
    page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000, state="attached")
    _settled(page)
    page.wait_for_timeout(2_000)
    box = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first.bounding_box()
    # Darlington sits about here in this viewport; look outwards from there (picking is slow).
    grid = sorted(
        ((i, j) for i in range(2, 43, 2) for j in range(2, 43, 2)),
        key=lambda p: (p[0] - 24) ** 2 + (p[1] - 36) ** 2,
    )
    shown = None
    for i, j in grid[:250]:  # the page's layout can move the region in the canvas: look wider
        page.mouse.move(box["x"] + box["width"] * i / 44, box["y"] + box["height"] * j / 44)
        shown = page.evaluate(DECK_TOOLTIP)
        if shown and "Darlington" in shown[1]:
            break
    assert shown and "Darlington" in shown[1], shown
    page.screenshot(path=str(artifacts / "hostile_webgl_tooltip.png"))
    markup, words = shown
    assert markup.startswith("<b>Darlington</b><div")  # the project's own markup only
    assert "&lt;b&gt;x&lt;/b&gt;" in markup and markup.count("<b>") == 1
    assert hd.TITLE in words and "Statutory direction since 1 February 2024" in words
    guard.check()
    guard.close()


def test_a_hostile_file_name_and_sources_on_the_data_page(browser, hostile_server, artifacts):
    guard = Guarded(browser, hostile_server, viewport={"width": 1400, "height": 2600})
    page = guard.page
    page.goto(f"{hostile_server.base}/data")
    page.get_by_role("heading", name="Data & sources").wait_for(timeout=60_000)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    _settled(page)
    page.screenshot(path=str(artifacts / "hostile_data_sources.png"), full_page=True)
    text = guard.check()
    assert f"({hd.FILE_NAME})" in text
    guard.close()
