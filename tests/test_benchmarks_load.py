"""The load benchmark's machinery: simulated sessions over Streamlit's websocket protocol get every
page with no error, straight from one process and through the proxy to two processes on PostgreSQL,
and the report has the shape the table and ``load.json`` are made from."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from benchmarks import load
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from tests.conftest import ROOT

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
def test_through_the_proxy_both_processes_serve_sessions(small_pg_url, data_dir, tmp_path, capsys):
    results = tmp_path / "load.json"
    report = load.run(
        [],
        data_dir,
        processes=[2],
        sessions=[4],
        runs=1,
        arrival_s=1.0,
        database_url=small_pg_url,
        results=results,
    )
    assert json.loads(results.read_text()) == report
    assert report["backend"] == "postgresql"
    assert report["machine_start"]["cores"] and report["machine_end"]["load_1_5_15"]
    (service,) = report["services"]
    assert service["processes"] == 2
    (row,) = service["rows"]
    _check_row(row, 4, 2)
    served = [s["median"] for s in row["sessions_per_process"]]
    assert len(served) == 2 and all(n >= 1 for n in served) and sum(served) == 4, served
    assert set(service["cpu_ms_per_new_session"]) == set(PAGE_KEYS)
    table = capsys.readouterr().out
    assert "procs sessions page" in table and "exit" in table
