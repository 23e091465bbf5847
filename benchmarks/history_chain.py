"""The history's hash chain (issue 19): what it costs a save, and how long verification takes.

On SQLite and PostgreSQL: N proposals, each proposed by an editor and approved by a reviewer
(one change, three reviews and one filling-in: five chain entries), timed per proposal and per
approval (median and p95 of N); then ``history.verify`` over the whole history (median of 5),
and the same with one row altered behind the triggers (the time to find it).

Run alone: ``.venv/bin/python -m benchmarks.history_chain [N]`` (default 300); ``make bench``
runs it with the others.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time

from sqlalchemy import text

from benchmarks.postgres import new_databases
from oversight.data import bootstrap
from oversight.data.curation import edits, history, users
from oversight.data.curation.roles import OPERATOR, Actor

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


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def bench(name: str, url: str, n: int) -> dict:
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
    verifying = []
    for _ in range(5):
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
    t0 = time.perf_counter()
    broken = history.verify(engine)
    found = time.perf_counter() - t0
    assert not broken.ok
    out = {
        "backend": name,
        "proposals": n,
        "chain_entries": result.entries,
        "propose": _ms(proposing),
        "approve": _ms(approving),
        "verify_s_median_of_5": round(statistics.median(verifying), 3),
        "verify_us_per_entry": round(statistics.median(verifying) / result.entries * 1e6, 1),
        "verify_finds_altered_row_s": round(found, 3),
    }
    engine.dispose()
    bootstrap.forget(url)
    print(json.dumps(out))
    return out


def run(n: int = 300) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(bench("sqlite", f"sqlite:///{tmp}/chain.sqlite", n))
        with new_databases("bench_chain") as new_pg:
            results.append(bench("postgresql", new_pg(), n))
    return results


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
