"""Engines: one per database URL per process, and nothing else.

Opening an engine never migrates, seeds or imports: that is ``oversight.data.bootstrap``'s
explicit step, so a caller always knows when the database is written.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from oversight.data import settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - driver hook
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets its folder created and foreign keys switched on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
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
