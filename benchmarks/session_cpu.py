"""Server CPU per new session: what one more visitor costs one ``streamlit run`` process.

Issue 23 item 1: a new session on a known view should cost close to a bare page. One app process
is warmed by one visit per page (its caches are per process); then, per page, N new sessions open
one after another over Streamlit's websocket (no browser, so the client costs the server almost
nothing) and the figure is the server's CPU time (user + system, ``stats.cpu_seconds``) over the N
sessions divided by N. The baseline is ``benchmarks/bare_app.py`` served by its own process and
measured the same way in the same run. Each figure is the median of ``--runs`` runs (at least
``stats.RUNS``), printed with the machine's load: on a shared machine CPU time moves less than
wall time, but it still moves.

The pages are those a visitor opens, at the default as-at (today): the map (``/``), an authority
(``/authority?la=E08000025``, Birmingham) and Time to exit (``/exit``). The database is a new one
seeded as a fresh clone's is (register, seed tracker, the data bundle): SQLite by default,
``--postgresql`` for a throwaway PostgreSQL server, or a DATABASE_URL already loaded.

    python -m benchmarks.session_cpu [--runs 5] [--sessions 20] [--postgresql | DATABASE_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from contextlib import ExitStack
from pathlib import Path

from benchmarks import stats
from benchmarks.websocket_sessions import TIMEOUT_S, Stream, stream_url
from tests.browser import StreamlitServer

ROOT = Path(__file__).resolve().parents[1]
#: (name, page_name as the browser asks for it, query string) — the URLs a visitor would open.
PAGES = (
    ("map", "", ""),
    ("authority", "authority", "la=E08000025"),
    ("exit", "exit", ""),
)


async def _one_session(stream: str, page_name: str, query: str) -> str | None:
    """A new session asking for one page, as a browser's first message does; what went wrong (an
    ``ERROR_KINDS`` entry), or None when its script finished cleanly."""
    async with Stream(stream, timeout=TIMEOUT_S) as session:
        return (await session.run(query, page_name)).problem


async def _new_sessions(stream: str, page_name: str, query: str, n: int) -> list[str]:
    """``n`` new sessions one after another, each to the page's script_finished; their errors."""
    errors = [await _one_session(stream, page_name, query) for _ in range(n)]
    return [e for e in errors if e]


def cpu_per_session(server: StreamlitServer, page_name: str, query: str, n: int) -> float:
    """Server CPU per new session (ms) over ``n`` sessions; raises if any session failed."""
    assert server.proc is not None
    before = stats.cpu_seconds(server.proc.pid)
    errors = asyncio.run(_new_sessions(stream_url(server.base), page_name, query, n))
    spent = stats.cpu_seconds(server.proc.pid) - before
    if errors:
        raise RuntimeError(f"{page_name or 'map'}: {sorted(set(errors))[:3]}")
    return spent * 1000 / n


def measure(database_url: str, runs: int, sessions: int) -> dict:
    """Each page's CPU per new session beside the bare page's, medians of ``runs`` runs."""
    logs = Path(tempfile.mkdtemp(prefix="session-cpu-"))
    with ExitStack() as stack:
        bare = stack.enter_context(
            StreamlitServer(ROOT, database_url, logs / "bare.log", "benchmarks/bare_app.py")
        )
        app = stack.enter_context(StreamlitServer(ROOT, database_url, logs / "app.log"))
        cpu_per_session(bare, "", "", 1)  # warm: one visit per page (caches live in the process)
        for _, page_name, query in PAGES:
            cpu_per_session(app, page_name, query, 1)
        figures: dict[str, list[float]] = {"bare": [], **{name: [] for name, _, _ in PAGES}}
        for _ in range(runs):  # interleaved, so a busy minute touches every page alike
            figures["bare"].append(cpu_per_session(bare, "", "", sessions))
            for name, page_name, query in PAGES:
                figures[name].append(cpu_per_session(app, page_name, query, sessions))
    return {
        "cpu_ms_per_new_session": {name: stats.summary(values) for name, values in figures.items()},
        "sessions_per_run": sessions,
        "baseline": "benchmarks/bare_app.py in its own streamlit process",
        "machine": stats.machine(),
    }


def _fresh_sqlite(folder: str) -> str:
    from oversight.data import bootstrap

    url = f"sqlite:///{folder}/session-cpu.sqlite"
    bootstrap.ready_engine(url)  # register, seed tracker and bundle, as a fresh clone's first run
    bootstrap.forget(url)
    return url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.session_cpu", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "database_url", nargs="?", help="a database already loaded (default: a new SQLite one)"
    )
    parser.add_argument("--postgresql", action="store_true", help="a throwaway PostgreSQL server")
    parser.add_argument("--runs", type=int, default=stats.RUNS)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        if args.database_url:
            url, backend = args.database_url, args.database_url.split(":", 1)[0]
        elif args.postgresql:
            from benchmarks.postgres import new_databases  # Lazy: a server only when asked for
            from oversight.data import bootstrap

            url, backend = stack.enter_context(new_databases("session_cpu"))(), "postgresql"
            bootstrap.ready_engine(url)
            bootstrap.forget(url)
        else:
            url, backend = _fresh_sqlite(folder), "sqlite"
        result = {"backend": backend, **measure(url, args.runs, args.sessions)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
