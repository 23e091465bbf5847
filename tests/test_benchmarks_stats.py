"""What every benchmark reports alike (issue 23): medians of at least five runs, beside a baseline
measured in the same run, with the machine's load at the start and the end.

The figures themselves take minutes, so this checks the pieces cheaply: ``benchmarks/stats.py``
and ``benchmarks/baselines.py`` on real processes and real databases (both backends), and each
benchmark module's source for the machine, a baseline and a ``runs`` argument.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import baselines, stats
from benchmarks.apptest_timing import bare_page

ROOT = Path(__file__).resolve().parents[1]
#: Every benchmark but the two issue 23 gives to others (load.py, session_cpu.py).
BENCHMARKS = (
    "__main__",
    "map_page",
    "authority_page",
    "exit_page",
    "board_pack",
    "pack_speed",
    "changes",
    "fresh_start",
    "history_chain",
    "team_week",
    "presentation",
    "bulk_import",
)
#: The modules a person runs alone, each with ``--runs N``.
WITH_MAIN = (
    "__main__",
    "map_page",
    "board_pack",
    "pack_speed",
    "fresh_start",
    "history_chain",
    "team_week",
    "presentation",
    "bulk_import",
)


def _tree(name: str) -> ast.Module:
    return ast.parse((ROOT / "benchmarks" / f"{name}.py").read_text(encoding="utf-8"))


def test_summary_is_median_min_max_and_runs():
    assert stats.summary([3.0, 1.0, 2.0, 10.0, 4.0]) == {"median": 3.0, "min": 1.0, "max": 10.0, "runs": 5}
    assert stats.summary([0.12345, 0.2], 3) == {"median": 0.162, "min": 0.123, "max": 0.2, "runs": 2}
    assert stats.summary([]) == {"median": None, "min": None, "max": None, "runs": 0}
    assert stats.RUNS >= 5


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert stats.percentile(values, 0.95) == 95
    assert stats.percentile(values, 0.5) == 51  # round(49.5) is 50, the 51st value
    assert stats.percentile([7], 0.95) == 7
    assert stats.percentile([], 0.95) is None


def test_repeat_calls_runs_times():
    calls = []
    assert stats.repeat(lambda: calls.append(1) or len(calls)) == [1, 2, 3, 4, 5]
    assert stats.repeat(lambda: 0, 2) == [0, 0]


def test_machine_says_cores_and_load():
    m = stats.machine()
    assert m["cores"] == os.cpu_count()
    assert len(m["load_1_5_15"]) == 3 and all(x >= 0 for x in m["load_1_5_15"])
    start = stats.machine()
    assert baselines.span(start)["start"] is start
    assert set(baselines.span(start)["end"]) == {"cores", "load_1_5_15"}


def test_cpu_and_memory_of_a_real_process_and_its_children():
    busy = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)"
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {busy!r}])"]
    )
    try:
        deadline = time.time() + 30
        while stats.cpu_seconds(parent.pid) < 0.25 and time.time() < deadline:
            time.sleep(0.1)
        assert stats.cpu_seconds(parent.pid) >= 0.25  # the child's busy loop counts for its parent
        assert stats.rss_mb(parent.pid) > 5  # two interpreters
    finally:
        parent.kill()
        parent.wait()
    assert stats.cpu_seconds(parent.pid) == 0.0 and stats.rss_mb(parent.pid) == 0.0  # gone: nothing


def test_cold_command_baselines_are_summaries_of_their_runs():
    assert baselines.python_start(2)["runs"] == 2
    walls, cpus = baselines.command([sys.executable, "-c", "pass"], 2)
    assert len(walls) == len(cpus) == 2 and all(w > 0 for w in walls)
    assert baselines.ms([0.001, 0.003, 0.002]) == {"median": 2.0, "min": 1.0, "max": 3.0, "runs": 3}


def test_database_baselines_on_a_fresh_database(fresh_engine):
    """An import of no files writes nothing and takes a time; SELECT 1 as many times as asked."""
    from oversight.data.store import schema as s

    with fresh_engine.connect() as conn:
        runs_before = conn.execute(s.import_runs.select()).all()
    assert baselines.empty_import(fresh_engine) > 0
    with fresh_engine.connect() as conn:
        assert conn.execute(s.import_runs.select()).all() == runs_before
    trips = baselines.round_trips(fresh_engine, 5)
    assert len(trips) == 5 and all(0 < t < 5 for t in trips)


def test_bare_apptest_page_baseline():
    figures = bare_page(runs=2, reruns=3)
    assert figures["first_render_s"] > 0
    assert figures["new_session_s"]["runs"] == 2
    assert figures["rerun_ms"]["runs"] == 3


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_reports_machine_and_a_baseline(name: str):
    tree = _tree(name)
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert {"machine", "span"} <= calls, f"{name}: the machine's load at the start (machine) and end (span)"
    keys = [
        k.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Dict)
        for k in n.keys
        if isinstance(k, ast.Constant)
    ]
    assert "machine" in keys, f"{name}: no 'machine' in its result"
    assert any(str(k).startswith("baseline") for k in keys), f"{name}: no baseline beside its figures"
    assert "summary" in calls or "ms" in calls or "page_figures" in calls, (
        f"{name}: no medians (stats.summary)"
    )
    assert "best_of" not in ast.unparse(tree), f"{name}: reports a best of N, not a median"


@pytest.mark.parametrize("name", BENCHMARKS)
def test_every_benchmark_run_takes_runs(name: str):
    functions = {n.name: n for n in ast.walk(_tree(name)) if isinstance(n, ast.FunctionDef)}
    entry = functions["main"] if name == "__main__" else functions["run"]
    source = ast.unparse(entry)
    assert "runs" in source, f"{name}: its run() takes no number of runs"


@pytest.mark.parametrize("name", WITH_MAIN)
def test_every_main_takes_runs(name: str):
    constants = {n.value for n in ast.walk(_tree(name)) if isinstance(n, ast.Constant)}
    assert "--runs" in constants, f"python -m benchmarks.{name} takes no --runs"


def test_a_main_parses_runs():
    """One module's command line for real (each parses alike; their imports take seconds each)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.history_chain", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert "--runs" in done.stdout
