"""Map page: server time per rerun, figure bytes per render, browser time to a painted map.

The browser figure is the median of 5 loads of ``/`` until the default (SVG) map's shapes are in
the page, and of ``/?view=geo`` until the plotly map's are, against the same measure for a bare
Streamlit page served the same way.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]


def _loaded_db(releases: list[Path], folder: str) -> str:
    url = f"sqlite:///{folder}/map-bench.sqlite"
    import_paths(bootstrap.ready_engine(url), releases)
    bootstrap.forget(url)
    return url


def _sent_bytes(at) -> int:
    """Bytes of the map sent per render: the SVG markup, or the plotly figure JSON."""
    svg = at.get("bidi_component")
    if svg:
        return len(svg[-1].proto.json.encode())
    return len(at.get("plotly_chart")[-1].proto.spec.encode())


def _one_view(url: str, data_dir: Path, view: str | None) -> dict:
    import datetime as dt

    from benchmarks.apptest_timing import time_page

    params = {"as_at": "2018-05-17", **({"view": view} if view else {})}
    at, first, reruns = time_page(url, data_dir, params=params)
    sizes = {"england_2018": _sent_bytes(at)}
    new_dates = []
    for day in ("2016-03-31", "2019-06-30", "2021-06-30", "2024-06-30"):
        t0 = time.perf_counter()
        at.date_input(key="filters_as_at").set_value(dt.date.fromisoformat(day)).run()
        new_dates.append((time.perf_counter() - t0) * 1000)
        sizes[f"england_{day[:4]}"] = _sent_bytes(at)
    at.selectbox(key="filters_region").set_value("E12000007").run()
    sizes["london_2024"] = _sent_bytes(at)
    return {
        "first_render_s": round(first, 2),
        "rerun_ms_median": round(statistics.median(reruns), 1),
        "rerun_ms_max": round(max(reruns), 1),
        "new_date_rerun_ms_median": round(statistics.median(new_dates), 1),
        "bytes_sent_per_render": sizes,
    }


def server_times(url: str, data_dir: Path) -> dict:
    return {
        "default_svg_map": _one_view(url, data_dir, None),
        "zoomable_plotly_map": _one_view(url, data_dir, "geo"),
        "note": "AppTest timings include AppTest's own overhead",
    }


def _serve(script: Path, log: Path) -> StreamlitServerLike:
    """Serve a benchmark script (not the app) the same way the app is served."""
    import subprocess
    import sys

    from tests.browser import free_port

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_health(base)
    return StreamlitServerLike(base, proc)


class StreamlitServerLike:
    def __init__(self, base: str, proc) -> None:
        self.base, self.proc = base, proc

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def browser_times(url: str, data_dir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, StreamlitServer

    os.environ["OVERSIGHT_DATA_DIR"] = str(data_dir)
    log_dir = Path(tempfile.mkdtemp())
    app = StreamlitServer(ROOT, url, log_dir / "app.log").start()
    bare = _serve(ROOT / "benchmarks" / "bare_app.py", log_dir / "bare.log")
    chart = _serve(ROOT / "benchmarks" / "bare_plotly_app.py", log_dir / "chart.log")
    widgets = _serve(ROOT / "benchmarks" / "bare_widgets_app.py", log_dir / "widgets.log")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(f"{app.base}/?as_at=2018-05-17")  # warm caches once
            page.wait_for_function(_SVG_PAINTED, timeout=90_000)
            page.goto(f"{app.base}/?as_at=2018-05-17&view=geo")
            page.wait_for_function(_MAP_PAINTED, timeout=90_000)
            maps, plotly_maps, bares, charts, widget_pages = [], [], [], [], []
            for _ in range(5):
                t0 = time.perf_counter()
                page.goto(f"{app.base}/?as_at=2018-05-17")
                page.wait_for_function(_SVG_PAINTED, timeout=90_000)
                maps.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                page.goto(f"{app.base}/?as_at=2018-05-17&view=geo")
                page.wait_for_function(_MAP_PAINTED, timeout=90_000)
                plotly_maps.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                page.goto(bare.base)
                page.get_by_text("Nothing but text.").wait_for(timeout=60_000)
                bares.append(time.perf_counter() - t0)
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
    g = statistics.median(plotly_maps)
    return {
        "map_painted_s_median": round(m, 2),
        "bare_page_s_median": round(b, 2),
        "ratio": round(m / b, 2),
        "zoomable_plotly_map_painted_s_median": round(g, 2),
        "zoomable_plotly_ratio": round(g / b, 2),
        "bare_page_with_tiny_plotly_chart_s_median": round(c, 2),
        "ratio_to_tiny_plotly_page": round(m / c, 2),
        "bare_page_with_the_same_widgets_s_median": round(statistics.median(widget_pages), 2),
        "ratio_to_widgets_page": round(m / statistics.median(widget_pages), 2),
    }


_MAP_PAINTED = "() => document.querySelectorAll('.js-plotly-plot path.choroplethlocation').length > 150"
#: The default view: the SVG map's authority links, inside the component's shadow root.
_SVG_PAINTED = """() => { let n = 0; for (const h of document.querySelectorAll('*')) {
    if (h.shadowRoot) n += h.shadowRoot.querySelectorAll('svg a[data-la] path').length; } return n > 150; }"""


def _wait_health(base: str) -> None:
    import urllib.request

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("bare streamlit did not start")


def run(releases: list[Path], data_dir: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = _loaded_db(releases, tmp)
        result = {"server": server_times(url, data_dir), "browser": browser_times(url, data_dir)}
    print(json.dumps(result))
    return result
