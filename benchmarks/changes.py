"""What changed: ``changes_between`` for England over the whole history (2013 to the newest data,
the widest window a page or slide asks for) and for one region over a board meeting's eight
weeks, on SQLite with the releases and the community scrape imported: first call in the process
and the median of 10 warm calls."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store.changes import changes_between


def _timed(engine, since: dt.date, region: str | None) -> dict:
    t0 = time.perf_counter()
    digest = changes_between(engine, since, None, region)
    first = time.perf_counter() - t0
    warm = []
    for _ in range(10):
        t0 = time.perf_counter()
        changes_between(engine, since, None, region)
        warm.append(time.perf_counter() - t0)
    return {
        "lines": digest.total,
        "first_ms": round(first * 1000, 1),
        "warm_ms_median": round(statistics.median(warm) * 1000, 1),
    }


def run(releases: list[Path], data_dir: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/changes.sqlite"
        engine = bootstrap.ready_engine(url)
        import_paths(engine, [*releases, data_dir / "community" / "ofsted_csc_ilacs_history.csv"])
        result = {
            "england_2013_to_newest": _timed(engine, dt.date(2013, 1, 1), None),
            "north_west_last_8_weeks": _timed(engine, dt.date(2026, 6, 25), "E12000002"),
        }
        bootstrap.forget(url)
    print(json.dumps({"changes": result}))
    return result
