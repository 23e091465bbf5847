"""Alembic migrations, run programmatically on a connection the project hands over.

The scripts are package data (``oversight.data.store:migrations``), found by Alembic through the
package, so an installed copy migrates exactly like a checkout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from oversight.data.store.transactions import write_transaction

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "oversight.data.store:migrations"
#: The newest migration's revision. Every command and the app's first run compare the database
#: with it; knowing it without Alembic spares a cold command Alembic's import and the scripts'
#: parsing (~0.4 s of a board pack's 5 s, issue 22). ``tests/test_store_migrations`` proves it
#: equals Alembic's own head, so a new migration cannot be forgotten here.
HEAD = "0006"


def alembic_config() -> Config:
    from alembic.config import Config  # Lazy: only a migration needs Alembic (see HEAD)

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def head_revision() -> str:
    """The head as Alembic reads it from the scripts (``HEAD`` is the fast copy)."""
    from alembic.script import ScriptDirectory  # Lazy: only a migration needs Alembic (see HEAD)

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    """The database's revision, read as Alembic stores it (one row of ``alembic_version``), or
    None for a database no migration has touched."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration up to head (idempotent), in one transaction.

    The revision is read again under the writer lock: two processes opening one new database
    at once both find it empty, but the second waits and then finds the first's tables.
    """
    from alembic import command  # Lazy: only a migration needs Alembic (see HEAD)
    from alembic.runtime.migration import MigrationContext  # Lazy: as above

    cfg = alembic_config()
    with write_transaction(engine) as conn:
        if MigrationContext.configure(conn).get_current_revision() == head_revision():
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
