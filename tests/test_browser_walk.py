"""Issue 22's "Done when" walk: every page at 1280×720, 1920×1080 and 390×844 in real Chromium,
failing on a document or main block wider than the screen, a clipped title (a heading, or a plotly
chart's title, running outside its box or the screen) or visible text under 12 px (HTML text and
SVG text in charts and the map, at its drawn size). A screenshot of each page and size is kept
under ``tests/artifacts/walk/`` to be looked at.

One browser, one context per size; every check is one script run in the page, so the 36 views take
about three and a half minutes on two quiet cores (six and a half with the machine shared by seven).
Tables (``st.dataframe``) draw on a canvas, out of the text check's reach: Streamlit's 14 px.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1920, 1080), (390, 844)]
PAGES = {
    "map": ("/", "Intervention map"),
    "authority": ("/authority?la=E08000025", "Birmingham"),
    "changes": ("/changes", "What changed"),
    "exit": ("/exit", "Time to exit from inadequate"),
    "tracker": ("/tracker", "Tracker"),
    "data": ("/data", "Data & sources"),
    "guide": ("/guide", "User guide"),
    "accessibility": ("/accessibility", "Accessibility statement"),
    "present_map": ("/?present=1&step=1", None),
    "present_changes": ("/?present=1&step=2", None),
    "present_authorities": ("/?present=1&step=3", None),
    # A page's own slide by its path (the table's pages move the step numbers).
    "present_timeline": ("/authority?la=E08000025&present=1", None),
    "present_exit": ("/exit?present=1", None),
}
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0"""

#: Text allowed under 12 px, each with its reason (selectors matched with ``closest``).
SMALL_TEXT_EXCEPTIONS = {
    # Plotly's mode bar appears on hover only, as icons with a tooltip; it is plotly's own.
    ".modebar": "plotly's hover toolbar",
    # Streamlit's own menu in the page's top corner (its labels appear when it is opened).
    "[data-testid='stToolbar']": "Streamlit's own app toolbar",
}

#: One script: overflow, clipped titles and small text, each as a list of plain findings.
CHECK = """(exceptions) => {
  const found = {overflow: [], clipped: [], small: []};
  const vw = document.documentElement.clientWidth;
  const short = (s) => (s || '').replace(/\\s+/g, ' ').trim().slice(0, 70);
  for (const sel of ['html', 'body', '[data-testid="stMain"]', '[data-testid="stMainBlockContainer"]',
                     '[data-testid="stAppViewContainer"]']) {
    const el = document.querySelector(sel);
    if (el && el.scrollWidth > el.clientWidth + 1)
      found.overflow.push(`${sel}: scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
  }
  const visible = (el) => {
    // A collapsed sidebar (a phone's, until opened) is moved off the screen, not hidden.
    if (el.closest && el.closest('[data-testid="stSidebar"][aria-expanded="false"]')) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || parseFloat(cs.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    // Wholly left of the screen: moved off it on purpose (a phone's sidebar), not clipped.
    return r.width > 0 && r.height > 0 && r.right > 0;
  };
  const excepted = (el) => {
    for (const sel of exceptions) if (el.closest(sel)) return true;
    return false;
  };
  // Every root: the document and each open shadow root (the SVG map is a v2 component in one).
  const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  for (const root of roots) {
    for (const h of root.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      if (!visible(h)) continue;
      const r = h.getBoundingClientRect();
      if (h.scrollWidth > h.clientWidth + 1 || r.left < -1 || r.right > vw + 1)
        found.clipped.push(`heading "${short(h.textContent)}": ${Math.round(r.left)}–${Math.round(r.right)} px, `
          + `scrollWidth ${h.scrollWidth} > ${h.clientWidth}`);
    }
    for (const t of root.querySelectorAll('.js-plotly-plot .gtitle')) {
      if (!visible(t)) continue;
      const box = t.closest('.js-plotly-plot').getBoundingClientRect();
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.right > vw + 1 || r.top < box.top - 1)
        found.clipped.push(`chart title "${short(t.textContent)}": ${Math.round(r.left)}–${Math.round(r.right)} px `
          + `in a chart ${Math.round(box.left)}–${Math.round(box.right)} px`);
    }
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent.trim()) continue;
      seen.add(el);
      if (['SCRIPT', 'STYLE', 'TITLE', 'DESC', 'NOSCRIPT'].includes(el.tagName.toUpperCase())) continue;
      if (excepted(el) || !visible(el)) continue;
      let size = parseFloat(getComputedStyle(el).fontSize);
      if (el instanceof SVGElement && el.getScreenCTM) {
        const m = el.getScreenCTM();
        if (m) size *= Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
      }
      if (size < 11.95) found.small.push(`${size.toFixed(1)} px: "${short(n.textContent)}" <${el.tagName}`
        + `${el.className && typeof el.className === 'string' ? ' class=' + el.className.slice(0, 40) : ''}>`);
    }
  }
  return found;
}"""


@pytest.fixture(scope="module")
def contexts(browser, server):
    """A context per screen size, after the app has answered once (Streamlit's old page routing
    answers a process's first deep link with "page not found")."""
    made = {}
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        made[(width, height)] = context
    page = made[SIZES[0]].new_page()
    page.goto(server.base)
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(SETTLED, timeout=60_000)
    page.close()
    yield made
    for context in made.values():
        context.close()


def _settle(page) -> None:
    """Until the script has finished, every chart has drawn and nothing moves for a moment."""
    page.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    page.wait_for_function(SETTLED, timeout=90_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('.js-plotly-plot')].every(p => p.querySelector('.main-svg'))""",
        timeout=60_000,
    )
    page.wait_for_timeout(800)
    page.wait_for_function(SETTLED, timeout=90_000)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen(contexts, server, artifacts, name, width, height):
    path, heading = PAGES[name]
    page = contexts[(width, height)].new_page()
    try:
        page.goto(server.base + path)
        if heading:
            page.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
        _settle(page)
        found = page.evaluate(CHECK, list(SMALL_TEXT_EXCEPTIONS))
        assert page.locator("[data-testid='stException']").count() == 0
        # No dialog over a page of ours (Streamlit's wrong "Page not found" on a server's first
        # deep link is closed by widgets/page_style, on pages and in the presentation alike).
        assert page.get_by_text("Page not found").count() == 0, name
        folder = artifacts / "walk"
        folder.mkdir(exist_ok=True)
        page.screenshot(path=str(folder / f"{name}_{width}x{height}.png"))
        _full_screenshot(page, folder / f"{name}_{width}x{height}_full.png", width, height)
    finally:
        page.close()
    problems = [f"{kind}: {line}" for kind, lines in found.items() for line in lines]
    assert not problems, f"{name} at {width}×{height}:\n" + "\n".join(problems[:40])


def _full_screenshot(page, path, width: int, height: int) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the screen is made as tall as
    the content for one picture (the checks above ran at the real size)."""
    tall = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return m ? m.scrollHeight : document.documentElement.scrollHeight; }"""
    )
    if tall > height:
        page.set_viewport_size({"width": width, "height": min(tall, 9000)})
        page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": height})
