"""A board pack asked for in the app is one line in the server's log (``data/logs``): the
region, the council, the date and the appendix asked for, not who asked (reading is open).
AppTest, the pack's drawing replaced by a stub (the pack itself is tested elsewhere)."""

from __future__ import annotations

import logging
from pathlib import Path

from streamlit.testing.v1 import AppTest

from oversight.components.widgets import board_pack_dialog
from oversight.data import logs
from tests.conftest import ROOT
from tests.test_data_logs_format import parse


def test_a_board_pack_is_one_line(monkeypatch, loaded_sqlite_url, data_dir, caplog):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def stub_pack(engine, request, outs: list[Path], progress=None):
        for out in outs:
            out.write_bytes(b"a stub")
        return []

    monkeypatch.setattr(board_pack_dialog, "board_pack", stub_pack)
    caplog.set_level(logging.INFO, logger=logs.LOGGER)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["region"] = "E12000007"
    at.query_params["as_at"] = "2023-03-31"
    at.run()
    at.button(key="pack_open").click().run()
    at.button(key="pack_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [line] = [parse(r.getMessage()) for r in caplog.records if r.name == logs.LOGGER]
    assert int(line.pop("ms")) >= 0
    assert line == {
        "action": "board_pack",
        "region": "E12000007",
        "as_at": "2023-03-31",
        "appendix": "false",
        "outcome": "ok",
    }
