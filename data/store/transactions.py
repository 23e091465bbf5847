"""One writer at a time per database: the transaction every import, migration, seed and save runs in.

The importer reads the store, merges in memory and writes the result. That is only correct if
nobody writes in between: two imports started together each missed the other's facts and both
inserted them (issue 11: 1,070 inspections instead of 567). So a writing transaction takes the
database's one writer lock *before its first read*, and a second writer waits, then reads what
the first wrote, exactly as if the two had run one after the other.

* PostgreSQL: a transaction-level advisory lock, released by COMMIT, ROLLBACK or a lost
  connection (kill -9 cannot leave it held). It only orders writers; readers never wait.
* SQLite: ``BEGIN IMMEDIATE``, the RESERVED lock (readers go on until the COMMIT); a second
  writer waits up to the engine's busy timeout (``engine.SQLITE_BUSY_TIMEOUT_S``, or the URL's
  ``?timeout=``).

How long a writer waits for the lock depends on who is waiting. An import, a migration, the first
set-up and every command-line write wait as long as the other writer takes (SQLite: the busy
timeout, 60 s by default; PostgreSQL: until the lock is free): nobody is watching a spinner, and
queueing behind the other import is the right answer. A person who pressed Save in the app is
watching: after ``INTERACTIVE_WAIT_S`` they are told that nothing was saved and to try again,
rather than left waiting for a long import. The curation functions (``data/curation``) do not
know who calls them, so the caller says so around the call: ``with interactive(): edits.propose(...)``
sets a context variable (``engine.LOCK_WAIT``: it holds in that thread, or task, and nowhere
else) that ``write_transaction`` reads, and that SQLite applies to every connection checked out
meanwhile, so the reads around the save (whose role is it?) wait no longer than the save. The
app sets it once for its actions, in ``widgets/outcome.run``, and once for drawing a page
(``widgets/unavailable.guard``: a page says "busy, trying again" after seconds rather than hang
a minute), and lifts it (``waiting(None)``) for the set-up on first use, which keeps the long
wait. An explicit ``write_transaction(engine, wait=...)`` wins over the context. When the wait
runs out, the driver's own error propagates (SQLite's "database is locked", PostgreSQL's
``lock_not_available``) and ``store.errors`` names it *locked*; the transaction never began
writing, so nothing was saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import Connection, Engine, func, select

from oversight.data.store import engine as engines

#: The advisory lock key of "writing the tracker" (any constant the project owns; advisory locks
#: are per database, so other databases on the same server are not affected).
WRITER_LOCK_KEY = 0x6F76_6572_7369_6768  # b"oversigh"

#: Seconds a save in the app (``interactive()``) waits for another writer before giving up.
INTERACTIVE_WAIT_S = 5.0


@contextmanager
def waiting(seconds: float | None) -> Iterator[None]:
    """Database work started inside this block waits at most ``seconds`` for another's lock
    (None: the long wait of imports and the command line, whatever an outer block said)."""
    token = engines.LOCK_WAIT.set(seconds)
    try:
        yield
    finally:
        engines.LOCK_WAIT.reset(token)


@contextmanager
def interactive() -> Iterator[None]:
    """A person is waiting: ``INTERACTIVE_WAIT_S`` at most for another writer (``waiting``)."""
    with waiting(INTERACTIVE_WAIT_S):
        yield


@contextmanager
def write_transaction(engine: Engine, wait: float | None = None) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's writer lock from its start.

    ``wait``: the most seconds to wait for another writer's lock (default: the context's, see
    ``waiting``, else the long wait). Commits when the block ends, rolls back (and releases the
    lock) on any exception.
    """
    limit = wait if wait is not None else engines.LOCK_WAIT.get()
    with ExitStack() as stack:
        with waiting(limit):  # the connection is checked out (its SQLite busy timeout set) here
            conn = stack.enter_context(engine.connect())
        if conn.dialect.name == "sqlite":
            conn.execution_options(**{engines.SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                _postgresql_writer_lock(conn, limit)
            yield conn


def _postgresql_writer_lock(conn: Connection, seconds: float | None) -> None:
    """The advisory lock; with ``seconds``, ``lock_timeout`` bounds the wait for it only (it is put
    back for the rest of the transaction: once the lock is held, writers are ordered)."""
    if seconds is None:
        conn.execute(select(func.pg_advisory_xact_lock(WRITER_LOCK_KEY)))
        return
    before = conn.execute(select(func.current_setting("lock_timeout"))).scalar_one()
    ms = max(1, round(seconds * 1000))  # 0 would mean "no limit"
    conn.execute(select(func.set_config("lock_timeout", f"{ms}ms", True)))
    conn.execute(select(func.pg_advisory_xact_lock(WRITER_LOCK_KEY)))
    conn.execute(select(func.set_config("lock_timeout", before, True)))
