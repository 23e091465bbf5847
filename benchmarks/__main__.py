"""`make bench`: import and snapshot speed on SQLite and PostgreSQL, and the map page.

Every figure is the median of at least ``RUNS`` runs (``benchmarks/stats.py``), with its min, max
and runs' count, beside a baseline measured in the same run and the machine's load at the start
and the end (``python -m benchmarks --runs N`` sets the runs of every module that takes them).

Import: the three shared Ofsted releases into a fresh, seeded database (median of ``RUNS``);
baseline: an import of no files into the same fresh database just before (the writer lock, the
reads every import makes, the rollback). Snapshot: ``queries.snapshot`` for 100 dates spread over
2014–2024 (per-call median and p95); baseline: ``SELECT 1`` on the same engine, 100 times.
Map page: see ``benchmarks/map_page.py``. Load (50, 100, 200 sessions over Streamlit's websocket
protocol through the proxy to 1, 2 and 4 processes on PostgreSQL): see ``benchmarks/load.py``.
Per-session CPU per page: ``benchmarks/session_cpu.py``. Fresh start (the bundle's
size, the scrape's and the bundle's import, a new clone's first painted map): see
``benchmarks/fresh_start.py``. What changed: ``benchmarks/changes.py``. Board packs (the command from
a cold start, in process, the app's dialog in Chromium): ``benchmarks/board_pack.py``. The
history's hash chain (a save's cost, verification): ``benchmarks/history_chain.py``. A team's
week (plausibility checks, a CSV upload, the inbox, e-mail): ``benchmarks/team_week.py``.
Imports in bulk (rows per second, trackers of 10,000 and 100,000 rows and the releases):
``benchmarks/bulk_import.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import empty_import, ms, round_trips, span
from benchmarks.postgres import new_databases
from benchmarks.stats import RUNS, machine, percentile, summary
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import queries

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("OVERSIGHT_DATA_DIR") or ROOT.parent / "shared" / "data")
RELEASES = [
    DATA_DIR / "ofsted" / name
    for name in (
        "Childrens_social_care_in_England_2022_underlying_data.xlsx",
        "Childrens_social_care_in_England_2023_underlying_data.ods",
        "LA_Inspection_Outcomes_as_at_March_2024.ods",
    )
]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
# Every figure but the fresh start's is measured from the register and seed plus the files each
# benchmark imports, as before the bundle existed (fresh_start turns it on where it measures it).
os.environ.setdefault("OVERSIGHT_BUNDLE", "off")


def _dates(n: int = 100) -> list[dt.date]:
    start, end = dt.date(2014, 1, 1), dt.date(2024, 5, 1)
    step = (end - start) / (n - 1)
    return [start + step * i for i in range(n)]


def bench_backend(name: str, new_url, runs: int = RUNS) -> dict:
    start = machine()
    imports, setups, empties = [], [], []
    engine = None
    for _ in range(runs):
        url = new_url()
        t0 = time.perf_counter()
        engine = bootstrap.ready_engine(url)
        setups.append(time.perf_counter() - t0)
        empties.append(empty_import(engine))
        t0 = time.perf_counter()
        import_paths(engine, RELEASES)
        imports.append(time.perf_counter() - t0)
    assert engine is not None
    dates = _dates()
    queries.snapshot(engine, dates[0])  # warm the connection pool
    per_call = []
    for day in dates:
        t0 = time.perf_counter()
        queries.snapshot(engine, day)
        per_call.append(time.perf_counter() - t0)
    result = {
        "backend": name,
        "first_use_setup_s": summary(setups, 3),
        "import_three_releases_s": summary(imports, 3),
        "baseline_empty_import_s": summary(empties, 3),
        "snapshot_100_dates_total_ms": round(sum(per_call) * 1000, 1),
        "snapshot_ms": ms(per_call),
        "snapshot_ms_p95": round(percentile(per_call, 0.95) * 1000, 2),
        "baseline_select_1_ms": ms(round_trips(engine, len(dates))),
        "machine": span(start),
    }
    print(json.dumps(result))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="All the benchmarks (make bench)."
    )
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    runs = parser.parse_args(argv).runs
    missing = [p for p in RELEASES if not p.exists()]
    if missing:
        print(f"public data not found: {missing[0]} (set OVERSIGHT_DATA_DIR)", file=sys.stderr)
        return 2
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1000))
        results.append(bench_backend("sqlite", lambda: f"sqlite:///{tmp}/bench-{next(counter)}.sqlite", runs))
        with new_databases("bench") as new_pg:
            results.append(bench_backend("postgresql", new_pg, runs))
            bootstrap.forget()
    from benchmarks import map_page

    map_result = map_page.run(RELEASES, DATA_DIR, runs)
    from benchmarks import authority_page

    authority_result = authority_page.run(RELEASES, DATA_DIR, runs)
    from benchmarks import exit_page

    exit_result = exit_page.run(RELEASES, DATA_DIR, runs)
    from benchmarks import board_pack

    pack_result = board_pack.run(RELEASES, DATA_DIR, runs)
    from benchmarks import load

    load_result = load.run(RELEASES, DATA_DIR)
    from benchmarks import changes

    changes_result = changes.run(RELEASES, DATA_DIR, runs)
    from benchmarks import fresh_start

    fresh_result = fresh_start.run(DATA_DIR, runs)
    from benchmarks import history_chain

    chain_result = history_chain.run(runs=runs)
    from benchmarks import team_week

    team_result = team_week.run(runs)
    from benchmarks import bulk_import

    bulk_result = bulk_import.run(runs)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now().isoformat(timespec="seconds")
    RESULTS.write_text(
        json.dumps(
            {
                "when": when,
                "runs": runs,
                "store": results,
                "map_page": map_result,
                "authority_page": authority_result,
                "exit_page": exit_result,
                "board_pack": pack_result,
                "load": load_result,
                "changes": changes_result,
                "fresh_start": fresh_result,
                "history_chain": chain_result,
                "team_week": team_result,
                "bulk_import": bulk_result,
            },
            indent=2,
        )
    )
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
