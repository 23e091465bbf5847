"""Board packs: wall time per region pack (PPTX and PDF from one set of images), target ≤ 10 s.

Each pack starts its own kaleido browser, as the CLI and the app do, so the figure includes
Chromium's start; the first pack also pays the imports (lifelines, pptx, fpdf)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

from oversight.data import bootstrap
from oversight.data.domain.register import load_regions
from oversight.data.sources.importer import import_paths


def run(releases: list[Path], data_dir: Path) -> dict:
    from oversight.components.reports.board_pack import PackRequest, board_pack

    times: dict[str, float] = {}
    slides: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/pack-bench.sqlite"
        engine = bootstrap.ready_engine(url)
        import_paths(engine, releases)
        for as_at in (dt.date(2018, 5, 17), dt.date(2024, 6, 30)):
            for code, _ in load_regions():
                outs = [Path(tmp) / "pack.pptx", Path(tmp) / "pack.pdf"]
                t0 = time.perf_counter()
                made = board_pack(engine, PackRequest(code, as_at, None, data_dir), outs)
                key = f"{code}@{as_at.isoformat()}"
                times[key] = time.perf_counter() - t0
                slides[key] = len(made)
        bootstrap.forget(url)
    values = list(times.values())
    slowest = max(times, key=times.get)
    result = {
        "packs": len(values),
        "pack_s_median": round(statistics.median(values), 2),
        "pack_s_max": round(max(values), 2),
        "slowest": f"{slowest} ({slides[slowest]} slides)",
        "first_pack_s": round(values[0], 2),
        "target_s": 10,
    }
    print(json.dumps(result))
    return result
