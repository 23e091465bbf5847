"""A save in the app when the tracker database cannot take it (AppTest).

Another writer holds the database (both backends): an import, here a transaction holding the
writer lock on its own connection, keeps it for as long as it takes; an editor who presses Propose
meanwhile is told within seconds that nothing was saved and to try again, and nothing is saved.
Once the other writer is done, the same click goes through. While SQLite is locked even for
readers (a writer's EXCLUSIVE lock), the answer still comes in seconds, not minutes. A SQLite file deleted under the
running app is said to be deleted (SQLite itself calls it read-only), without its path.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets.outcome import BUSY
from oversight.components.widgets.unavailable import KEY_RETRY
from oversight.data import bootstrap
from oversight.data.curation import history
from oversight.data.store.transactions import INTERACTIVE_WAIT_S, write_transaction
from tests import hostile_data as hd
from tests.conftest import BACKENDS, _new_url
from tests.curation_support import EDITOR, grant_everyone
from tests.test_app_curation import FORM, _open, devon, propose_devon


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, loaded_sqlite_url, tmp_path) -> Iterator[tuple[str, Engine]]:
    """A store these tests write to, with the test people's roles."""
    if request.param == "sqlite":
        url = hd.copy_sqlite(loaded_sqlite_url, tmp_path)
    else:
        url = _new_url("postgresql", request, tmp_path)
    engine = bootstrap.ready_engine(url)
    grant_everyone(engine)
    yield url, engine
    bootstrap.forget(url)


def test_a_save_while_another_writer_holds_the_database_says_busy_and_saves_nothing(
    monkeypatch, store, data_dir
):
    url, engine = store
    at = devon(_open(monkeypatch, url, data_dir), EDITOR)
    with write_transaction(engine):  # another import, in the middle of writing
        start = time.monotonic()
        propose_devon(at)
        took = time.monotonic() - start
    assert took < INTERACTIVE_WAIT_S + 10, took  # the wait, and drawing the page again
    assert [e.value for e in at.error] == [markdown(BUSY)]
    assert not [s.value for s in at.success]
    assert not history.open_proposals(engine), "nothing was saved"
    assert at.text_input(key=FORM + "title").value == "DfE-appointed improvement adviser", (
        "what was typed is kept"
    )

    propose_devon(at)  # the other writer is done: the same form goes through
    assert not at.error
    assert [s.value for s in at.success][0].startswith(markdown("Proposed"))
    assert len(history.open_proposals(engine)) == 1


def test_a_save_after_the_database_file_was_deleted_says_deleted_not_read_only(
    monkeypatch, loaded_sqlite_url, tmp_path, data_dir
):
    url = hd.copy_sqlite(loaded_sqlite_url, tmp_path)
    grant_everyone(bootstrap.ready_engine(url))
    try:
        at = devon(_open(monkeypatch, url, data_dir), EDITOR)
        path = Path(url.removeprefix("sqlite:///"))
        path.unlink()  # while the app has it open
        propose_devon(at)
    finally:
        bootstrap.forget(url)
    [error] = [e.value for e in at.error]
    assert error == markdown(
        "Nothing was saved: the tracker database is not available (its file has been deleted)."
    )
    assert "read-only" not in error and path.name not in error.replace("\\", "")


def test_a_save_while_sqlite_is_locked_even_for_readers_answers_in_seconds(
    monkeypatch, loaded_sqlite_url, tmp_path, data_dir
):
    url = hd.copy_sqlite(loaded_sqlite_url, tmp_path)
    engine = bootstrap.ready_engine(url)
    grant_everyone(engine)
    try:
        at = devon(_open(monkeypatch, url, data_dir), EDITOR)
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # a writer committing: readers wait too
        try:
            start = time.monotonic()
            propose_devon(at)  # the save's role check gives up, then the page's first read
            took = time.monotonic() - start
        finally:
            holder.rollback()
            holder.close()
        assert took < 2 * INTERACTIVE_WAIT_S + 10, took  # was over three minutes
        assert [e.value for e in at.error] == [
            "The tracker database is not available right now (it is busy with another change). "
            "The page will try again."
        ]
        assert not history.open_proposals(engine), "nothing was saved"
        at.button(key=KEY_RETRY).click().run()  # the database answers again: the save's outcome
        assert [e.value for e in at.error] == [markdown(BUSY)]
    finally:
        bootstrap.forget(url)
