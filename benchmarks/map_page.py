"""Map page: server time per render, figure bytes per render, browser time to a painted map.

Server (AppTest, ``benchmarks/apptest_timing.page_figures``): the first render in the process,
the median of ``RUNS`` new sessions, of 15 reruns and of five new dates; baseline: the bare
page (``benchmarks/bare_app.py``) timed the same way in the same run.
Browser: the median of ``RUNS`` loads of ``/`` until the default (SVG) map's shapes are in the
page, and of ``/?view=geo`` until the plotly map's are; baseline: a bare Streamlit page served the
same way, loaded in the same rounds (and, to tell plotly's and widgets' own costs, a bare page
with a tiny chart and one with the app's kinds of widgets). The machine's load at the start and
the end of each.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import BARE_APP, bare_page_load, serve_script, span
from benchmarks.stats import RUNS, machine, summary
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]


def _loaded_db(releases: list[Path], folder: str) -> str:
    url = f"sqlite:///{folder}/map-bench.sqlite"
    import_paths(bootstrap.ready_engine(url), releases)
    bootstrap.forget(url)
    return url


def _sent_bytes(at, view: str | None) -> int:
    """Bytes of the map sent per render: the SVG markup (the largest of the page's v2 components:
    the sidebar has small ones too), or the plotly figure JSON."""
    if view == "geo":
        return len(at.get("plotly_chart")[-1].proto.spec.encode())
    return max(len(c.proto.json.encode()) for c in at.get("bidi_component"))


def _one_view(url: str, data_dir: Path, view: str | None, runs: int) -> dict:
    import datetime as dt

    from benchmarks.apptest_timing import page_figures

    params = {"as_at": "2018-05-17", **({"view": view} if view else {})}
    at, figures = page_figures(url, data_dir, params=params, runs=runs)
    sizes = {"england_2018": _sent_bytes(at, view)}
    new_dates = []
    for day in ("2014-03-31", "2016-03-31", "2019-06-30", "2021-06-30", "2024-06-30"):
        t0 = time.perf_counter()
        at.date_input(key="filters_as_at").set_value(dt.date.fromisoformat(day)).run()
        new_dates.append((time.perf_counter() - t0) * 1000)
        sizes[f"england_{day[:4]}"] = _sent_bytes(at, view)
    at.selectbox(key="filters_region").set_value("E12000007").run()
    sizes["london_2024"] = _sent_bytes(at, view)
    return {**figures, "new_date_rerun_ms": summary(new_dates), "bytes_sent_per_render": sizes}


def server_times(url: str, data_dir: Path, runs: int = RUNS) -> dict:
    from benchmarks.apptest_timing import bare_page

    start = machine()
    return {
        "default_svg_map": _one_view(url, data_dir, None, runs),
        "zoomable_plotly_map": _one_view(url, data_dir, "geo", runs),
        "baseline_bare_page": bare_page(runs),
        "machine": span(start),
        "note": "AppTest timings include AppTest's own overhead",
    }


def browser_times(url: str, data_dir: Path, runs: int = RUNS) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

    start = machine()
    os.environ["OVERSIGHT_DATA_DIR"] = str(data_dir)
    log_dir = Path(tempfile.mkdtemp())
    app = StreamlitServer(ROOT, url, log_dir / "app.log").start()
    bare = serve_script(BARE_APP, log_dir / "bare.log")
    chart = serve_script(ROOT / "benchmarks" / "bare_plotly_app.py", log_dir / "chart.log")
    widgets = serve_script(ROOT / "benchmarks" / "bare_widgets_app.py", log_dir / "widgets.log")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(f"{app.base}/?as_at=2018-05-17")  # warm caches once
            page.wait_for_function(_SVG_PAINTED, timeout=90_000)
            page.goto(f"{app.base}/?as_at=2018-05-17&view=geo")
            page.wait_for_function(_MAP_PAINTED, timeout=90_000)
            maps, plotly_maps, bares, charts, widget_pages = [], [], [], [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                page.goto(f"{app.base}/?as_at=2018-05-17")
                page.wait_for_function(_SVG_PAINTED, timeout=90_000)
                maps.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                page.goto(f"{app.base}/?as_at=2018-05-17&view=geo")
                page.wait_for_function(_MAP_PAINTED, timeout=90_000)
                plotly_maps.append(time.perf_counter() - t0)
                bares.append(bare_page_load(page, bare.base))
                t0 = time.perf_counter()
                page.goto(chart.base)
                page.wait_for_function(
                    "() => document.querySelectorAll('.js-plotly-plot .scatterlayer .trace').length > 0",
                    timeout=60_000,
                )
                charts.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                page.goto(widgets.base)
                page.wait_for_selector("[data-testid='stDateInput'] input", timeout=60_000)
                page.wait_for_selector("[data-testid='stRadio']", timeout=60_000)
                widget_pages.append(time.perf_counter() - t0)
            browser.close()
    finally:
        app.stop()
        bare.stop()
        chart.stop()
        widgets.stop()
    m, b, c = statistics.median(maps), statistics.median(bares), statistics.median(charts)
    g, w = statistics.median(plotly_maps), statistics.median(widget_pages)
    return {
        "map_painted_s": summary(maps, 2),
        "zoomable_plotly_map_painted_s": summary(plotly_maps, 2),
        "baseline_bare_page_s": summary(bares, 2),
        "ratio": round(m / b, 2),
        "zoomable_plotly_ratio": round(g / b, 2),
        "bare_page_with_tiny_plotly_chart_s": summary(charts, 2),
        "ratio_to_tiny_plotly_page": round(m / c, 2),
        "bare_page_with_the_same_widgets_s": summary(widget_pages, 2),
        "ratio_to_widgets_page": round(m / w, 2),
        "machine": span(start),
    }


_MAP_PAINTED = "() => document.querySelectorAll('.js-plotly-plot path.choroplethlocation').length > 150"
#: The default view: the SVG map's authority links, inside the component's shadow root.
_SVG_PAINTED = """() => { let n = 0; for (const h of document.querySelectorAll('*')) {
    if (h.shadowRoot) n += h.shadowRoot.querySelectorAll('svg a[data-la] path').length; } return n > 150; }"""


def run(releases: list[Path], data_dir: Path, runs: int = RUNS) -> dict:
    start = machine()
    with tempfile.TemporaryDirectory() as tmp:
        url = _loaded_db(releases, tmp)
        result = {
            "server": server_times(url, data_dir, runs),
            "browser": browser_times(url, data_dir, runs),
            "machine": span(start),
        }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    import argparse

    from benchmarks.__main__ import DATA_DIR, RELEASES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    run(RELEASES, DATA_DIR, parser.parse_args().runs)
