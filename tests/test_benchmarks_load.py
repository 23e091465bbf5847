"""The load benchmark's machinery: simulated sessions over Streamlit's websocket protocol get every
page with no error, straight from one process and through the proxy to two processes on PostgreSQL,
and the report has the shape the table and ``load.json`` are made from."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import create_engine, text

from benchmarks import load, websocket_sessions
from oversight.cli.replicas import nginx_binary
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from tests.conftest import ROOT
from tests.replica_support import run_async

PAGE_KEYS = ["bare", "map", "authority", "exit"]


def _check_row(row: dict, sessions: int, processes: int) -> None:
    assert row["sessions"] == sessions
    assert list(row["pages"]) == PAGE_KEYS
    for key, page in row["pages"].items():
        assert page["errors"] == 0, (key, row["errors"])
        for figure in ("p50_ms", "p95_ms", "max_ms"):
            assert page[figure]["runs"] == 1 and page[figure]["median"] > 0, (key, figure)
    assert sum(row["errors"].values()) == 0, row["errors"]
    assert len(row["rss_mb"]) == processes and all(r["median"] > 50 for r in row["rss_mb"])
    assert row["cpu_ms_per_session"]["median"] > 0


@pytest.mark.browser
def test_sessions_straight_to_one_process_get_every_page(loaded_sqlite_url, tmp_path):
    from tests.browser import StreamlitServer

    server = StreamlitServer(ROOT, loaded_sqlite_url, tmp_path / "app.log").start()
    try:
        service = load.Service(server.base, [server.proc.pid], [server.base])
        report = load.measure(service, sessions=[3], runs=1, arrival_s=1.0)
    finally:
        server.stop()
    (row,) = report["rows"]
    _check_row(row, 3, 1)
    assert row["sessions_per_process"][0]["median"] == 3
    assert report["cpu_ms_per_new_session"]["map"]["median"] > 0


@pytest.fixture
def small_pg_url(pg_server, release_paths) -> str:
    """A PostgreSQL database with one release: enough for every page, quick to load."""
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "load_proxy"'))
    admin.dispose()
    url = pg_server.url("load_proxy")
    import_paths(bootstrap.ready_engine(url), release_paths[2:3])
    bootstrap.forget(url)
    return url


@pytest.mark.postgres
@pytest.mark.skipif(
    nginx_binary() is None, reason="nginx is not installed (Debian: apt-get install nginx-core)"
)
def test_through_the_proxy_both_processes_serve_sessions(small_pg_url, data_dir, tmp_path, capsys):
    results = tmp_path / "load.json"
    report = load.run(
        [],
        data_dir,
        processes=[2],
        sessions=[12],  # nginx hashes each cookie-less connection anew: all 12 on one process is 1 in 2048
        runs=1,
        arrival_s=2.0,
        database_url=small_pg_url,
        results=results,
    )
    assert json.loads(results.read_text()) == report
    assert report["backend"] == "postgresql"
    assert report["machine_start"]["cores"] and report["machine_end"]["load_1_5_15"]
    (service,) = report["services"]
    assert service["processes"] == 2
    (row,) = service["rows"]
    _check_row(row, 12, 2)
    served = [s["median"] for s in row["sessions_per_process"]]
    # Counted from the machine's established connections on each port while the round's sessions
    # are open: one more (a warm-up's or a health check's, not yet closed) can be counted beside them.
    assert len(served) == 2 and all(n >= 1 for n in served) and 12 <= sum(served) <= 14, served
    assert row["proxy_cpu_ms_per_session"]["median"] > 0
    assert set(service["cpu_ms_per_new_session"]) == set(PAGE_KEYS)
    assert report["bare_script_cpu_ms_per_new_session"]["median"] > 0
    table = capsys.readouterr().out
    assert "procs sessions page" in table and "exit" in table


def _visit(url: str, timeout: float = 5.0):
    return run_async(websocket_sessions.visit(url, websocket_sessions.PAGES[:1], timeout=timeout))


@pytest.fixture
def http_502():
    """A real HTTP server that answers every request, a websocket handshake too, with 502."""

    class BadGateway(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # as nginx answers

        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            self.send_error(502)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), BadGateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_refused_handshake_is_an_http_error(http_502):
    assert _visit(websocket_sessions.stream_url(http_502)).errors == [("bare", "http")]


def test_a_closed_port_is_a_dropped_connection():
    from tests.browser import free_port

    assert _visit(f"ws://127.0.0.1:{free_port()}/_stcore/stream").errors == [("bare", "dropped")]


def test_a_page_that_never_finishes_is_a_timeout():
    """A websocket server that takes the request and never answers: the page times out."""
    from websockets.asyncio.server import serve

    async def main():
        async def silent(ws):
            await ws.recv()
            await ws.wait_closed()  # never answers; done when the visitor gives up

        async with serve(silent, "127.0.0.1", 0, subprotocols=["streamlit"]) as server:
            port = server.sockets[0].getsockname()[1]
            return await websocket_sessions.visit(
                f"ws://127.0.0.1:{port}/_stcore/stream", websocket_sessions.PAGES[:1], timeout=0.5
            )

    assert run_async(main()).errors == [("bare", "timeout")]


def test_urls_and_speed_ups():
    assert websocket_sessions.stream_url("https://127.0.0.1:8443/") == "wss://127.0.0.1:8443/_stcore/stream"
    assert websocket_sessions.stream_url("http://127.0.0.1:8501") == "ws://127.0.0.1:8501/_stcore/stream"

    def service(k: int, p95: float) -> dict:
        return {"processes": k, "rows": [{"sessions": 50, "pages": {"map": {"p95_ms": {"median": p95}}}}]}

    services = [service(1, 900.0), service(2, 300.0)]
    load.add_speedups(services)
    assert [s["rows"][0]["pages"]["map"]["speedup_p95"] for s in services] == [1.0, 3.0]
