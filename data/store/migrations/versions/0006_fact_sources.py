"""Sources kept: a fact can have several sources (issue 21).

* ``fact_sources``: every source a fact cites (fact table and id, source, its position in the
  order they were added, when, and the change or import run that added it). A fact's own
  ``source_id`` stays as it was, its *primary* source (the one its values come from, which the
  importer's matching ranks), and is always one of its ``fact_sources``.
* Every fact already stored gets its one source as its first (position 0), so an old database
  keeps its sources: added by the applied change that last gave the fact that source (a curated
  create, correction or revert), else by the import run that wrote the fact, and then.

No trigger: unlike the history, a fact's sources change with the fact (a retraction removes
them, a revert puts them back). What a change said its source was stays in ``changes`` and in
the hash chain, which this revision does not touch: every chain written before it verifies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FACT_TABLES = ("inspections", "visits", "interventions", "events")


def _fill(table: str) -> str:
    """The INSERT that gives every fact of ``table`` its one source, as the first."""
    change = (
        f"(SELECT MAX(c.id) FROM changes c WHERE c.fact_table = '{table}' AND c.fact_id = f.id "
        "AND c.source_id = f.source_id AND c.action IN ('create', 'correct', 'revert'))"
    )
    applied = (
        "(SELECT MAX(rv.decided_at) FROM reviews rv WHERE rv.decision = 'applied' "
        f"AND rv.change_id = {change})"
    )
    return (
        "INSERT INTO fact_sources "
        "(fact_table, fact_id, source_id, position, added_at, added_by_change_id, import_run_id) "
        f"SELECT '{table}', f.id, f.source_id, 0, COALESCE({applied}, r.finished_at, r.started_at), "
        f"{change}, CASE WHEN {change} IS NULL THEN f.import_run_id END "
        f"FROM {table} f LEFT JOIN import_runs r ON r.id = f.import_run_id"
    )


def upgrade() -> None:
    op.create_table(
        "fact_sources",
        sa.Column("fact_table", sa.String(16), nullable=False),
        sa.Column("fact_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=True),
        sa.Column("added_by_change_id", sa.Integer(), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "fact_table IN ('interventions', 'events', 'visits', 'inspections')",
            name="ck_fact_sources_fact_table",
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_fact_sources_source_id_sources"),
        sa.ForeignKeyConstraint(
            ["added_by_change_id"], ["changes.id"], name="fk_fact_sources_added_by_change_id_changes"
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name="fk_fact_sources_import_run_id_import_runs"
        ),
        sa.PrimaryKeyConstraint("fact_table", "fact_id", "source_id", name="pk_fact_sources"),
    )
    op.create_index("ix_fact_sources_source", "fact_sources", ["source_id"])
    for table in FACT_TABLES:
        op.execute(_fill(table))


def downgrade() -> None:
    """Back to one source per fact: each keeps its primary (``source_id``), which never left."""
    op.drop_index("ix_fact_sources_source", table_name="fact_sources")
    op.drop_table("fact_sources")
