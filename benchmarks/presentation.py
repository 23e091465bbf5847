"""Presentation mode: how long the first chart slide (time to exit) takes to draw, in Chromium.

Each run starts a new ``streamlit run`` (nothing cached, as on the first meeting after a restart)
and opens England's presentation at 1920×1080:

- ``after_map``: the map slide, until its run is over (the later slides' charts are built into
  the cache while it shows), then Right through the slides to the one before time to exit; the
  time from the last Right to the chart's lines in the page.
- ``cold``: after the dashboard's map page, the time-to-exit slide opened by its link
  (``/exit?present=1``) with none of the presentation warmed, from asking for the page to the
  chart's lines: what the first chart slide cost before the map warmed it.

``python -m benchmarks.presentation [runs]`` prints the medians as JSON (issue 22: 8–9 s before;
the aim is under 2 s after the map).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("OVERSIGHT_DATA_DIR") or ROOT.parent / "shared" / "data")
RELEASES = [
    DATA_DIR / "ofsted" / name
    for name in (
        "Childrens_social_care_in_England_2022_underlying_data.xlsx",
        "Childrens_social_care_in_England_2023_underlying_data.ods",
        "LA_Inspection_Outcomes_as_at_March_2024.ods",
        "LA_Inspection_Outcomes_as_at_31_March_2025.ods",
    )
]
SETTLED = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && document.querySelectorAll('[data-testid="stSkeleton"], .stSkeleton').length === 0"""
CHART = "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length > 0"


def _one(url: str, warm: bool) -> float:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

    log = Path(tempfile.mkdtemp()) / "app.log"
    app = StreamlitServer(ROOT, url, log).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            if not warm:
                # The dashboard first (a new process answers its first deep link "page not found").
                page.goto(app.base)
                page.wait_for_selector("[data-testid='stApp']", timeout=90_000)
                page.wait_for_function(SETTLED, timeout=90_000)
                t0 = time.perf_counter()
                page.goto(f"{app.base}/exit?present=1")  # the time-to-exit slide
                page.wait_for_function(CHART, timeout=90_000)
                took = time.perf_counter() - t0
                browser.close()
                return took
            page.goto(f"{app.base}/?present=1")
            page.locator(".oversight-map svg").wait_for(timeout=90_000)
            page.wait_for_function(SETTLED, timeout=90_000)
            trail = page.get_by_text("1 of ", exact=False).first.text_content()
            for _ in range(int(trail.split(" of ")[1].split(":")[0]) - 2):
                title = page.locator("h1").first.text_content()
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    f"() => document.querySelector('h1')?.textContent !== {title!r}", timeout=60_000
                )
                page.wait_for_function(SETTLED, timeout=60_000)
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(CHART, timeout=90_000)
            took = time.perf_counter() - t0
            browser.close()
            return took
    finally:
        app.stop()


def run(runs: int = 3) -> dict:
    os.environ.setdefault("OVERSIGHT_BUNDLE", "off")
    os.environ["OVERSIGHT_DATA_DIR"] = str(DATA_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/present-bench.sqlite"
        import_paths(bootstrap.ready_engine(url), RELEASES)
        bootstrap.forget(url)
        after = [_one(url, warm=True) for _ in range(runs)]
        cold = [_one(url, warm=False) for _ in range(runs)]
    return {
        "first_chart_after_map_s_median": round(statistics.median(after), 2),
        "first_chart_after_map_s": [round(t, 2) for t in after],
        "first_chart_cold_s_median": round(statistics.median(cold), 2),
        "first_chart_cold_s": [round(t, 2) for t in cold],
    }


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
