"""Authority page: server time per rerun for the authority with the longest history."""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import schema as s

ROOT = Path(__file__).resolve().parents[1]


def longest_history(url: str) -> tuple[str, int]:
    engine = bootstrap.ready_engine(url)
    counts: dict[int, int] = {}
    with engine.connect() as conn:
        for table in s.FACT_TABLES:
            for aid, n in conn.execute(
                select(table.c.authority_id, func.count()).group_by(table.c.authority_id)
            ):
                counts[aid] = counts.get(aid, 0) + n
        aid = max(counts, key=counts.get)
        code = conn.execute(select(s.authorities.c.code).where(s.authorities.c.id == aid)).scalar_one()
    return code, counts[aid]


def run(releases: list[Path], data_dir: Path) -> dict:
    from benchmarks.apptest_timing import time_page

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/authority-bench.sqlite"
        import_paths(bootstrap.ready_engine(url), releases)
        code, facts = longest_history(url)
        at, first, reruns = time_page(url, data_dir, "ui/authority_page.py", {"la": code})
        bootstrap.forget(url)
    result = {
        "authority": code,
        "facts": facts,
        "first_render_s": round(first, 2),
        "rerun_ms_median": round(statistics.median(reruns), 1),
        "rerun_ms_max": round(max(reruns), 1),
        "note": "AppTest timings include AppTest's own overhead",
    }
    print(json.dumps(result))
    return result
