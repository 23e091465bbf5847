"""The one explicit set-up step: migrate the store to head and load the register and seed tracker.

The app (on first use of a database, through its cache) and every CLI command call
``ready_engine``; the tests call it on each throwaway database. Opening an engine alone
(``store.engine.get_engine``) never writes, so read-only tools and migrations stay separate.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from oversight.data import settings
from oversight.data.sources.seed import ensure_seeded
from oversight.data.store import engine as engines
from oversight.data.store import migrate

_ready: set[str] = set()
_lock = threading.Lock()


def prepare(engine: Engine) -> None:
    """Migrate to head if behind, then load the register and seed tracker if this version is new.

    Safe when several processes open one new database at once (the app's sessions, a command
    run beside it): each step is a transaction under the database's writer lock
    (``store.transactions``) that looks again, inside the lock, at what is left to do. So the
    first process migrates and seeds, and the others wait, then find it done: a repeated seed
    import is recognised and rolled back. The check out here only spares the lock when the
    database is already at head.
    """
    if migrate.current_revision(engine) != migrate.HEAD:
        migrate.upgrade(engine)  # re-reads the revision under the lock
    ensure_seeded(engine)  # re-reads the import runs under the lock


def ready_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` (default: the configured database), prepared once per process."""
    engine = engines.get_engine(url)
    key = str(engine.url)
    if key in _ready:
        return engine
    with _lock:
        if key not in _ready:
            prepare(engine)
            _ready.add(key)
    return engine


def forget(url: str | None = None) -> None:
    """Drop cached engines and their "prepared" mark (tests create and throw away databases)."""
    with _lock:
        if url is None:
            _ready.clear()
        else:
            _ready.discard(str(make_url(settings.database_url(url))))
    engines.forget(url)
