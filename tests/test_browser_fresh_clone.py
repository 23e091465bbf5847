"""A new user's first run in real Chromium: no data directory, no database setting, an empty
``var/``. The app makes its SQLite file, loads the bundle and paints England's boundaries."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from oversight.data import settings
from tests.browser import free_port
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

#: The SVG map's authority shapes, inside the component's shadow root.
SVG_PATHS = """() => { let n = 0; for (const h of document.querySelectorAll('*')) {
    if (h.shadowRoot) n += h.shadowRoot.querySelectorAll('svg a[data-la] path').length; } return n; }"""


@pytest.fixture
def fresh_server(tmp_path: Path):
    """``streamlit run app.py`` as ``make run`` does, from a folder with nothing but the app's
    server settings: the embedded database lands in its empty ``var/``."""
    (tmp_path / ".streamlit").symlink_to(ROOT / ".streamlit")
    env = {k: v for k, v in os.environ.items() if k not in (settings.DATA_DIR_ENV, settings.DATABASE_ENV)}
    env[settings.BUNDLE_ENV] = "on"
    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
        + [
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                break
        except OSError:
            if time.time() > deadline:
                proc.terminate()
                raise RuntimeError("streamlit did not start") from None
            time.sleep(0.2)
    yield base, tmp_path
    proc.terminate()
    proc.wait(10)
    log.close()


def test_a_fresh_clone_paints_englands_boundaries_in_chromium(browser, fresh_server, artifacts):
    base, folder = fresh_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(base)
    page.wait_for_function(f"() => ({SVG_PATHS})() > 150", timeout=120_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "fresh_clone_map.png"), full_page=True)
    assert page.evaluate(SVG_PATHS) >= 150
    value = page.locator("[data-testid='stDateInput'] input").first.input_value()
    assert value >= "2026-08-01", value  # the newest publication in the bundle
    assert (folder / "var" / "oversight.sqlite").is_file()
    assert not page.get_by_text("Boundary files are not available").count()
    context.close()
