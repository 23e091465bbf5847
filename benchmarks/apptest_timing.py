"""Shared timing of a page under Streamlit's AppTest: the first render, then plain reruns."""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def time_page(
    url: str, data_dir: Path, page: str | None = None, params: dict[str, str] | None = None, reruns: int = 15
):
    """(AppTest, first render in s, rerun times in ms) for a page of the app on a database."""
    from streamlit.testing.v1 import AppTest

    from tests.router_pages import switch_page

    os.environ["OVERSIGHT_DATABASE_URL"] = url
    os.environ["OVERSIGHT_DATA_DIR"] = str(data_dir)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    if page:
        switch_page(at, page)  # by its url_path, through the router, as a browser opens it
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    times = []
    for _ in range(reruns):
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1000)
    return at, first, times
