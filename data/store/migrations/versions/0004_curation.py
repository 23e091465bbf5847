"""Curation: users and roles, the append-only history of changes and reviews, fact versions.

* ``users``: who may do what (editor, reviewer, admin; NULL once revoked), by email.
* ``changes``: one row per change to the tracker (a proposal, a revert, an import run, a grant,
  a setting), with the fact's before- and after-image as JSON.
* ``reviews``: the decisions on a change (approved, rejected, applied, withdrawn, conflict);
  a change's state is its latest review.
* ``deployment``: settings of this deployment (``allow_self_approval``).
* ``version`` on every fact table: optimistic versioning, 1 for every row already there.

``changes`` and ``reviews`` are append-only, and the database enforces it: a trigger refuses every
UPDATE and DELETE (PostgreSQL also TRUNCATE). The one UPDATE allowed fills in, once, the
``fact_id`` and ``source_id`` of a ``changes`` row when its proposal is applied (a new fact's id
and its source exist only then); every other column must stay as it was, and a filled-in value
never changes again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FACT_TABLES = ("inspections", "visits", "interventions", "events")
#: Every column of ``changes`` but the two an applied proposal fills in once.
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
)
FILLED_ONCE = ("fact_id", "source_id")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("granted_by", sa.String(320), nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("role IS NULL OR role IN ('editor', 'reviewer', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("fact_table", sa.String(16), nullable=True),
        sa.Column("fact_id", sa.Integer(), nullable=True),
        sa.Column("authority_id", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.Column("reverts_change_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.String(320), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('create', 'correct', 'retract', 'revert', 'import', 'grant', 'revoke', 'settings')",
            name="ck_changes_action",
        ),
        sa.CheckConstraint(
            "fact_table IS NULL OR fact_table IN ('interventions', 'events', 'visits', 'inspections')",
            name="ck_changes_fact_table",
        ),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name="fk_changes_authority_id_authorities"
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_changes_source_id_sources"),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name="fk_changes_import_run_id_import_runs"
        ),
        sa.ForeignKeyConstraint(
            ["reverts_change_id"], ["changes.id"], name="fk_changes_reverts_change_id_changes"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
    )
    op.create_index("ix_changes_fact", "changes", ["fact_table", "fact_id"])
    op.create_index("ix_changes_authority", "changes", ["authority_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(320), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "decision IN ('approved', 'rejected', 'applied', 'withdrawn', 'conflict')",
            name="ck_reviews_decision",
        ),
        sa.ForeignKeyConstraint(["change_id"], ["changes.id"], name="fk_reviews_change_id_changes"),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
    )
    op.create_index("ix_reviews_change", "reviews", ["change_id"])
    op.create_table(
        "deployment",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_deployment"),
    )
    for table in FACT_TABLES:
        op.add_column(table, sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1")))
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("changes", "reviews"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS oversight_changes_append_only()")
        op.execute("DROP FUNCTION IF EXISTS oversight_append_only()")
    else:
        for name in ("changes_no_update", "changes_no_delete", "reviews_no_update", "reviews_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in FACT_TABLES:
        op.drop_column(table, "version")
    op.drop_table("deployment")
    op.drop_index("ix_reviews_change", table_name="reviews")
    op.drop_table("reviews")
    op.drop_index("ix_changes_authority", table_name="changes")
    op.drop_index("ix_changes_fact", table_name="changes")
    op.drop_table("changes")
    op.drop_table("users")


def _sqlite_triggers() -> None:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in CHANGES_FIXED)
    filled_once = " AND ".join(f"(OLD.{c} IS NULL OR NEW.{c} IS OLD.{c})" for c in FILLED_ONCE)
    op.execute(
        "CREATE TRIGGER changes_no_update BEFORE UPDATE ON changes "
        f"WHEN NOT ({same} AND {filled_once}) "
        "BEGIN SELECT RAISE(ABORT, 'changes is append-only: a recorded change is never altered'); END"
    )
    op.execute(
        "CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes "
        "BEGIN SELECT RAISE(ABORT, 'changes is append-only: a recorded change is never deleted'); END"
    )
    op.execute(
        "CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews "
        "BEGIN SELECT RAISE(ABORT, 'reviews is append-only: a decision is never altered'); END"
    )
    op.execute(
        "CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews "
        "BEGIN SELECT RAISE(ABORT, 'reviews is append-only: a decision is never deleted'); END"
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
                IF (to_jsonb(NEW) - {fixed}) = (to_jsonb(OLD) - {fixed}) AND {filled_once} THEN
                    RETURN NEW;
                END IF;
            END IF;
            {refuse}
        END
        $$
        """
    )
    for table, function in (
        ("changes", "oversight_changes_append_only"),
        ("reviews", "oversight_append_only"),
    ):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION oversight_append_only()"
        )
