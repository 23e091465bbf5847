"""Drill 4 (issue 23): ``oversight refresh`` while visitors browse.

The service (``tests/deploy_support``) runs on a PostgreSQL database holding the register and
the seed only; visitors without a browser (``tests/streamlit_session``) keep rerunning the map
and Birmingham's page while ``oversight refresh`` downloads the 2024 Ofsted release from a local
mirror (as ``tests/test_cli_refresh`` serves one) and imports it in one transaction.

To see inside that transaction, the drill holds a SHARE lock on ``fact_sources``, the table the
importer writes after every fact (``importer._write_links``): the refresh then waits with its
import run, inspections and judgements written but not committed, for as long as the drill
looks. Pages rendered meanwhile must show the old data; after the commit, the new. And every
render shows one whole state: its text is exactly an old render's or a new one's (the layers line,
the map's counts, the latest judgement: all from one data version), each visitor switching once.
Without ``widgets.cache.unmoved`` a page being drawn at the commit showed the old layers line
beside the new judgements (this drill saw it in about one run in three); now such a run is drawn
again (``Render.redrawn``), and what stays on the page is whole.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text

from oversight import cli
from oversight.data import bootstrap
from oversight.data.downloads import fetch, registry
from tests.deploy_support import Service, record, service
from tests.pgserver import PgServer
from tests.replica_support import run_async, streams
from tests.streamlit_session import OK, Page, Render, Session, Visitors
from tests.test_downloads_fetch import LA_2024, serve_folder, write_registry

pytestmark = pytest.mark.postgres

#: One date for both: a session keeps the date its first page set (the sidebar's filter).
MAP = Page("", "as_at=2024-06-01")
AUTHORITY = Page("authority", "la=E08000025&as_at=2024-06-01")
PAGES = (MAP, AUTHORITY)
#: The table the importer writes last (after the facts); the drill's lock holds the commit back.
HELD_TABLE = "fact_sources"


@pytest.fixture
def database(pg_server: PgServer) -> Iterator[str]:
    """A migrated, seeded database of its own on the session's PostgreSQL."""
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    name = f"drill_refresh_{time.monotonic_ns()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = pg_server.url(name)
    bootstrap.ready_engine(url)
    yield url
    bootstrap.forget(url)


@pytest.fixture
def app(database: str, tmp_path: Path) -> Iterator[Service]:
    with service(database, tmp_path / "service") as running:
        yield running


@pytest.fixture
def mirror_of_2024(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A mirror serving the 2024 release, and a registry naming only it (the 2026 release has no
    shared copy: ``tests/test_cli_refresh``)."""
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)
    entries = [e for e in registry.load_registry() if e.target == LA_2024]
    monkeypatch.setattr(registry, "REGISTRY_PATH", write_registry(entries, tmp_path / "downloads.csv"))
    with serve_folder(tmp_path / "mirror") as served:
        served.put(LA_2024, data_dir / LA_2024)
        yield served


class Refresh(threading.Thread):
    """``oversight refresh`` as an operator runs it, beside the visitors."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(daemon=True)
        self.argv, self.code, self.ended = argv, None, 0.0

    def run(self) -> None:
        self.code = cli.main(self.argv)
        self.ended = time.monotonic()


def _holds(conn: Connection, mode: str, relation: str, granted: bool) -> bool:
    """Whether another session has (``granted``) or waits for (not) ``mode`` on ``relation``."""
    return bool(
        conn.execute(
            text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = :rel AND l.mode = :mode AND l.granted = :granted "
                "AND l.pid <> pg_backend_pid()"
            ),
            {"rel": relation, "mode": mode, "granted": granted},
        ).scalar_one()
    )


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {timeout:.0f} s")


def _every_visitor_rendered_since(renders: list[Render], since: float, count: int, visitors: int) -> bool:
    return all(sum(r.visitor == v and r.started > since for r in renders) >= count for v in range(visitors))


def test_a_refresh_is_seen_whole_and_only_after_its_commit(
    app: Service, database: str, mirror_of_2024, tmp_path: Path, capsys, artifacts: Path
):
    visitors_n = 4
    lock_engine = create_engine(database)
    with Visitors(app.url, PAGES, count=visitors_n, pause=0.1) as visitors:
        visitors.wait_for(
            lambda rs: _every_visitor_rendered_since(rs, 0, 2, visitors_n),
            90,
            "visitors did not get their pages",
        )
        before_refresh = time.monotonic()

        with lock_engine.connect() as holder, lock_engine.connect() as watcher:
            holder.execute(text(f"LOCK TABLE {HELD_TABLE} IN SHARE MODE"))  # held until rollback
            refresh = Refresh(
                [
                    "refresh",
                    "--data-dir",
                    str(tmp_path / "data"),
                    "--database",
                    database,
                    "--mirror",
                    mirror_of_2024.url,
                ]
            )
            refresh.start()
            _wait(
                lambda: (
                    not refresh.is_alive() or _holds(watcher, "RowExclusiveLock", HELD_TABLE, granted=False)
                ),
                120,
                "the refresh did not reach its last write",
            )
            assert refresh.is_alive(), capsys.readouterr().err
            # The transaction is open and has written its facts, uncommitted.
            assert _holds(watcher, "RowExclusiveLock", "inspections", granted=True)
            assert _holds(watcher, "RowExclusiveLock", "import_runs", granted=True)
            blocked = time.monotonic()
            visitors.wait_for(
                lambda rs: _every_visitor_rendered_since(rs, blocked, 2, visitors_n),
                90,
                "visitors did not render during the open transaction",
            )
            arriving = run_async(_visit(app.url))  # a visitor arriving meanwhile
            assert refresh.is_alive()
            released = time.monotonic()
            holder.rollback()  # the refresh goes on and commits

        refresh.join(120)
        assert refresh.code == 0, capsys.readouterr().err
        committed = refresh.ended
        visitors.wait_for(
            lambda rs: _every_visitor_rendered_since(rs, committed, 2, visitors_n),
            90,
            "visitors did not render after the commit",
        )
    lock_engine.dispose()
    renders = visitors.seen()
    assert visitors.errors == []
    assert [r for r in renders if r.status != OK] == [], [
        (r.status, r.exceptions) for r in renders if r.status != OK
    ]

    old = {p: _one_state([r for r in renders if r.page == p and r.finished < before_refresh]) for p in PAGES}
    new = {p: _one_state([r for r in renders if r.page == p and r.started > committed]) for p in PAGES}
    for page in PAGES:
        assert old[page] != new[page], page
    assert _layers(old[MAP]).startswith("Judgements to 1 May 2018")  # the seed's newest
    assert not _layers(new[MAP]).startswith("Judgements to 1 May 2018")  # the release's
    assert _judgement(old[AUTHORITY]).startswith("**Not yet inspected**")  # the seed has none
    assert _judgement(new[AUTHORITY]).startswith("**Good**")  # Birmingham's 2022 inspection

    # Every render is one whole state, the old one until the commit (during the open transaction
    # too), the new one after; each visitor switches once.
    states = [(r, _state_of(r, old, new)) for r in renders]
    assert [r.texts for r, s in states if s is None] == []
    assert [r for r, s in states if r.finished < released and s != "old"] == []
    assert [r for r, s in states if r.started > committed and s != "new"] == []
    assert [r.status for r in arriving] == [OK, OK]
    assert [_state_of(r, old, new) for r in arriving] == ["old", "old"]
    for v in range(visitors_n):
        seq = [s for r, s in states if r.visitor == v]
        assert seq == sorted(seq, key=("old", "new").index), (v, seq)
    record(
        artifacts,
        "drill-refresh",
        {
            "processes": 2,
            # nginx spreads cookie-less sessions at random: usually both, now and then one
            "processes_that_served_a_session": len({port for port, _ in streams(app.replicas, 4)}),
            "visitors": visitors_n,
            "renders": len(renders),
            "renders_in_the_open_transaction": sum(
                blocked < r.started and r.finished < released for r in renders
            ),
            "renders_drawn_again_after_the_commit": sum(r.redrawn for r in renders),
            "commit_to_every_visitor_new_s": round(
                max(
                    min(r.finished for r, s in states if r.visitor == v and s == "new")
                    for v in range(visitors_n)
                )
                - committed,
                1,
            ),
        },
    )


def _one_state(renders: list[Render]) -> tuple[str, ...]:
    """The text every one of these renders showed (they must agree: one data version)."""
    shown = {tuple(r.texts) for r in renders}
    assert len(shown) == 1, shown
    return shown.pop()


def _state_of(render: Render, old: dict, new: dict) -> str | None:
    texts = tuple(render.texts)
    return "old" if texts == old[render.page] else "new" if texts == new[render.page] else None


def _judgement(texts: tuple[str, ...]) -> str:
    """The authority page's latest judgement: the line under its heading."""
    at = next(i for i, t in enumerate(texts) if t.startswith("#### Latest Ofsted judgement"))
    return texts[at + 1]


def _layers(texts: tuple[str, ...]) -> str:
    return next(t for t in texts if t.startswith("Judgements"))


async def _visit(base: str) -> list[Render]:
    session = await Session.open(base)
    try:
        return [await session.render(page) for page in PAGES]
    finally:
        await session.close()
