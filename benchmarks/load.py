"""Load: N simulated sessions against one ``streamlit run`` server, on SQLite and on PostgreSQL.

Each session speaks Streamlit's own websocket protocol (no browser, so the clients cost the server
almost no CPU): it connects to ``/_stcore/stream``, asks for the map page and waits for the script
to finish, then asks for an authority page in the same session. Sessions *arrive* spread over
``ARRIVAL_S`` seconds, as a meeting's attendees open a shared link; a burst (all at once) is
reported too, as throughput. Figures: p50/p95 time from request to ``script_finished`` per page,
the server's resident memory per open session, and errors (an exception element, a script that
did not finish successfully, a dropped connection or a timeout).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
SESSIONS = (1, 10, 25, 50)
ARRIVAL_S = 10.0
TIMEOUT_S = 120.0
MAP_QUERY = "as_at=2018-05-17"
AUTHORITY_QUERY = "la=E08000025&as_at=2018-05-17"


@dataclass
class Session:
    """One simulated visitor: the two page timings and what went wrong, if anything."""

    map_s: float | None = None
    authority_s: float | None = None
    errors: list[str] = field(default_factory=list)


def _rerun(query: str, page_name: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_name = page_name
    return msg.SerializeToString()


async def _run_page(ws, query: str, page_name: str, session: Session) -> float | None:
    """Ask for a page and read forward messages until its script finishes; None on failure."""
    t0 = time.perf_counter()
    await ws.send(_rerun(query, page_name))
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout=TIMEOUT_S)
        if isinstance(raw, str):
            continue
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            if msg.delta.new_element.WhichOneof("type") == "exception":
                session.errors.append(f"{page_name or 'map'}: {msg.delta.new_element.exception.type}")
        elif kind == "page_not_found":
            session.errors.append(f"{page_name}: page not found")
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return time.perf_counter() - t0
            if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                session.errors.append(f"{page_name or 'map'}: script finished with {msg.script_finished}")
                return None


async def _visit(base_ws: str, delay: float, hold: asyncio.Event, session: Session) -> None:
    await asyncio.sleep(delay)
    try:
        async with connect(base_ws, subprotocols=["streamlit"], compression=None, max_size=None) as ws:
            session.map_s = await _run_page(ws, MAP_QUERY, "", session)
            session.authority_s = await _run_page(ws, AUTHORITY_QUERY, "authority", session)
            await hold.wait()  # stay connected until every session is measured (memory per session)
    except (OSError, TimeoutError) as exc:
        session.errors.append(type(exc).__name__)
    except Exception as exc:  # noqa: BLE001 - any failure of one session is a counted error
        session.errors.append(f"{type(exc).__name__}: {exc}")


def _rss_kb(pid: int) -> int:
    """Resident memory of the server process and its children (kB), from /proc."""
    total = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


async def _round(base_ws: str, n: int, spread: float, pid: int) -> dict:
    sessions = [Session() for _ in range(n)]
    hold = asyncio.Event()
    before = _rss_kb(pid)
    delays = [spread * i / n for i in range(n)] if n > 1 else [0.0]
    tasks = [asyncio.create_task(_visit(base_ws, d, hold, s)) for d, s in zip(delays, sessions, strict=True)]
    while not all(s.authority_s is not None or s.errors for s in sessions):
        await asyncio.sleep(0.05)
    during = _rss_kb(pid)
    hold.set()
    await asyncio.gather(*tasks)
    return _summary(n, spread, sessions, before, during)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000)


def _summary(n: int, spread: float, sessions: list[Session], before: int, during: int) -> dict:
    maps = [s.map_s for s in sessions if s.map_s is not None]
    pages = [s.authority_s for s in sessions if s.authority_s is not None]
    errors = [e for s in sessions for e in s.errors]
    return {
        "sessions": n,
        "arrival_s": spread,
        "map_ms_p50": _pct(maps, 0.5),
        "map_ms_p95": _pct(maps, 0.95),
        "authority_ms_p50": _pct(pages, 0.5),
        "authority_ms_p95": _pct(pages, 0.95),
        "server_rss_mb": round(during / 1024, 1),
        "rss_kb_per_session": round((during - before) / n) if n else None,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
    }


def run_round(base_ws: str, n: int, spread: float, pid: int) -> dict:
    """One round in its own thread and event loop (the caller may already run a loop, as
    Playwright's sync API does in the test process)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _round(base_ws, n, spread, pid)).result()


def _serve(url: str, log: Path):
    from tests.browser import StreamlitServer

    return StreamlitServer(ROOT, url, log).start()


def measure(url: str, backend: str) -> list[dict]:
    """Every round against one server (warmed by one visit first: caches are per process)."""
    server = _serve(url, Path(tempfile.mkdtemp()) / f"{backend}.log")
    base_ws = server.base.replace("http://", "ws://") + "/_stcore/stream"
    pid = server.proc.pid
    rows = []
    try:
        run_round(base_ws, 1, 0.0, pid)  # warm the caches
        for n in SESSIONS:
            row = run_round(base_ws, n, ARRIVAL_S if n > 1 else 0.0, pid)
            rows.append({"backend": backend, **row})
            print(rows[-1], flush=True)
        burst = run_round(base_ws, SESSIONS[-1], 0.0, pid)
        rows.append({"backend": backend, "burst": True, **burst})
        print(rows[-1], flush=True)
    finally:
        server.stop()
    return rows


def run(releases: list[Path], data_dir: Path) -> dict:
    """SQLite, then PostgreSQL, each loaded with the three releases."""
    from sqlalchemy import create_engine, text

    from benchmarks.map_page import _loaded_db
    from oversight.data import bootstrap
    from oversight.data.sources.importer import import_paths
    from tests.pgserver import PgServer

    os.environ["OVERSIGHT_DATA_DIR"] = str(data_dir)
    results = {"sqlite": measure(_loaded_db(releases, tempfile.mkdtemp()), "sqlite")}
    pg = PgServer().start()
    try:
        admin = create_engine(pg.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "load_bench"'))
        admin.dispose()
        url = pg.url("load_bench")
        import_paths(bootstrap.ready_engine(url), releases)
        bootstrap.forget(url)
        results["postgresql"] = measure(url, "postgresql")
    finally:
        pg.stop()
    return results
