"""DfE statistical neighbours: ten per authority, per model (2021, 2025).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "neighbours",
        sa.Column("model", sa.String(40), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("neighbour_id", sa.Integer(), nullable=False),
        sa.Column("closeness", sa.String(40), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name="fk_neighbours_authority_id_authorities"
        ),
        sa.ForeignKeyConstraint(
            ["neighbour_id"], ["authorities.id"], name="fk_neighbours_neighbour_id_authorities"
        ),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_neighbours_source_id_sources"),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name="fk_neighbours_import_run_id_import_runs"
        ),
        sa.PrimaryKeyConstraint("model", "authority_id", "rank", name="pk_neighbours"),
    )


def downgrade() -> None:
    op.drop_table("neighbours")
