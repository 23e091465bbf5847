"""Alembic migrations, run programmatically on a connection the project hands over.

The scripts are package data (``oversight.data.store:migrations``), found by Alembic through the
package, so an installed copy migrates exactly like a checkout.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from oversight.data.store.transactions import write_transaction

SCRIPT_LOCATION = "oversight.data.store:migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration up to head (idempotent), in one transaction.

    The revision is read again under the writer lock: two processes opening one new database
    at once both find it empty, but the second waits and then finds the first's tables.
    """
    cfg = alembic_config()
    with write_transaction(engine) as conn:
        if MigrationContext.configure(conn).get_current_revision() == head_revision():
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
