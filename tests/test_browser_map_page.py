"""The map page in headless Chromium (issue 22, item 9): a first deep link after a server start,
a typed date applied by Enter, the council search, play through time and the printed page."""

from __future__ import annotations

import pytest

from tests.browser import StreamlitServer
from tests.conftest import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh_server(loaded_sqlite_url, tmp_path):
    """A server no browser has opened yet: its first request is the test's."""
    srv = StreamlitServer(ROOT, loaded_sqlite_url, tmp_path / "streamlit.log").start()
    yield srv
    srv.stop()


def test_first_deep_link_after_a_server_start_opens_the_page(browser, fresh_server, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{fresh_server.base}/authority?la=E08000025")
    page.get_by_role("heading", name="Birmingham").first.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)  # a "Page not found" dialog would have arrived with the first run
    page.screenshot(path=str(artifacts / "map_first_deep_link.png"))
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("[role='dialog']").count() == 0
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert "authority page" not in sidebar.lower()  # no file names from an auto-navigation
    assert "Authority" in sidebar and "Intervention map" in sidebar
    context.close()
