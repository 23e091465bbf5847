"""Shared timing of a page under Streamlit's AppTest: the first render, new sessions, reruns.

The baseline of every AppTest figure is the bare page (``benchmarks/bare_app.py``) timed the same
way in the same process (``bare_page``): AppTest's own overhead and Streamlit's, the floor under
any page.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from benchmarks.stats import RUNS, summary

ROOT = Path(__file__).resolve().parents[1]
BARE = ROOT / "benchmarks" / "bare_app.py"


def _new(script: Path, page: str | None, params: dict[str, str] | None):
    from streamlit.testing.v1 import AppTest  # Lazy: Streamlit only for the benchmarks that use it

    from tests.router_pages import switch_page  # Lazy: with AppTest

    at = AppTest.from_file(str(script), default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page:
        switch_page(at, page)  # by its url_path, through the router, as a browser opens it
    return at


def _seconds(at) -> float:
    t0 = time.perf_counter()
    at.run()
    return time.perf_counter() - t0


def time_page(
    url: str, data_dir: Path, page: str | None = None, params: dict[str, str] | None = None, reruns: int = 15
):
    """(AppTest, first render in s, rerun times in ms) for a page of the app on a database."""
    os.environ["OVERSIGHT_DATABASE_URL"] = url
    os.environ["OVERSIGHT_DATA_DIR"] = str(data_dir)
    at = _new(ROOT / "app.py", page, params)
    first = _seconds(at)
    return at, first, [_seconds(at) * 1000 for _ in range(reruns)]


def _figures(script: Path, page: str | None, params: dict[str, str] | None, runs: int, reruns: int):
    at = _new(script, page, params)
    first = _seconds(at)
    sessions = []
    for _ in range(runs):  # a new visitor of a page this process has drawn: its caches are warm
        at = _new(script, page, params)
        sessions.append(_seconds(at))
    times = [_seconds(at) * 1000 for _ in range(reruns)]
    figures = {
        "first_render_s": round(first, 2),
        "new_session_s": summary(sessions, 3),
        "rerun_ms": summary(times),
    }
    return at, figures


def page_figures(
    url: str,
    data_dir: Path,
    page: str | None = None,
    params: dict[str, str] | None = None,
    runs: int = RUNS,
    reruns: int = 15,
):
    """(AppTest, figures) for a page of the app: its first render in this process (one: only the
    first is cold), ``runs`` new sessions after it and ``reruns`` reruns of the last."""
    os.environ["OVERSIGHT_DATABASE_URL"] = url
    os.environ["OVERSIGHT_DATA_DIR"] = str(data_dir)
    return _figures(ROOT / "app.py", page, params, runs, reruns)


def bare_page(runs: int = RUNS, reruns: int = 15) -> dict:
    """The same figures for the bare page: the baseline of every AppTest page timing."""
    return _figures(BARE, None, None, runs, reruns)[1]
