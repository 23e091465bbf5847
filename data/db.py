"""Engines, migrations and first-use set-up of the store.

``ready_engine(url)`` is what every caller uses: it creates the SQLite folder if needed,
applies Alembic migrations and loads the register and the seed tracker once, so the app,
the CLI and the tests all start from the same state without a manual step.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from data import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_engines: dict[str, Engine] = {}
_ready: set[str] = set()
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
    """One engine per URL per process."""
    resolved = settings.database_url(url)
    with _lock:
        if resolved not in _engines:
            _engines[resolved] = make_engine(resolved)
        return _engines[resolved]


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration up to head (idempotent)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def ready_engine(url: str | None = None) -> Engine:
    """An engine whose database is migrated and seeded: the entry point for every caller."""
    engine = get_engine(url)
    key = str(engine.url)
    if key in _ready:
        return engine
    with _lock:
        if key in _ready:
            return engine
        if current_revision(engine) != head_revision():
            upgrade(engine)
        from data.seed import ensure_seeded  # local import: seed imports the importer

        ensure_seeded(engine)
        _ready.add(key)
    return engine


def forget(url: str | None = None) -> None:
    """Drop cached engines (tests create and throw away databases)."""
    with _lock:
        if url is None:
            for eng in _engines.values():
                eng.dispose()
            _engines.clear()
            _ready.clear()
            return
        eng = _engines.pop(url, None)
        if eng is not None:
            _ready.discard(str(eng.url))
            eng.dispose()
