"""One writer at a time per database: the transaction every import, migration and seed runs in.

The importer reads the store, merges in memory and writes the result. That is only correct if
nobody writes in between: two imports started together each missed the other's facts and both
inserted them (issue 11: 1,070 inspections instead of 567). So a writing transaction takes the
database's one writer lock *before its first read*, and a second writer waits, then reads what
the first wrote, exactly as if the two had run one after the other.

* PostgreSQL: a transaction-level advisory lock, released by COMMIT, ROLLBACK or a lost
  connection (kill -9 cannot leave it held). It only orders writers; readers never wait.
* SQLite: ``BEGIN IMMEDIATE``, the RESERVED lock (readers go on until the COMMIT); a second
  writer waits up to the engine's busy timeout (``engine.SQLITE_BUSY_TIMEOUT_S``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, func, select

from oversight.data.store import engine as engines

#: The advisory lock key of "writing the tracker" (any constant the project owns; advisory locks
#: are per database, so other databases on the same server are not affected).
WRITER_LOCK_KEY = 0x6F76_6572_7369_6768  # b"oversigh"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's writer lock from its start.

    Commits when the block ends, rolls back (and releases the lock) on any exception.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.execution_options(**{engines.SQLITE_BEGIN: "IMMEDIATE"})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(select(func.pg_advisory_xact_lock(WRITER_LOCK_KEY)))
            yield conn
