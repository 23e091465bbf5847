"""The app when the tracker database cannot be used: a message and Retry on every page, no traceback.

AppTest first (locked, read-only, unreachable; recovery with Retry), then the same in Chromium
against `streamlit run`: a PostgreSQL server stopped and started again under a served app, and a
bug's error with ``client.showErrorDetails = "none"`` (no traceback, SQL or path in the page).
Screenshots go to ``tests/artifacts/database_*.png``.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from oversight.components.widgets.unavailable import KEY_RETRY
from oversight.data import bootstrap
from oversight.data.store.migrate import head_revision
from tests.browser import StreamlitServer, free_port
from tests.conftest import ROOT
from tests.pgserver import PgServer, _bin

APP = str(ROOT / "app.py")
NOT_AVAILABLE = "The tracker database is not available right now"
PAGES = [
    None,  # through the router, as a browser gets it
    "ui/intervention_map.py",  # the others without it (Streamlit's old page files): same message
    "ui/authority_page.py",
    "ui/exit_page.py",
    "ui/changes_page.py",
    "ui/tracker_page.py",
    "ui/data_sources.py",
    "ui/user_guide.py",
    "ui/accessibility_statement.py",
]


def run(monkeypatch, url: str, page: str | None = None, **params: str) -> AppTest:
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run()


def errors(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]  # no traceback, whatever happened
    return [e.value for e in at.error]


def copy_of(url: str, tmp_path: Path) -> Path:
    """A private copy of a loaded SQLite file: these tests lock it or open it read-only."""
    path = tmp_path / "copy.sqlite"
    shutil.copyfile(make_url(url).database or "", path)
    return path


@pytest.mark.parametrize("page", PAGES)
def test_unreachable_postgresql_is_a_message_with_retry_on_every_page(monkeypatch, page):
    url = f"postgresql+psycopg://oversight:s3cret@127.0.0.1:{free_port()}/tracker"
    at = run(monkeypatch, url, page)
    assert errors(at) == [
        f"{NOT_AVAILABLE} (the database server cannot be reached). The page will try again."
    ]
    assert [b.label for b in at.button] == ["Retry"]
    assert any("Checking again every" in c.value for c in at.caption)


def test_presentation_mode_too(monkeypatch):
    at = run(monkeypatch, f"postgresql+psycopg://x@127.0.0.1:{free_port()}/db", present="1")
    assert errors(at)[0].startswith(NOT_AVAILABLE) and at.button(key=KEY_RETRY)


def test_locked_sqlite_then_retry_recovers(monkeypatch, loaded_sqlite_url, tmp_path):
    path = copy_of(loaded_sqlite_url, tmp_path)
    url = f"sqlite:///{path}?timeout=0.2"
    at = run(monkeypatch, url, "ui/data_sources.py")
    assert errors(at) == [] and any("Latest judgement" in d.value.columns for d in at.dataframe)

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # an import writing
    try:
        at.run()
        assert errors(at) == [f"{NOT_AVAILABLE} (it is busy with another change). The page will try again."]
        assert not at.dataframe
    finally:
        holder.rollback()
        holder.close()

    at.button(key=KEY_RETRY).click().run()
    assert errors(at) == [] and any("Latest judgement" in d.value.columns for d in at.dataframe)
    assert KEY_RETRY not in [b.key for b in at.button]


def test_read_only_sqlite_that_is_set_up_shows_the_map(monkeypatch, loaded_sqlite_url, tmp_path, data_dir):
    # ?mode=ro refuses every write, as a chmod 0444 file would for anyone but root.
    url = f"sqlite:///file:{copy_of(loaded_sqlite_url, tmp_path)}?mode=ro&uri=true"
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    at = run(monkeypatch, url, as_at="2018-05-17")
    assert errors(at) == []
    assert at.get("bidi_component"), "the SVG map is drawn"


def test_read_only_sqlite_that_needs_setting_up_says_so(monkeypatch, tmp_path):
    blank = tmp_path / "blank.sqlite"
    sqlite3.connect(blank).close()
    at = run(monkeypatch, f"sqlite:///file:{blank}?mode=ro&uri=true")
    [message] = errors(at)
    assert message.startswith("The tracker database is read-only, and it has not been set up")
    assert str(blank) not in message and "sqlite" not in message.lower()
    assert at.button(key=KEY_RETRY)
    assert not any("Checking again" in c.value for c in at.caption), "waiting will not fix it"


# In Chromium ---------------------------------------------------------------------------------

#: Words that would mean a traceback or an internal detail reached the browser.
LEAKS = ("Traceback", "sqlalchemy", "psycopg", "OperationalError", "SELECT", "[SQL", ".py", "sqlite3")
SVG_LINKS = """() => { let n = 0; for (const h of document.querySelectorAll('*')) {
    if (h.shadowRoot) n += h.shadowRoot.querySelectorAll('svg a[data-la]').length; } return n; }"""


def _pg_ctl(server: PgServer, action: str) -> None:
    """Stop or start the cluster in place (``PgServer.stop`` would delete its data directory)."""
    data = str(server.dir / "data")
    if action == "stop":
        server._run(_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "stop")
        return
    options = f"-p {server.port} -k {server.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
    server._run(
        _bin("pg_ctl"), "-D", data, "-l", str(server.dir / "log"), "-w", "-t", "30", "-o", options, "start"
    )


@pytest.fixture
def pg_app(artifacts: Path) -> Iterator[tuple[PgServer, StreamlitServer]]:
    """Its own PostgreSQL (this test stops it) with a seeded database, and the app served on it."""
    server = PgServer().start()
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "app"'))
    admin.dispose()
    bootstrap.ready_engine(server.url("app"))
    bootstrap.forget(server.url("app"))
    app = StreamlitServer(ROOT, server.url("app"), artifacts / "streamlit_database_errors.log").start()
    try:
        yield server, app
    finally:
        app.stop()
        server.stop()


def _wait_for_map(page) -> None:
    page.wait_for_function(f"({SVG_LINKS})() > 100", timeout=60_000)


def _page_text(page) -> str:
    return page.locator("[data-testid='stApp']").inner_text()


@pytest.mark.browser
@pytest.mark.postgres
def test_postgresql_stopped_and_started_again_in_chromium(browser, pg_app, artifacts):
    server, app = pg_app
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{app.base}/?as_at=2018-05-17")
    _wait_for_map(page)

    _pg_ctl(server, "stop")
    page.reload()
    page.get_by_text(NOT_AVAILABLE).wait_for(timeout=60_000)
    page.get_by_role("button", name="Retry").wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "database_unavailable_map.png"))
    shown = _page_text(page)
    assert "(the database server cannot be reached)" in shown and "The page will try again" in shown
    assert not [word for word in LEAKS if word in shown], shown
    assert str(server.port) not in shown and "127.0.0.1" not in shown
    assert page.locator("[data-testid='stException']").count() == 0

    page.goto(f"{app.base}/authority?la=E06000005")  # another page, the same message
    page.get_by_text(NOT_AVAILABLE).wait_for(timeout=60_000)
    page.screenshot(path=str(artifacts / "database_unavailable_authority.png"))
    page.goto(f"{app.base}/?as_at=2018-05-17")
    page.get_by_role("button", name="Retry").wait_for(timeout=60_000)

    _pg_ctl(server, "start")  # the same port and data directory
    page.get_by_role("button", name="Retry").click()
    _wait_for_map(page)
    assert NOT_AVAILABLE not in _page_text(page)
    page.screenshot(path=str(artifacts / "database_back_after_retry.png"))

    # Stopped again, and started without anyone pressing Retry: the page finds it by itself.
    _pg_ctl(server, "stop")
    page.reload()
    page.get_by_text(NOT_AVAILABLE).wait_for(timeout=60_000)
    _pg_ctl(server, "start")
    _wait_for_map(page)  # within the 15 s check (the wait allows 60)
    assert NOT_AVAILABLE not in _page_text(page)
    context.close()


@pytest.fixture
def broken_app(tmp_path: Path, artifacts: Path) -> Iterator[StreamlitServer]:
    """A SQLite file claiming the current schema but holding none of its tables: a bug, not an outage."""
    path = tmp_path / "broken.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    conn.execute("INSERT INTO alembic_version VALUES (?)", (head_revision(),))
    conn.commit()
    conn.close()
    app = StreamlitServer(ROOT, f"sqlite:///{path}", artifacts / "streamlit_broken.log").start()
    yield app
    app.stop()


@pytest.mark.browser
def test_an_unexpected_error_shows_no_details_in_chromium(browser, broken_app, artifacts):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.goto(f"{broken_app.base}/")
    page.wait_for_selector("[data-testid='stException'], [data-testid='stAlert']", timeout=60_000)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "database_unexpected_error.png"))
    shown = _page_text(page)
    assert not [
        word for word in (*LEAKS, "import_runs", "no such table", "broken.sqlite") if word in shown
    ], shown
    assert NOT_AVAILABLE not in shown  # a bug is not dressed up as an outage
    context.close()
