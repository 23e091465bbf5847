"""Time-to-exit page: server time per rerun with the full 2009–2024 history."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]


def run(releases: list[Path], data_dir: Path) -> dict:
    from benchmarks.apptest_timing import time_page

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/exit-bench.sqlite"
        import_paths(bootstrap.ready_engine(url), releases)
        at, first, reruns = time_page(url, data_dir, "ui/exit_page.py", reruns=10)
        split = []
        for choice in ("framework", "region", "level_reached", "era"):
            t0 = time.perf_counter()
            at.selectbox(key="exit_split").set_value(choice).run()
            split.append((time.perf_counter() - t0) * 1000)
        bootstrap.forget(url)
    result = {
        "first_render_s": round(first, 2),
        "rerun_ms_median": round(statistics.median(reruns), 1),
        "rerun_ms_max": round(max(reruns), 1),
        "split_change_ms_median": round(statistics.median(split), 1),
        "note": "AppTest timings include AppTest's own overhead",
    }
    print(json.dumps(result))
    return result
