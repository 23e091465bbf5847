"""How long a save waits for another writer: a few seconds from the app, the long wait elsewhere.

Another writer holds the database's writer lock on its own connection (an import in the middle of
writing); a save inside ``interactive()`` (what the app's ``widgets/outcome.run`` does) gives up
after ``INTERACTIVE_WAIT_S`` having written nothing, and the same save without it (an import, the
command line) waits and then succeeds. Both backends: SQLite's busy timeout, PostgreSQL's
``lock_timeout`` on the advisory lock. On SQLite the context bounds reads too (a writer's
EXCLUSIVE lock stops them), except inside ``waiting(None)`` (the app's first set-up).
"""

from __future__ import annotations

import contextvars
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from oversight.data import bootstrap
from oversight.data.curation import users
from oversight.data.curation.roles import OPERATOR
from oversight.data.store.errors import LOCKED, classify
from oversight.data.store.transactions import INTERACTIVE_WAIT_S, interactive, waiting, write_transaction

EMAIL = "waiting@example.org"


def _granted(engine: Engine) -> bool:
    return EMAIL in [u.email for u in users.list_users(engine)]


def test_an_interactive_save_gives_up_after_a_few_seconds_and_writes_nothing(
    fresh_engine: Engine, empty_url: str
):
    with write_transaction(fresh_engine):  # another writer, holding the lock
        start = time.monotonic()
        with pytest.raises(Exception) as caught, interactive():
            users.grant(fresh_engine, OPERATOR, EMAIL, "editor")
        took = time.monotonic() - start
    assert INTERACTIVE_WAIT_S - 0.5 <= took < 10, took
    problem = classify(caught.value, empty_url)
    assert problem is not None and problem.kind == LOCKED, caught.value
    assert not _granted(fresh_engine)

    with interactive():  # the lock is free: the same save goes through at once
        users.grant(fresh_engine, OPERATOR, EMAIL, "editor")
    assert _granted(fresh_engine)


def test_an_explicit_wait_wins(fresh_engine: Engine):
    with write_transaction(fresh_engine):
        start = time.monotonic()
        with pytest.raises(OperationalError), interactive(), write_transaction(fresh_engine, wait=0.2):
            pass
    assert time.monotonic() - start < INTERACTIVE_WAIT_S - 1


def test_a_save_outside_the_app_waits_for_the_other_writer(fresh_engine: Engine):
    """The command line, an import, a migration: no ``interactive()``, the long wait."""
    with ThreadPoolExecutor(1) as pool:
        with write_transaction(fresh_engine), interactive():  # the holder's context is not the waiter's
            future = pool.submit(users.grant, fresh_engine, OPERATOR, EMAIL, "editor")
            time.sleep(INTERACTIVE_WAIT_S + 1.5)
            assert not future.done(), future.exception() if future.done() else None
        future.result(timeout=60)
    assert _granted(fresh_engine)


def test_the_connection_keeps_its_long_wait_after_an_interactive_save(fresh_engine: Engine):
    with waiting(0.5):
        users.grant(fresh_engine, OPERATOR, EMAIL, "editor")
    with fresh_engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 60_000
        else:
            assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "0"
    if fresh_engine.dialect.name == "postgresql":  # and inside the transaction, once the lock is held
        with waiting(0.5), write_transaction(fresh_engine) as conn:
            assert conn.execute(text("SHOW lock_timeout")).scalar_one() == "0"


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[tuple[Path, Engine]]:
    path = tmp_path / "store.sqlite"
    yield path, bootstrap.ready_engine(f"sqlite:///{path}")
    bootstrap.forget(f"sqlite:///{path}")


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM authorities")).scalar_one()


def test_sqlite_reads_in_the_context_wait_no_longer_than_the_save(sqlite_engine):
    """SQLite's EXCLUSIVE lock (a writer committing) stops readers too: a read in ``interactive()``
    (the role check before a save, a page being drawn) gives up as soon as the save would."""
    path, engine = sqlite_engine
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        with pytest.raises(OperationalError) as caught, interactive():
            _count(engine)
        assert time.monotonic() - start < INTERACTIVE_WAIT_S + 2
        assert classify(caught.value, f"sqlite:///{path}").kind == LOCKED

        with ThreadPoolExecutor(1) as pool, interactive(), waiting(None):  # the first set-up's long wait
            future = pool.submit(contextvars.copy_context().run, _count, engine)
            time.sleep(INTERACTIVE_WAIT_S + 1.5)
            assert not future.done()
            holder.rollback()
            assert future.result(timeout=30) > 100
    finally:
        holder.close()


def test_a_url_with_a_shorter_timeout_keeps_it_in_the_context(tmp_path):
    path = tmp_path / "store.sqlite"
    url = f"sqlite:///{path}?timeout=0.3"
    engine = bootstrap.ready_engine(url)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        with pytest.raises(OperationalError), interactive():
            _count(engine)
        assert time.monotonic() - start < 2
    finally:
        holder.rollback()
        holder.close()
        bootstrap.forget(url)
