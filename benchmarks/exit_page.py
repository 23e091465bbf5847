"""Time-to-exit page: server time per render with the full 2009–2024 history.

AppTest figures (``benchmarks/apptest_timing.page_figures``): the first render in the process,
the median of ``RUNS`` new sessions after it and of 10 reruns, and of five changes of the curve's
split (through every split and back to none). Baseline: the bare page (``benchmarks/bare_app.py``)
timed the same way in the same run. The machine's load at the start and the end.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import span
from benchmarks.stats import RUNS, machine, summary
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]
SPLITS = ("framework", "region", "level_reached", "era", "none")


def run(releases: list[Path], data_dir: Path, runs: int = RUNS) -> dict:
    from benchmarks.apptest_timing import bare_page, page_figures

    start = machine()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/exit-bench.sqlite"
        import_paths(bootstrap.ready_engine(url), releases)
        at, figures = page_figures(url, data_dir, "pages/exit_page.py", runs=runs, reruns=10)
        split = []
        for choice in SPLITS:
            t0 = time.perf_counter()
            at.selectbox(key="exit_split").set_value(choice).run()
            split.append((time.perf_counter() - t0) * 1000)
        bootstrap.forget(url)
    result = {
        **figures,
        "split_change_ms": summary(split),
        "baseline_bare_page": bare_page(runs),
        "machine": span(start),
        "note": "AppTest timings include AppTest's own overhead",
    }
    print(json.dumps(result))
    return result
