"""The load benchmark's simulated sessions work: a few sessions over the websocket protocol get the
map and an authority page with no error (so ``make bench`` measures real page runs)."""

from __future__ import annotations

import pytest

from benchmarks import load
from tests.conftest import ROOT


@pytest.mark.browser
def test_simulated_sessions_get_both_pages(loaded_sqlite_url, tmp_path):
    from tests.browser import StreamlitServer

    server = StreamlitServer(ROOT, loaded_sqlite_url, tmp_path / "app.log").start()
    try:
        base_ws = server.base.replace("http://", "ws://") + "/_stcore/stream"
        row = load.run_round(base_ws, 3, 1.0, server.proc.pid)
    finally:
        server.stop()
    assert row["errors"] == 0, row["error_kinds"]
    assert row["map_ms_p50"] and row["authority_ms_p50"]
    assert row["server_rss_mb"] > 50
