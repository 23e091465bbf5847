"""Identity and a history that proves itself (issue 19).

* ``users.issuer``/``subject``/``bound_at``: a role belongs to the person the sign-in provider
  identifies (issuer + subject), bound when the invited email first signs in; unique together.
* ``changes.proposed_by_name``, ``reviews.decided_by_name``: the name a person had when they
  acted, recorded with the row, so a later sign-in can never rename someone's past. Rows written
  before this revision get the name the users table holds now (the best there is).
* ``history_chain``: every history row chained by a hash (``store/chain``); the rows written
  before this revision are chained here, in the order they were written.
* Triggers, tighter than 0004's:
  - SQLite's ``INSERT OR REPLACE`` deleted a history row without firing its DELETE trigger
    (recursive triggers are off by default): a BEFORE INSERT trigger now refuses an insert whose
    id is taken, on ``changes``, ``reviews`` and ``history_chain``;
  - the one UPDATE allowed (an applied proposal filling in its ``fact_id``/``source_id``) is
    allowed only during that proposal's own application: a create, correct or retract whose
    latest review is ``approved`` (``edits.approve`` writes ``approved``, fills in, then
    ``applied``), and only into an empty column;
  - a ``sources`` row cited by a change is immutable (a new title is a new source row).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

from oversight.data.store import chain

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CHANGES_FIXED = (
    "id",
    "action",
    "fact_table",
    "authority_id",
    "base_version",
    "before_json",
    "after_json",
    "import_run_id",
    "reverts_change_id",
    "proposed_by",
    "proposed_at",
    "comment",
    "proposed_by_name",
)
FILLED_ONCE = ("fact_id", "source_id")
SOURCE_COLUMNS = ("key", "url", "title", "publisher", "published", "kind", "licence")
#: The latest decision on the change being updated is "approved": it is being applied. (COALESCE:
#: with no review at all the comparison must be false, not NULL, or SQLite's ``WHEN NOT (…)``
#: would be NULL and let the update through.)
BEING_APPLIED = (
    "OLD.action IN ('create', 'correct', 'retract') AND "
    "COALESCE((SELECT r.decision FROM reviews r WHERE r.change_id = OLD.id ORDER BY r.id DESC LIMIT 1), '')"
    " = 'approved'"
)
SQLITE_TRIGGERS = (
    "changes_no_update",
    "changes_no_delete",
    "changes_no_replace",
    "reviews_no_update",
    "reviews_no_delete",
    "reviews_no_replace",
    "history_chain_no_update",
    "history_chain_no_delete",
    "history_chain_no_replace",
    "sources_cited_no_update",
    "sources_cited_no_delete",
    "sources_cited_no_replace",
)


def _v0004():
    return importlib.import_module("oversight.data.store.migrations.versions.0004_curation")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_0004_triggers(postgres)
    op.add_column("users", sa.Column("issuer", sa.String(500), nullable=True))
    op.add_column("users", sa.Column("subject", sa.String(255), nullable=True))
    op.add_column("users", sa.Column("bound_at", sa.DateTime(), nullable=True))
    op.create_index("uq_users_identity", "users", ["issuer", "subject"], unique=True)
    op.add_column("changes", sa.Column("proposed_by_name", sa.Text(), nullable=True))
    op.add_column("reviews", sa.Column("decided_by_name", sa.Text(), nullable=True))
    op.execute(
        "UPDATE changes SET proposed_by_name = "
        "(SELECT u.name FROM users u WHERE u.email = changes.proposed_by)"
    )
    op.execute(
        "UPDATE reviews SET decided_by_name = (SELECT u.name FROM users u WHERE u.email = reviews.decided_by)"
    )
    op.create_table(
        "history_chain",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entry", sa.String(16), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("row_hash", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("entry IN ('change', 'review', 'fill')", name="ck_history_chain_entry"),
        sa.PrimaryKeyConstraint("seq", name="pk_history_chain"),
        sa.UniqueConstraint("row_hash", name="uq_history_chain_row_hash"),
    )
    chain.chain_existing(op.get_bind())
    if postgres:
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table in ("changes", "reviews", "history_chain"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS sources_cited ON sources")
        op.execute("DROP FUNCTION IF EXISTS oversight_changes_append_only()")
        op.execute("DROP FUNCTION IF EXISTS oversight_cited_source()")
        op.execute("DROP FUNCTION IF EXISTS oversight_append_only()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("history_chain")
    op.drop_column("reviews", "decided_by_name")
    op.drop_column("changes", "proposed_by_name")
    op.drop_index("uq_users_identity", table_name="users")
    op.drop_column("users", "bound_at")
    op.drop_column("users", "subject")
    op.drop_column("users", "issuer")
    if postgres:
        _v0004()._postgresql_triggers()
    else:
        _v0004()._sqlite_triggers()


def _drop_0004_triggers(postgres: bool) -> None:
    if postgres:
        for table in ("changes", "reviews"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS oversight_changes_append_only()")
        op.execute("DROP FUNCTION IF EXISTS oversight_append_only()")
    else:
        for name in ("changes_no_update", "changes_no_delete", "reviews_no_update", "reviews_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _abort(message: str) -> str:
    return f"BEGIN SELECT RAISE(ABORT, '{message}'); END"


def _sqlite_triggers() -> None:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in CHANGES_FIXED)
    filled_once = " AND ".join(f"(OLD.{c} IS NULL OR NEW.{c} IS OLD.{c})" for c in FILLED_ONCE)
    op.execute(
        "CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes "
        f"WHEN NOT ({same} AND {filled_once} AND {BEING_APPLIED}) "
        + _abort("changes is append-only: a recorded change is never altered")
    )
    for table, what in (
        ("changes", "a recorded change"),
        ("reviews", "a decision"),
        ("history_chain", "an entry"),
    ):
        if table != "changes":
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                + _abort(f"{table} is append-only: {what} is never altered")
            )
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            + _abort(f"{table} is append-only: {what} is never deleted")
        )
        key = "seq" if table == "history_chain" else "id"
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {key} = NEW.{key}) "
            + _abort(f"{table} is append-only: {what} is never replaced")
        )
    unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in ("id", *SOURCE_COLUMNS))
    cited = "EXISTS (SELECT 1 FROM changes c WHERE c.source_id = OLD.id)"
    op.execute(
        f"CREATE TRIGGER sources_cited_no_update BEFORE UPDATE ON sources WHEN NOT ({unchanged}) AND {cited} "
        + _abort("a source cited by a change is never altered: a new title is a new source")
    )
    op.execute(
        f"CREATE TRIGGER sources_cited_no_delete BEFORE DELETE ON sources WHEN {cited} "
        + _abort("a source cited by a change is never deleted")
    )
    op.execute(
        "CREATE TRIGGER sources_cited_no_replace BEFORE INSERT ON sources WHEN EXISTS ("
        "SELECT 1 FROM sources o JOIN changes c ON c.source_id = o.id WHERE o.id = NEW.id OR o.key = NEW.key) "
        + _abort("a source cited by a change is never replaced")
    )


def _postgresql_triggers() -> None:
    fixed = " - ".join(f"'{c}'" for c in FILLED_ONCE)
    filled_once = " AND ".join(
        f"(OLD.{c} IS NULL OR NEW.{c} IS NOT DISTINCT FROM OLD.{c})" for c in FILLED_ONCE
    )
    refuse = (
        "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
        "USING ERRCODE = 'insufficient_privilege';"
    )
    op.execute(
        f"""
        CREATE FUNCTION oversight_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {refuse}
        END
        $$
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION oversight_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF (to_jsonb(NEW) - {fixed}) = (to_jsonb(OLD) - {fixed}) AND {filled_once}
                   AND {BEING_APPLIED} THEN
                    RETURN NEW;
                END IF;
            END IF;
            {refuse}
        END
        $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION oversight_cited_source() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM changes c WHERE c.source_id = OLD.id)
               AND (TG_OP = 'DELETE' OR to_jsonb(NEW) IS DISTINCT FROM to_jsonb(OLD)) THEN
                RAISE EXCEPTION 'a source cited by a change is never altered: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    for table, function in (
        ("changes", "oversight_changes_append_only"),
        ("reviews", "oversight_append_only"),
        ("history_chain", "oversight_append_only"),
    ):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION oversight_append_only()"
        )
    op.execute(
        "CREATE TRIGGER sources_cited BEFORE UPDATE OR DELETE ON sources "
        "FOR EACH ROW EXECUTE FUNCTION oversight_cited_source()"
    )
