"""The history's hash chain (issue 19): what it costs a save, and how long verification takes.

On SQLite and PostgreSQL: N proposals, each proposed by an editor and approved by a reviewer
(one change, three reviews and one filling-in: five chain entries), timed per proposal and per
approval (median, min, max and p95 of N); then ``history.verify`` over the whole history
(median of ``RUNS``), and the same with one row altered behind the triggers (the time to find
it, median of ``RUNS``).

Baseline, in the same run on the same database: a write transaction that writes nothing (the
writer lock taken and released: what every save costs before its rows) and ``SELECT 1``
(the round trip), N times each. The machine's load at the start and the end.

Run alone: ``.venv/bin/python -m benchmarks.history_chain [N] [--runs R]`` (default 300 and
``RUNS``); ``make bench`` runs it with the others.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

from sqlalchemy import text

from benchmarks.baselines import ms, round_trips, span, timed
from benchmarks.postgres import new_databases
from benchmarks.stats import RUNS, machine, percentile, summary
from oversight.data import bootstrap
from oversight.data.curation import edits, history, users
from oversight.data.curation.roles import OPERATOR, Actor
from oversight.data.store.transactions import write_transaction

ISSUER = "http://127.0.0.1/bench"
EDITOR = Actor("editor@example.org", "Eddie Editor", ISSUER, "eddie")
REVIEWER = Actor("reviewer@example.org", "Bob Reviewer", ISSUER, "bob")


def _row(i: int) -> dict[str, str]:
    return {
        "record": "event",
        "authority_code": "E10000008",
        "date": f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "kind": "board",
        "title": f"Improvement board meeting {i}",
        "source_url": f"https://www.example.org/minutes/{i}",
        "source_title": "Board minutes",
    }


def _ms(values: list[float]) -> dict:
    return {**ms(values), "p95_ms": round(percentile(values, 0.95) * 1000, 2)}


def _empty_write(engine) -> None:
    with write_transaction(engine):
        pass


def bench(name: str, url: str, n: int, runs: int = RUNS) -> dict:
    start = machine()
    engine = bootstrap.ready_engine(url)
    users.grant(engine, OPERATOR, EDITOR.email, "editor", name=EDITOR.name)
    users.grant(engine, OPERATOR, REVIEWER.email, "reviewer", name=REVIEWER.name)
    proposing, approving = [], []
    for i in range(n):
        t0 = time.perf_counter()
        change = edits.propose(engine, EDITOR, _row(i))
        t1 = time.perf_counter()
        edits.approve(engine, REVIEWER, change, "checked")
        t2 = time.perf_counter()
        proposing.append(t1 - t0)
        approving.append(t2 - t1)
    empty_writes = [timed(lambda: _empty_write(engine)) for _ in range(n)]
    verifying = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = history.verify(engine)
        verifying.append(time.perf_counter() - t0)
        assert result.ok
    with engine.begin() as conn:  # the owner alters one row behind the triggers
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE changes DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER changes_no_update"))
        conn.execute(text("UPDATE changes SET comment = 'altered' WHERE id = (SELECT max(id) FROM changes)"))
    finding = []
    for _ in range(runs):
        t0 = time.perf_counter()
        broken = history.verify(engine)
        finding.append(time.perf_counter() - t0)
        assert not broken.ok
    out = {
        "backend": name,
        "proposals": n,
        "chain_entries": result.entries,
        "propose": _ms(proposing),
        "approve": _ms(approving),
        "verify_s": summary(verifying, 3),
        "verify_us_per_entry": round(statistics.median(verifying) / result.entries * 1e6, 1),
        "verify_finds_altered_row_s": summary(finding, 3),
        "baseline_empty_write_transaction": _ms(empty_writes),
        "baseline_select_1_ms": ms(round_trips(engine, n)),
        "machine": span(start),
    }
    engine.dispose()
    bootstrap.forget(url)
    print(json.dumps(out))
    return out


def run(n: int = 300, runs: int = RUNS) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(bench("sqlite", f"sqlite:///{tmp}/chain.sqlite", n, runs))
        with new_databases("bench_chain") as new_pg:
            results.append(bench("postgresql", new_pg(), n, runs))
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=300, help="proposals (default 300)")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs of verify (default {RUNS})")
    args = parser.parse_args()
    run(args.n, args.runs)
