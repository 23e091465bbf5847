"""What changed: ``changes_between`` for England over the whole history (2013 to the newest data,
the widest window a page or slide asks for) and for one region over a board meeting's eight
weeks, on SQLite with the releases and the community scrape imported: the first call in the
process, then the median of ``max(RUNS, 10)`` warm calls.

Baseline, in the same run: the same call for England over one day (1 January 2013: the digest's
fixed cost, its queries and the lines that stand on any day), and ``SELECT 1`` (the database's
round trip). The machine's load at the start and the end.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import ms, round_trips, span, timed
from benchmarks.stats import RUNS, machine
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store.changes import changes_between

ONE_DAY = dt.date(2013, 1, 1)


def _timed(engine, since: dt.date, region: str | None, runs: int, until: dt.date | None = None) -> dict:
    t0 = time.perf_counter()
    digest = changes_between(engine, since, until, region)
    first = time.perf_counter() - t0
    warm = [timed(lambda: changes_between(engine, since, until, region)) for _ in range(runs)]
    return {"lines": digest.total, "first_ms": round(first * 1000, 1), "warm_ms": ms(warm, 1)}


def run(releases: list[Path], data_dir: Path, runs: int = RUNS) -> dict:
    start = machine()
    runs = max(runs, 10)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/changes.sqlite"
        engine = bootstrap.ready_engine(url)
        import_paths(engine, [*releases, data_dir / "community" / "ofsted_csc_ilacs_history.csv"])
        result = {
            "england_2013_to_newest": _timed(engine, dt.date(2013, 1, 1), None, runs),
            "north_west_last_8_weeks": _timed(engine, dt.date(2026, 6, 25), "E12000002", runs),
            "baseline_england_one_day": _timed(engine, ONE_DAY, None, runs, ONE_DAY),
            "baseline_select_1_ms": ms(round_trips(engine, runs)),
            "machine": span(start),
        }
        bootstrap.forget(url)
    print(json.dumps({"changes": result}))
    return result
