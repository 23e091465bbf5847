"""Drill 1 (issue 23): kill one app process during a load run.

Two ``streamlit run`` processes behind nginx (``oversight.cli.replicas.Replicas``) on a throwaway
PostgreSQL with the Ofsted releases imported; a fact saved (proposed and approved) before the
drill; a light load run in the background (``tests/drill_load``); Chromium on Devon's authority
page with its view in the URL. The process serving the browser (nginx's access log names it) is
killed with SIGKILL. Then: the page comes back by itself through the proxy on the other process,
at the same URL, with the same council and date; it says in words that unsaved input may have
been lost (``widgets/reconnect``); the saved fact is still there; the load run's sessions
reconnect, with errors only during the switch (at most a few per session) and none after; no
traceback in the page, the load run or any process's log. Screenshots before and after go to
tests/artifacts. Needs nginx (Debian: nginx-core); skipped without it.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from oversight.cli.certificates import self_signed
from oversight.cli.replicas import Replicas, nginx_binary
from oversight.components.widgets import reconnect
from oversight.data import bootstrap
from oversight.data.curation import edits
from oversight.data.sources.importer import import_paths
from tests import curation_support as cs
from tests.browser import free_port
from tests.drill_load import LoadRun

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.skipif(
        nginx_binary() is None, reason="nginx is not installed (Debian: apt-get install nginx-core)"
    ),
]

VIEW = "/authority?la=E10000008&as_at=2024-05-01"
SAVED = cs.DEVON_ADVISER["title"]
#: Seconds the switch may take: the browser's reconnect back-off and the new process's first run.
SWITCH_S = 30.0


@pytest.fixture(scope="module")
def pg_url(pg_server, release_paths) -> str:
    """The releases imported into a database of its own, and a fact saved through the ledger."""
    name = f"drill_kill_{os.getpid()}"
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg_server.url(name)
    engine = bootstrap.ready_engine(url)
    import_paths(engine, release_paths)
    cs.grant_everyone(engine)
    edits.approve(engine, cs.REVIEWER, edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER))
    bootstrap.forget(url)
    return url


@pytest.fixture
def service(pg_url: str, tmp_path: Path):
    with Replicas(
        pg_url,
        2,
        workdir=tmp_path,
        https_port=free_port(),
        app_ports=[free_port(), free_port()],
        certificate=self_signed(tmp_path / "tls", "oversight.test"),
    ) as replicas:
        yield replicas


def _serving(replicas: Replicas, path: str) -> int:
    """Which process answered the browser's request for ``path`` (the access log's upstream)."""
    pattern = re.compile(rf'"GET {re.escape(path)} HTTP/[0-9.]+" \d+ \d+ upstream=(\S+)')
    found = [m.group(1) for m in map(pattern.search, replicas.access_log.read_text().splitlines()) if m]
    assert found, f"no request for {path} in {replicas.access_log}"
    port = int(found[-1].split(",")[-1].strip().rsplit(":", 1)[1])  # the last one tried answered
    return replicas.app_ports.index(port)


def _drawn(page) -> None:
    page.get_by_role("heading", name="Devon").first.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )


def test_kill_the_process_serving_a_browser_during_a_load_run(service: Replicas, browser, artifacts):
    load = LoadRun(service.url, sessions=4).start()
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, ignore_https_errors=True)
    page = context.new_page()
    note = page.get_by_text(reconnect.NOTE)
    try:
        page.goto(service.url + VIEW)
        _drawn(page)
        page.get_by_text(SAVED).first.wait_for(timeout=30_000)
        assert note.count() == 0
        page.screenshot(path=str(artifacts / "drill_kill_before.png"))
        victim = _serving(service, VIEW)
        survivor = 1 - victim
        deadline = time.monotonic() + 90
        while len({e.session for e in load.done()}) < load.sessions:  # every session has run a page
            assert time.monotonic() < deadline, load.errors()
            time.sleep(0.5)

        killed_at = time.monotonic()
        service.kill(victim)
        assert service.pids[victim] == 0 and service.pids[survivor]

        note.wait_for(timeout=SWITCH_S * 1000)  # the page came back by itself, on the survivor
        _drawn(page)
        switched = time.monotonic() - killed_at
        page.screenshot(path=str(artifacts / "drill_kill_after.png"))
        assert page.url == service.url + VIEW  # the same page and view, from the URL
        assert page.get_by_role("heading", name="Devon").first.is_visible()
        assert page.get_by_text("Intervention level as at 1 May 2024").first.is_visible()  # the date
        assert page.get_by_text(SAVED).first.is_visible()  # the fact saved before the kill
        assert page.locator("[data-testid='stException']").count() == 0

        # The load run goes on: every session runs pages again after the kill, and errors stop.
        settle = time.monotonic()
        deadline = settle + 60
        while len({e.session for e in load.done(after=settle)}) < load.sessions:
            assert time.monotonic() < deadline, load.errors(after=killed_at)
            time.sleep(0.5)
        time.sleep(3)
    finally:
        load.stop()
        context.close()
    during = load.errors(after=killed_at)
    assert all(e.at - killed_at < SWITCH_S for e in during), during  # none after the switch
    assert len(during) <= 2 * load.sessions, during  # at most a dropped connection and a retry each
    assert [e for e in load.errors() if e.at < killed_at] == []  # none before the kill
    assert not [e for e in load.events if "exception" in e.what]
    for i in range(2):
        assert "Traceback" not in service.app_log(i).read_text()
    print(
        f"\ndrill 1: browser back on process {survivor} after {switched:.1f} s; "
        f"load errors during the switch: {len(during)} ({sorted({e.what.split(':')[0] for e in during})}), "
        f"pages done after it: {len(load.done(after=killed_at))}"
    )
