"""Imports in bulk (issue 23, item 5): rows per second on SQLite and PostgreSQL.

Three cases, each into a fresh database made ready first (register and seed, not timed):
a generated tracker CSV of 10,000 rows (median of ``RUNS`` runs), the same of 100,000 rows
(median of ``BIG_RUNS``, 3: a run takes 15–30 s on a backend and reads the file again for its
baseline, so 5 runs on both backends would add some five minutes to ``make bench``; 3 still give
a median no single slow run moves), and the three shared Ofsted releases (median of ``RUNS``).
Every row of a generated tracker is a new fact with its own source (but for 14 of the
100,000, which meet the seed's facts), so the run writes as much as a tracker
of that size can: the fact, a source and a ``fact_sources`` link per row (the
releases add inspections' judgements). Each case reports its runs' median, min and max
(``benchmarks/stats.summary``) and rows per second at the median, beside two baselines from the
same runs: the same files only read (``parse_file``, no database), so what the database costs is
the difference, and an import of no files into the same fresh database (the writer lock, the
reads every import makes); and the machine's load (``stats.machine``) at the start and the end,
so a figure taken on a busy machine says so. The PostgreSQL server is a throwaway one, as the
tests start.

Run alone: ``.venv/bin/python -m benchmarks.bulk_import [--runs R] [--big-runs B]`` (default 5
and 3; the old positional ``[RUNS] [BIG_RUNS]`` still works); ``make bench`` runs it with the
others.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from benchmarks.baselines import empty_import, span
from benchmarks.postgres import new_databases
from benchmarks.stats import RUNS, machine, summary
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths, parse_file
from oversight.data.store import schema as s

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
SMALL, BIG = 10_000, 100_000
BIG_RUNS = 3
HEADER = [
    "record",
    "authority_code",
    "date",
    "date_precision",
    "published",
    "kind",
    "grade",
    "title",
    "source_url",
    "source_title",
    "source_publisher",
]
# Figures from the register and seed plus the files each case imports, not the bundle.
os.environ.setdefault("OVERSIGHT_BUNDLE", "off")


def live_codes(engine: Engine) -> list[str]:
    """Councils that existed from before 2010 to today: any generated date is in their life."""
    a = s.authorities
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.c.code)
            .where(a.c.existed_to.is_(None))
            .where((a.c.existed_from.is_(None)) | (a.c.existed_from <= dt.date(2009, 1, 1)))
            .order_by(a.c.code)
        )
        return [r.code for r in rows]


def tracker_rows(n: int, codes: list[str]) -> list[dict[str, str]]:
    """``n`` tracker rows, each a fact no other row matches: per council, its j-th row is dated
    ``7 j`` days after 2010-01-01; one in ten is a monitoring visit, one in ten an inspection
    with a grade (70 days apart, and a grade other than the two before it's: none is another's
    copy), the rest events."""
    rows = []
    start = dt.date(2010, 1, 1)
    for i in range(n):
        code, j = codes[i % len(codes)], i // len(codes)
        day = start + dt.timedelta(days=7 * j)
        row = {
            "record": "event",
            "authority_code": code,
            "date": day.isoformat(),
            "date_precision": "day",
            "published": "",
            "kind": "board",
            "grade": "",
            "title": f"Improvement board meeting {i}",
            "source_url": f"https://www.example.org/bench/{i}",
            "source_title": f"Board minutes {i}",
            "source_publisher": "Bench Council",
        }
        if j % 10 == 7:
            row.update(record="visit", kind="monitoring", title=f"Monitoring visit {i}")
            row["published"] = (day + dt.timedelta(days=30)).isoformat()
        elif j % 10 == 3:
            kind = "sif" if day < dt.date(2017, 6, 1) else "ilacs_standard"
            grade = ("good", "requires improvement", "inadequate")[j // 10 % 3]
            row.update(record="inspection", kind=kind, grade=grade)
            row.update(title=f"Inspection {i}", published=(day + dt.timedelta(days=45)).isoformat())
        rows.append(row)
    return rows


def write_tracker(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_once(files: list[Path], url: str) -> float:
    """Seconds to import ``files`` into the database at ``url``, made ready first (untimed): one
    run, for a driver comparing two checkouts run for run (``python -m benchmarks.bulk_import
    once URL FILE...`` prints the seconds)."""
    engine = bootstrap.ready_engine(url)
    t0 = time.perf_counter()
    import_paths(engine, files)
    seconds = time.perf_counter() - t0
    bootstrap.forget()
    engine.dispose()
    return seconds


def _case(name: str, files: list[Path], rows: int, runs: int, new_url: Callable[[], str]) -> dict:
    """Import ``files`` into ``runs`` fresh databases; the median and its rows per second, beside
    the same files only read (``parse_file``, no database) and an import of no files into each
    fresh database (the baselines), in the same runs."""
    start = machine()
    seconds, reading, empties = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        for path in files:
            parse_file(path)
        reading.append(time.perf_counter() - t0)
        engine = bootstrap.ready_engine(new_url())
        empties.append(empty_import(engine))
        t0 = time.perf_counter()
        summaries = import_paths(engine, files)
        seconds.append(time.perf_counter() - t0)
        added = sum(x.added for x in summaries)
        bootstrap.forget()
        engine.dispose()
    median, read = statistics.median(seconds), statistics.median(reading)
    return {
        "case": name,
        "rows": rows,
        "facts_added": added,
        "import_s": summary(seconds, 3),
        "import_rows_per_s": round(rows / median),
        "baseline_read_only_s": summary(reading, 3),
        "baseline_read_only_rows_per_s": round(rows / read),
        "baseline_empty_import_s": summary(empties, 3),
        "machine": span(start),
    }


def bench_backend(
    backend: str, new_url: Callable[[], str], folder: Path, runs: int, big_runs: int
) -> list[dict]:
    engine = bootstrap.ready_engine(new_url())
    codes = live_codes(engine)
    bootstrap.forget()
    engine.dispose()
    small = write_tracker(folder / f"tracker-{SMALL}.csv", tracker_rows(SMALL, codes))
    big = write_tracker(folder / f"tracker-{BIG}.csv", tracker_rows(BIG, codes))
    release_rows = None
    results = []
    cases = [(f"tracker_{SMALL}", [small], SMALL, runs), (f"tracker_{BIG}", [big], BIG, big_runs)]
    if all(p.exists() for p in RELEASES):
        release_rows = sum(len(parse_file(p).records) for p in RELEASES)
        cases.append(("ofsted_three_releases", RELEASES, release_rows, runs))
    for name, files, rows, n in cases:
        if n <= 0:
            continue
        result = {"backend": backend, **_case(name, files, rows, n, new_url)}
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


def run(runs: int = RUNS, big_runs: int = BIG_RUNS) -> list[dict]:
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        counter = iter(range(100_000))
        results += bench_backend(
            "sqlite", lambda: f"sqlite:///{tmp}/bulk-{next(counter)}.sqlite", folder, runs, big_runs
        )
        with new_databases("bulk") as new_pg:
            results += bench_backend("postgresql", new_pg, folder, runs, big_runs)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["once"]:
        print(import_once([Path(p) for p in sys.argv[3:]], sys.argv[2]))
    else:
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument(
            "counts", nargs="*", type=int, metavar="RUNS BIG_RUNS", help="the old positional form"
        )
        parser.add_argument(
            "--runs", type=int, default=RUNS, help=f"runs of 10,000 rows and the releases ({RUNS})"
        )
        parser.add_argument(
            "--big-runs", type=int, default=BIG_RUNS, help=f"runs of 100,000 rows ({BIG_RUNS})"
        )
        args = parser.parse_args()
        runs = args.counts[0] if args.counts else args.runs
        big_runs = args.counts[1] if len(args.counts) > 1 else args.big_runs
        run(runs, big_runs)
