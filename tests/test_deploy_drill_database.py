"""Drill 2 (issue 23): PostgreSQL restarts while visitors browse.

The service (``tests/deploy_support``: the app's processes behind the proxy) runs on a PostgreSQL
of its own, which the drill stops and starts again on the same port and data directory
(``PgServer.halt``/``start``), as an operator's restart or a failover does. Meanwhile visitors
without a browser (``tests/streamlit_session``) keep rerunning the map and an authority page, and
one Chromium tab keeps an authority page open.

While the server is down every page shows ``widgets/unavailable``'s "not available right now …
The page will try again", never an exception element or a traceback. Once it is back, each page
that showed the message comes back *by itself* (its fragment checks every ``RETRY_SECONDS`` and
reruns the page: nobody clicks), and new visitors get their pages (dead pooled connections are
replaced: ``pool_pre_ping``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from oversight.components.widgets.unavailable import RETRY_SECONDS
from oversight.data import bootstrap
from tests.deploy_support import Service, record, service
from tests.pgserver import PgServer
from tests.replica_support import run_async, streams
from tests.streamlit_session import (
    EXCEPTION,
    OK,
    SHOWS_UNAVAILABLE,
    UNAVAILABLE,
    Page,
    Session,
    Visitors,
)

pytestmark = [pytest.mark.postgres, pytest.mark.browser]

MAP = Page("", "as_at=2018-05-17")
AUTHORITY = Page("authority", "la=E08000025&as_at=2018-05-17")
#: A page comes back within one retry interval of the server's return, plus a busy machine's rerun.
BACK_WITHIN = RETRY_SECONDS * 2 + 30


@pytest.fixture
def own_pg() -> Iterator[PgServer]:
    """A PostgreSQL of the drill's own (the session's shared server must not be restarted)."""
    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture
def app(own_pg: PgServer, tmp_path: Path) -> Iterator[Service]:
    """The service on a migrated, seeded database of ``own_pg``."""
    admin = create_engine(own_pg.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "drill"'))
    admin.dispose()
    url = own_pg.url("drill")
    bootstrap.ready_engine(url)
    bootstrap.forget(url)
    with service(url, tmp_path / "service") as running:
        yield running


def test_a_postgresql_restart_shows_the_message_then_every_page_comes_back_by_itself(
    app: Service, own_pg: PgServer, browser, artifacts: Path
):
    tab = browser.new_page(ignore_https_errors=True)
    with Visitors(app.url, [MAP, AUTHORITY], count=4) as visitors:
        visitors.wait_for(
            lambda rs: sum(r.status == OK for r in rs) >= 8, 60, "visitors did not get their pages"
        )
        tab.goto(f"{app.url}/authority?la=E08000025&as_at=2018-05-17")
        tab.get_by_role("heading", name="Birmingham", exact=True).wait_for(timeout=60_000)

        down = time.monotonic()
        own_pg.halt()
        visitors.wait_for(
            lambda rs: sum(r.status == SHOWS_UNAVAILABLE and r.finished > down for r in rs) >= 3,
            60,
            "no page said the database is not available",
        )
        tab.reload()  # a visitor arriving while the server is down
        tab.get_by_text(UNAVAILABLE).wait_for(timeout=60_000)
        assert "The page will try again" in tab.get_by_role("alert").first.inner_text()
        assert tab.locator("[data-testid='stException']").count() == 0
        tab.screenshot(path=str(artifacts / "drill-database-down.png"), full_page=True)

        first_message = min(r.finished for r in visitors.seen() if r.status == SHOWS_UNAVAILABLE) - down
        own_pg.start()
        up = time.monotonic()
        # The tab nobody touches comes back: its fragment checks, then reruns the page.
        tab.get_by_role("heading", name="Birmingham", exact=True).wait_for(timeout=BACK_WITHIN * 1000)
        tab_back = time.monotonic() - up
        assert tab.get_by_text(UNAVAILABLE).count() == 0
        assert tab.locator("[data-testid='stException']").count() == 0
        tab.screenshot(path=str(artifacts / "drill-database-back.png"), full_page=True)
        # Every visitor who saw the message got their page back by itself (no request of theirs).
        renders = visitors.wait_for(
            lambda rs: _all_came_back(rs, down),
            BACK_WITHIN,
            "a page that showed the message did not come back",
        )
        assert visitors.errors == []
    tab.close()

    # A new visitor after the restart gets the pages (no dead pooled connection reaches them).
    fresh = run_async(_visit([MAP, AUTHORITY], app.url))
    assert [r.status for r in fresh] == [OK, OK], [r.texts for r in fresh]

    assert [r for r in renders if r.status == EXCEPTION] == []
    shown = [r for r in renders if r.status == SHOWS_UNAVAILABLE]
    assert shown and all(r.has("The page will try again") for r in shown)
    back = [r for r in renders if r.by_itself]
    assert back and all(r.status == OK and r.finished > up for r in back)
    for log in app.logs:
        assert "Traceback" not in log.read_text(errors="replace"), log
    record(
        artifacts,
        "drill-database",
        {
            "processes": 2,
            # nginx spreads cookie-less sessions at random: usually both, now and then one
            "processes_that_served_a_session": len({port for port, _ in streams(app.replicas, 4)}),
            "visitors": 4,
            "renders": len(renders),
            "first_message_after_stop_s": round(first_message, 1),
            "tab_back_after_start_s": round(tab_back, 1),
            "visitors_back_after_start_s": round(max(r.finished for r in back) - up, 1),
            "retry_seconds": RETRY_SECONDS,
        },
    )


def _all_came_back(renders, down: float) -> bool:
    """Each session's message (after ``down``) was followed by a render it did not ask for, showing the page."""
    waiting = [i for i, r in enumerate(renders) if r.status == SHOWS_UNAVAILABLE and r.finished > down]
    return bool(waiting) and all(
        any(
            r.by_itself and r.status == OK and r.visitor == renders[i].visitor and r.page == renders[i].page
            for r in renders[i + 1 :]
        )
        for i in waiting
    )


async def _visit(pages: list[Page], base: str):
    session = await Session.open(base)
    try:
        return [await session.render(page) for page in pages]
    finally:
        await session.close()
