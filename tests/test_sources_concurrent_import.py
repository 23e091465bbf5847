"""Imports and first use are serialised per database (issue 11), proven with real processes.

Two ``oversight import`` processes started together used to read the store before either wrote,
so both inserted the same facts (1,070 inspections instead of 567); two processes opening a new
SQLite file both created its tables ("table regions already exists"). Now each takes the writer
lock before reading, so the result is exactly that of running them one after the other; and a
process killed in the middle of an import leaves nothing behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction
from tests.conftest import ROOT, _new_url, dump

TIMEOUT_S = 180
WAITING_FOR_A_LOCK = """
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND NOT granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
#: A child that imports, then stops just before COMMIT and says so, to be killed there.
STOP_BEFORE_COMMIT = """
import sys, time
from pathlib import Path
from oversight.data import bootstrap
from oversight.data.sources import importer
written = importer._write
def write_then_wait(*args):
    written(*args)
    Path(sys.argv[2]).write_text("written")
    time.sleep(600)
importer._write = write_then_wait
importer.import_paths(bootstrap.ready_engine(sys.argv[1]), sys.argv[3:])
"""


def _oversight(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "oversight.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _all_succeed(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT_S)
        assert proc.returncode == 0, f"exit {proc.returncode}\n{out}\n{err}"
        assert "Traceback" not in err and "oversight:" not in err, err


def _timeless(engine: Engine) -> dict[str, list[tuple]]:
    """``dump`` with the import runs' clock times blanked (and their rows in the history of
    changes): two runs differ only in those."""
    out = dump(engine)
    for table, names in (
        (s.import_runs, ("started_at", "finished_at")),
        (s.changes, ("proposed_at",)),
        (s.fact_sources, ("added_at",)),  # a fact's sources, added by the run at its clock time
    ):
        clock = [i for i, c in enumerate(table.columns) if c.name in names]
        out[table.name] = sorted(
            tuple(None if i in clock else v for i, v in enumerate(row)) for row in out[table.name]
        )
    # The history's chain hashes those clock times: which rows it chains, in which order, is
    # what two runs share (and each chain is checked whole by ``tracker verify`` elsewhere).
    out[s.history_chain.name] = sorted(row[:3] for row in out[s.history_chain.name])
    return out


def _second_url(empty_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Another new database on the same backend as ``empty_url``."""
    backend = "sqlite" if empty_url.startswith("sqlite") else "postgresql"
    return _new_url(backend, request, tmp_path / "reference")


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _wait_until_blocked(engine: Engine, procs: list[subprocess.Popen]) -> None:
    """Until every process waits for the writer lock: PostgreSQL lists the waits; a SQLite
    waiter sleeps in its busy handler, so its CPU time stops (for a whole second)."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), "an import finished while the lock was held"
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                waiting = conn.execute(text(WAITING_FOR_A_LOCK)).scalar_one()
            if waiting == len(procs):
                return
            time.sleep(0.1)
        else:
            before = [_cpu_ticks(p.pid) for p in procs]
            time.sleep(1.0)
            if [_cpu_ticks(p.pid) for p in procs] == before:
                return
    pytest.fail("the imports never waited for the writer lock")


def _imported_order(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(s.import_runs.c.file_name)
                .where(s.import_runs.c.kind == "ofsted_release")
                .order_by(s.import_runs.c.id)
            ).scalars()
        )


@pytest.mark.parametrize("start", ["together", "behind_a_held_lock"])
def test_two_imports_at_once_equal_one_after_the_other(empty_url, request, tmp_path, release_paths, start):
    engine = bootstrap.ready_engine(empty_url)
    pair = release_paths[:2]  # the 2022 xlsx and the 2023 ods, the pair the review raced
    if start == "together":
        procs = [_oversight("import", str(p), "--database", empty_url) for p in pair]
    else:  # both certainly contend: each is parked on the lock before either may read
        with write_transaction(engine):
            procs = [_oversight("import", str(p), "--database", empty_url) for p in pair]
            _wait_until_blocked(engine, procs)
    _all_succeed(procs)

    order = _imported_order(engine)
    assert sorted(order) == sorted(p.name for p in pair)
    reference_url = _second_url(empty_url, request, tmp_path)
    reference = bootstrap.ready_engine(reference_url)
    try:
        for name in order:
            import_paths(reference, [p for p in pair if p.name == name])
        assert _timeless(engine) == _timeless(reference)
    finally:
        bootstrap.forget(reference_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.inspections)).scalar_one() == 567


def test_first_use_by_several_processes_at_once(empty_url, request, tmp_path):
    """A brand-new database opened by four commands at once: all succeed, migrated and seeded once."""
    procs = [_oversight("snapshot", "--as-at", "2020-01-01", "--database", empty_url) for _ in range(4)]
    _all_succeed(procs)
    engine = bootstrap.ready_engine(empty_url)
    reference_url = _second_url(empty_url, request, tmp_path)
    try:
        assert _timeless(engine) == _timeless(bootstrap.ready_engine(reference_url))
    finally:
        bootstrap.forget(reference_url)


def test_kill_9_in_the_middle_of_an_import_leaves_the_database_as_it_was(empty_url, tmp_path, release_paths):
    engine = bootstrap.ready_engine(empty_url)
    import_paths(engine, release_paths[:1])
    before = dump(engine)
    marker = tmp_path / "written"
    child = subprocess.Popen(
        [sys.executable, "-c", STOP_BEFORE_COMMIT, empty_url, str(marker), *map(str, release_paths[1:])],
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not marker.exists():
            assert child.poll() is None and time.monotonic() < deadline, "the import never wrote"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=TIMEOUT_S)
    bootstrap.forget(empty_url)
    engine = bootstrap.ready_engine(empty_url)
    assert dump(engine) == before
    import_paths(engine, release_paths[1:])  # and the writer lock went with the process
