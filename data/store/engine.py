"""Engines: one per database URL per process, and nothing else.

Opening an engine never migrates, seeds or imports: that is ``oversight.data.bootstrap``'s
explicit step, so a caller always knows when the database is written.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from oversight.data import settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


#: How long a SQLite connection waits for another's write lock before "database is locked":
#: long enough for a second import to queue behind a first (the three releases take seconds).
SQLITE_BUSY_TIMEOUT_S = 60.0
#: Execution option naming how a SQLite transaction begins: "DEFERRED" (default: readers never
#: block) or "IMMEDIATE" (take the write lock before the first read; ``store.transactions``).
SQLITE_BEGIN = "oversight_sqlite_begin"
#: The most seconds a connection checked out in this context waits for another's lock, or None
#: for the engine's own busy timeout. ``store.transactions`` sets it (``interactive``: a save in
#: the app waits seconds, not a minute); on SQLite each checkout applies it (``_sqlite_checkout``),
#: reads included, so nothing in that context waits longer; PostgreSQL's writer lock reads it.
LOCK_WAIT: ContextVar[float | None] = ContextVar("oversight_lock_wait", default=None)
_BUSY_DEFAULT, _BUSY_NOW = "oversight_busy_default_ms", "oversight_busy_ms"


def _sqlite_pragmas(dbapi_conn, record) -> None:  # pragma: no cover - driver hook
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    busy = int(cur.execute("PRAGMA busy_timeout").fetchone()[0])  # the URL's ?timeout=, else ours
    record.info[_BUSY_DEFAULT] = record.info[_BUSY_NOW] = busy
    cur.close()
    # SQLAlchemy's documented recipe: sqlite3's legacy mode emits no BEGIN before a SELECT or
    # DDL, so a read-then-write is not one transaction and a migration is not atomic. Let
    # SQLAlchemy emit BEGIN itself (``_sqlite_begin``) instead.
    dbapi_conn.isolation_level = None


def _sqlite_checkout(dbapi_conn, record, _proxy) -> None:  # pragma: no cover - driver hook
    """The busy timeout this context asks for (``LOCK_WAIT``), never longer than the engine's own;
    a PRAGMA only when it changes (checkouts are frequent, changes are not)."""
    default = record.info.get(_BUSY_DEFAULT)
    if default is None:
        return
    wait = LOCK_WAIT.get()
    wanted = default if wait is None else min(default, max(0, round(wait * 1000)))
    if record.info.get(_BUSY_NOW) != wanted:
        dbapi_conn.execute(f"PRAGMA busy_timeout = {wanted}")
        record.info[_BUSY_NOW] = wanted


def _sqlite_begin(conn: Connection) -> None:  # pragma: no cover - driver hook
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE"):
        raise ValueError(f"{SQLITE_BEGIN} must be DEFERRED or IMMEDIATE, not {mode!r}")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets its folder created, foreign keys on, a busy timeout and
    real transactions (BEGIN before the first statement, DDL included)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # A plain file path gets its folder; a ``file:`` URI (``?mode=ro&uri=true``) names a file
        # that must already exist, and is not a folder to create.
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A URL's own ``?timeout=`` (seconds) wins: an operator, or a test of "locked", waits less.
        busy = {} if "timeout" in parsed.query else {"timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, connect_args=busy)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "checkout", _sqlite_checkout)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (the URL resolved by ``settings.database_url``)."""
    resolved = settings.database_url(url)
    with _lock:
        if resolved not in _engines:
            _engines[resolved] = make_engine(resolved)
        return _engines[resolved]


def forget(url: str | None = None) -> None:
    """Drop cached engines (tests create and throw away databases)."""
    with _lock:
        if url is None:
            dropped = list(_engines.values())
            _engines.clear()
        else:
            eng = _engines.pop(url, None)
            dropped = [eng] if eng is not None else []
    for eng in dropped:
        eng.dispose()
