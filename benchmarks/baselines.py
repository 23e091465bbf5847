"""The baselines benchmarks set their figures beside, each measured in the same run as the figure.

A figure alone says little on a shared 2-core machine: the same command takes twice as long when
another process holds a core. A yardstick timed in the same run under the same load (an
interpreter that does nothing, the command line's help, an import of no files, a database round
trip) tells a reader how much of the figure is the work itself (issue 23). The medians, the
load and the runs' count come from ``benchmarks.stats``; this module only says what is measured.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine, text

from benchmarks.stats import RUNS, machine, summary
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]


def timed(fn: Callable[[], object]) -> float:
    """Wall seconds of one call."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def span(start: dict) -> dict:
    """The machine's load when a benchmark started (``start``, from ``stats.machine()``) and now."""
    return {"start": start, "end": machine()}


def children_cpu() -> float:
    """CPU seconds of this process's finished children (a cold command and its browser)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(argv: Sequence[str], runs: int = RUNS) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``runs`` runs of a command started from the repository."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu0, t0 = children_cpu(), time.perf_counter()
        subprocess.run(list(argv), check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        cpus.append(children_cpu() - cpu0)
    return walls, cpus


def python_start(runs: int = RUNS) -> dict:
    """``python -c pass``: an interpreter's start and exit, the floor under any cold command."""
    walls, _ = command([sys.executable, "-c", "pass"], runs)
    return summary(walls, 3)


def cli_help(runs: int = RUNS) -> dict:
    """``python -m oversight.cli --help``: the command line's imports and exit, doing no work:
    what a cold ``oversight`` command costs before its own work."""
    walls, cpus = command([sys.executable, "-m", "oversight.cli", "--help"], runs)
    return {"wall_s": summary(walls, 2), "cpu_s": summary(cpus, 2)}


def empty_import(engine: Engine) -> float:
    """Seconds of an import of no files into ``engine``: the writer lock, the reads every import
    makes and the rollback of a run that writes nothing; what an import costs before its rows."""
    return timed(lambda: import_paths(engine, []))


def round_trips(engine: Engine, runs: int = RUNS) -> list[float]:
    """Seconds of ``SELECT 1`` on a pooled connection, ``runs`` times: the database's round trip,
    what any query costs at least (the pool is warmed first)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        out.append(time.perf_counter() - t0)
    return out


def ms(values: Sequence[float], digits: int = 2) -> dict:
    """``stats.summary`` of seconds, in milliseconds."""
    return summary([v * 1000 for v in values], digits)
