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
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import Engine, text

from benchmarks.stats import RUNS, machine, summary
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]
BARE_APP = ROOT / "benchmarks" / "bare_app.py"


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


def image_round_trips(runs: int = RUNS) -> list[float]:
    """Seconds to draw a tiny new figure as a small PNG through the process's running browser,
    ``runs`` times (each a new figure: no kept image): an image's round trip, the floor under
    each of a board pack's pictures."""
    import plotly.graph_objects as go  # Lazy: plotly and the renderer only where images are drawn

    from oversight.components.figures.export import figure_image  # Lazy: as above

    return [
        timed(lambda i=i: figure_image(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 10 + i])), "png", 400, 300))
        for i in range(runs)
    ]


class Served:
    """A benchmark's own script (a bare page) served by ``streamlit run`` as the app is."""

    def __init__(self, base: str, proc: subprocess.Popen) -> None:
        self.base, self.proc = base, proc

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def serve_script(script: Path, log: Path) -> Served:
    """Serve ``script`` the same way the app is served, once healthy; ``stop()`` it after."""
    from tests.browser import free_port  # Lazy: the tests' helpers only where a page is served

    port = free_port()
    argv = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    argv += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    served = Served(f"http://127.0.0.1:{port}", proc)
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{served.base}/_stcore/health", timeout=2):
                return served
        except OSError:
            if time.time() > deadline:
                served.stop()
                raise RuntimeError(f"{script.name} did not start (see {log})") from None
            time.sleep(0.3)


def bare_page_load(page, base: str) -> float:
    """Seconds for a Playwright ``page`` to load the served bare page (``serve_script(BARE_APP)``)
    until its text shows: a page asked for and drawn, with nothing of the app's."""
    t0 = time.perf_counter()
    page.goto(base)
    page.get_by_text("Nothing but text.").wait_for(timeout=60_000)
    return time.perf_counter() - t0
