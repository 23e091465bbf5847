"""A database that cannot be used, named for its cause: locked, read-only, deleted, unreachable.

Each case makes the real condition (a writer holding the lock on another connection, a read-only
URI or a read-only PostgreSQL session, a SQLite file unlinked under an open engine, a port nobody
listens on), meets it through ``write_transaction`` as every save does, and checks the kind, the
command line's sentence (which names the database) and the app's words (which never do).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from oversight.data import bootstrap
from oversight.data.curation import users
from oversight.data.curation.roles import OPERATOR
from oversight.data.store import errors
from oversight.data.store.errors import DELETED, LOCKED, READ_ONLY, UNREACHABLE, StoreUnavailable, classify
from oversight.data.store.transactions import write_transaction
from tests.browser import free_port
from tests.conftest import _new_url


def _grant(engine: Engine, **wait: float) -> None:
    """A save as the app and the command line make one (a role, under the writer lock)."""
    if wait:
        with write_transaction(engine, **wait) as conn:
            conn.execute(text("SELECT 1"))
        return
    users.grant(engine, OPERATOR, "someone@example.org", "editor")


def _problem(engine: Engine, url: str, **wait: float) -> StoreUnavailable:
    with pytest.raises(Exception) as caught:
        _grant(engine, **wait)
    problem = classify(caught.value, url)
    assert problem is not None, caught.value
    return problem


def _public(problem: StoreUnavailable, *secrets: str) -> None:
    """The app's words name no file, URL, host or port."""
    for words in (problem.reason, errors._REASONS[problem.kind]):
        for secret in (*secrets, "sqlite", "postgres", "127.0.0.1", "localhost", "/"):
            assert secret not in words, (secret, words)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "store.sqlite"
    bootstrap.ready_engine(f"sqlite:///{path}")
    yield path
    bootstrap.forget(f"sqlite:///{path}")


def test_locked_is_another_writer_on_both_backends(fresh_engine: Engine, empty_url: str):
    with write_transaction(fresh_engine):  # another import or save, holding the writer lock
        problem = _problem(fresh_engine, empty_url, wait=0.3)
    assert problem.kind == LOCKED and problem.transient
    assert problem.reason == "it is busy with another change"
    assert "is locked" in problem.one_line() and "try again" in problem.one_line()
    _public(problem)


def test_locked_by_begin_immediate_on_another_sqlite_connection(sqlite_file: Path):
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        url = f"sqlite:///{sqlite_file}"
        problem = _problem(bootstrap.ready_engine(url), url, wait=0.3)
    finally:
        holder.rollback()
        holder.close()
    assert problem.kind == LOCKED
    _public(problem, str(sqlite_file))


def test_read_only_sqlite_uri(sqlite_file: Path):
    url = f"sqlite:///file:{sqlite_file}?mode=ro&uri=true"
    try:
        problem = _problem(bootstrap.ready_engine(url), url)
    finally:
        bootstrap.forget(url)
    assert problem.kind == READ_ONLY and not problem.transient
    assert problem.one_line().startswith(f"the database is read-only ({url})")
    assert "write access" in problem.one_line()
    _public(problem, str(sqlite_file))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod")
def test_read_only_sqlite_file_by_chmod(sqlite_file: Path):
    url = f"sqlite:///{sqlite_file}"
    bootstrap.forget(url)  # a new connection, opened on the read-only file
    sqlite_file.chmod(0o444)
    try:
        problem = _problem(bootstrap.ready_engine(url), url)
    finally:
        sqlite_file.chmod(0o644)
    assert problem.kind == READ_ONLY


def test_a_sqlite_file_deleted_while_the_engine_is_open_is_deleted_not_read_only(sqlite_file: Path):
    url = f"sqlite:///{sqlite_file}"
    engine = bootstrap.ready_engine(url)
    with engine.connect() as conn:  # the pool holds an open connection to the file
        conn.execute(text("SELECT count(*) FROM authorities")).scalar_one()
    sqlite_file.unlink()
    problem = _problem(engine, url)
    assert problem.kind == DELETED and not problem.transient
    assert problem.reason == "its file has been deleted"
    assert problem.one_line().startswith(f"the database file has been deleted (sqlite:///{sqlite_file})")
    _public(problem, str(sqlite_file))


def test_a_missing_sqlite_file_that_says_read_only_is_deleted(tmp_path: Path):
    """A read-only or I/O error from SQLite on a file that is no longer there (the check by path,
    for errors that carry no DBMOVED code)."""
    gone = tmp_path / "gone.sqlite"
    url = f"sqlite:///{gone}"
    error = sqlite3.OperationalError("attempt to write a readonly database")
    wrapped = OperationalError("INSERT ...", {}, error)
    assert classify(wrapped, url).kind == DELETED
    gone.write_bytes(b"")
    assert classify(wrapped, url).kind == READ_ONLY  # there: truly read-only


def test_a_file_that_never_existed_cannot_be_opened_rather_than_deleted(tmp_path: Path):
    url = f"sqlite:///file:{tmp_path / 'never.sqlite'}?mode=ro&uri=true"
    try:
        with pytest.raises(Exception) as caught:
            bootstrap.ready_engine(url)
    finally:
        bootstrap.forget(url)
    problem = classify(caught.value, url)
    assert problem is not None and problem.kind == errors.CANNOT_OPEN


@pytest.mark.postgres
def test_read_only_postgresql(request: pytest.FixtureRequest, tmp_path: Path):
    url = _new_url("postgresql", request, tmp_path)
    read_only = url + "?options=-c%20default_transaction_read_only%3Don"  # as a hot standby refuses
    try:
        bootstrap.ready_engine(url)  # set up with write access once
        problem = _problem(bootstrap.ready_engine(read_only), read_only)
    finally:
        bootstrap.forget(url)
        bootstrap.forget(read_only)
    assert problem.kind == READ_ONLY
    _public(problem)


@pytest.mark.postgres
def test_postgresql_down_is_unreachable():
    port = free_port()
    url = f"postgresql+psycopg://oversight:s3cret@127.0.0.1:{port}/tracker"
    try:
        with pytest.raises(Exception) as caught:
            bootstrap.ready_engine(url)
    finally:
        bootstrap.forget(url)
    problem = classify(caught.value, url)
    assert problem is not None and problem.kind == UNREACHABLE and problem.transient
    assert problem.one_line().startswith(f"the database cannot be reached at 127.0.0.1:{port}")
    assert "s3cret" not in problem.one_line()
    _public(problem, str(port))
