"""The reconnect note in Chromium, with the real signal: a browser whose server process died and
came back on the same address reconnects with the id of a session the new process never had,
and the page says once that unsaved input may be lost. A first visit and a reload do not.
(Several processes behind the proxy: the drill, ``tests/test_deploy_drill_kill.py``.)"""

from __future__ import annotations

import os
import signal

import pytest

from oversight.components.widgets import reconnect
from tests.browser import StreamlitServer
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

VIEW = "/authority?la=E08000025&as_at=2024-06-30"


def _drawn(page) -> None:
    page.get_by_role("heading", name="Birmingham").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


def test_a_page_whose_process_was_replaced_says_unsaved_input_may_be_lost(
    browser, loaded_sqlite_url, artifacts
):
    first = StreamlitServer(ROOT, loaded_sqlite_url, artifacts / "reconnect-1.log").start()
    second = StreamlitServer(ROOT, loaded_sqlite_url, artifacts / "reconnect-2.log")
    second.port = first.port  # the same address: the browser reconnects by itself
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    note = page.get_by_text(reconnect.NOTE)
    try:
        page.goto(first.base + VIEW)
        _drawn(page)
        assert note.count() == 0  # a first visit
        page.reload()
        _drawn(page)
        assert note.count() == 0  # a reload starts a session without naming the old one

        os.kill(first.proc.pid, signal.SIGKILL)  # the process dies with its sessions
        first.proc.wait(10)
        second.start()
        note.wait_for(timeout=60_000)
        _drawn(page)
        page.screenshot(path=str(artifacts / "reconnect_note.png"))
        assert page.url.endswith(VIEW)  # the URL kept the view, and the page drew it again
        assert page.locator("[data-testid='stException']").count() == 0

        page.get_by_role("button", name=reconnect.CLOSE).click()
        note.wait_for(state="detached", timeout=30_000)
        page.reload()
        _drawn(page)
        assert note.count() == 0
    finally:
        context.close()
        first.stop()
        second.stop()
    for log in ("reconnect-1.log", "reconnect-2.log"):
        assert "Traceback" not in (artifacts / log).read_text()
