"""Presentation mode: how long the first chart slide (time to exit) takes to draw, in Chromium.

Each run starts a new ``streamlit run`` (nothing cached, as on the first meeting after a restart)
and opens England's presentation at 1920×1080:

- ``after_map``: the map slide, until its run is over (the later slides' charts are built into
  the cache while it shows), then Right through the slides to the one before time to exit; the
  time from the last Right to the chart's lines in the page.
- ``cold``: after the dashboard's map page, the time-to-exit slide opened by its link
  (``/exit?present=1``) with none of the presentation warmed, from asking for the page to the
  chart's lines: what the first chart slide cost before the map warmed it.

Baselines, in the same runs: for ``after_map``, the Right press before the last (to the last
table slide: a slide change that draws no chart), timed the same way until its title has changed
and its run settled; for ``cold``, a bare Streamlit page (``benchmarks/bare_app.py``), served
beside the app the whole time, loaded in the same browser until its text shows.

``python -m benchmarks.presentation [--runs R]`` prints the medians (with min, max and runs,
``RUNS`` by default) and the machine's load at the start and the end as JSON (issue 22: 8–9 s
before; the aim is under 2 s after the map).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import BARE_APP, bare_page_load, serve_script, span
from benchmarks.stats import RUNS, machine, summary
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


def _one(url: str, warm: bool, bare_base: str) -> tuple[float, float]:
    """(the first chart slide's time, its baseline's) for one new ``streamlit run``."""
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
                baseline = bare_page_load(page, bare_base)
                browser.close()
                return took, baseline
            page.goto(f"{app.base}/?present=1")
            page.locator(".oversight-map svg").wait_for(timeout=90_000)
            page.wait_for_function(SETTLED, timeout=90_000)
            trail = page.get_by_text("1 of ", exact=False).first.text_content()
            baseline = 0.0
            for _ in range(int(trail.split(" of ")[1].split(":")[0]) - 2):
                title = page.locator("h1").first.text_content()
                t0 = time.perf_counter()
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    f"() => document.querySelector('h1')?.textContent !== {title!r}", timeout=60_000
                )
                page.wait_for_function(SETTLED, timeout=60_000)
                baseline = time.perf_counter() - t0  # the last is kept: the slide before the chart
            t0 = time.perf_counter()
            page.keyboard.press("ArrowRight")
            page.wait_for_function(CHART, timeout=90_000)
            took = time.perf_counter() - t0
            browser.close()
            return took, baseline
    finally:
        app.stop()


def run(runs: int = RUNS) -> dict:
    start = machine()
    os.environ.setdefault("OVERSIGHT_BUNDLE", "off")
    os.environ["OVERSIGHT_DATA_DIR"] = str(DATA_DIR)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/present-bench.sqlite"
        import_paths(bootstrap.ready_engine(url), RELEASES)
        bootstrap.forget(url)
        bare = serve_script(BARE_APP, Path(tmp) / "bare.log")
        try:
            after = [_one(url, True, bare.base) for _ in range(runs)]
            cold = [_one(url, False, bare.base) for _ in range(runs)]
        finally:
            bare.stop()
    return {
        "first_chart_after_map_s": summary([t for t, _ in after], 2),
        "baseline_slide_change_before_it_s": summary([b for _, b in after], 2),
        "first_chart_cold_s": summary([t for t, _ in cold], 2),
        "baseline_bare_page_load_s": summary([b for _, b in cold], 2),
        "machine": span(start),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "runs_", nargs="?", type=int, metavar="RUNS", help="runs (the old positional form of --runs)"
    )
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    args = parser.parse_args()
    print(json.dumps(run(args.runs_ or args.runs)))
