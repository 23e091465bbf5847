"""The board-pack dialog keeps a finished pack per data version and request (issue 22: the
dialog's pack within 5 s after its first): asked for again, in this session or another, it is
handed over without being made again."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from oversight.components.widgets import board_pack_dialog
from tests.conftest import ROOT


def test_a_pack_asked_for_again_is_not_made_again(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    made = []

    def fake_pack(engine, request, outs: list[Path], progress=None):
        made.append(request)
        if progress is not None:  # a real pack moves the bar: a cached call must not replay it
            progress(0.5, "Drawing the map…")
        for out in outs:
            out.write_bytes(f"{out.suffix} for {request.region}".encode())
        return []

    monkeypatch.setattr(board_pack_dialog, "board_pack", fake_pack)
    board_pack_dialog._made_packs.clear()

    def session() -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["region"] = "E12000005"
        at.query_params["as_at"] = "2024-06-30"
        at.run()
        at.button(key="pack_open").click().run()
        at.button(key="pack_build").click().run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    first = session()
    assert len(made) == 1 and made[0].region == "E12000005"
    first.button(key="pack_build").click().run()  # the same pack again, same session
    assert not first.exception, [e.value for e in first.exception]  # was CacheReplayClosureError
    second = session()  # and from another session
    assert len(made) == 1
    labels = [b.label for b in second.get("download_button")]
    assert {"Download slides (PPTX)", "Download PDF"} <= set(labels)
