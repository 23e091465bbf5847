"""The authority tracker: regions, authorities, sources, import runs and facts.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regions",
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_regions"),
    )
    op.create_table(
        "authorities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("dfe_code", sa.String(3), nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("region_code", sa.String(9), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("existed_from", sa.Date(), nullable=True),
        sa.Column("existed_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name="fk_authorities_region_code_regions"),
        sa.PrimaryKeyConstraint("id", name="pk_authorities"),
        sa.UniqueConstraint("code", name="uq_authorities_code"),
    )
    op.create_table(
        "authority_codes",
        sa.Column("code", sa.String(9), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name="fk_authority_codes_authority_id_authorities"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_authority_codes"),
    )
    op.create_table(
        "authority_aliases",
        sa.Column("alias_key", sa.String(160), nullable=False),
        sa.Column("authority_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(160), nullable=False),
        sa.ForeignKeyConstraint(
            ["authority_id"], ["authorities.id"], name="fk_authority_aliases_authority_id_authorities"
        ),
        sa.PrimaryKeyConstraint("alias_key", "authority_id", name="pk_authority_aliases"),
    )
    op.create_table(
        "authority_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor_id"], ["authorities.id"], name="fk_authority_links_predecessor_id_authorities"
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["authorities.id"], name="fk_authority_links_successor_id_authorities"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_authority_links"),
        sa.UniqueConstraint("predecessor_id", "successor_id", name="uq_authority_links_pair"),
    )
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("publisher", sa.String(200), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("licence", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("key", name="uq_sources_key"),
    )
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_added", sa.Integer(), nullable=False),
        sa.Column("rows_updated", sa.Integer(), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name="fk_import_runs_source_id_sources"),
        sa.PrimaryKeyConstraint("id", name="pk_import_runs"),
    )

    def fact(name: str, *extra: sa.Column) -> None:
        op.create_table(
            name,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("authority_id", sa.Integer(), nullable=False),
            sa.Column("source_id", sa.Integer(), nullable=False),
            sa.Column("import_run_id", sa.Integer(), nullable=True),
            sa.Column("source_rank", sa.Integer(), nullable=False),
            *extra,
            sa.ForeignKeyConstraint(
                ["authority_id"], ["authorities.id"], name=f"fk_{name}_authority_id_authorities"
            ),
            sa.ForeignKeyConstraint(["source_id"], ["sources.id"], name=f"fk_{name}_source_id_sources"),
            sa.ForeignKeyConstraint(
                ["import_run_id"], ["import_runs.id"], name=f"fk_{name}_import_run_id_import_runs"
            ),
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
        )

    fact(
        "inspections",
        sa.Column("framework", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("is_full", sa.Boolean(), nullable=False),
        sa.Column("inspection_date", sa.Date(), nullable=True),
        sa.Column("publication_date", sa.Date(), nullable=True),
        sa.Column("publication_estimated", sa.Boolean(), nullable=False),
        sa.Column("date_precision", sa.String(10), nullable=False),
        sa.Column("overall_effectiveness", sa.String(40), nullable=True),
        sa.Column("overall_derived", sa.Boolean(), nullable=False),
        sa.Column("web_link", sa.Text(), nullable=True),
    )
    op.create_index("ix_inspections_authority_pub", "inspections", ["authority_id", "publication_date"])
    op.create_table(
        "inspection_judgements",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(40), nullable=False),
        sa.Column("grade", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name="fk_inspection_judgements_inspection_id_inspections",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inspection_id", "area", name="pk_inspection_judgements"),
    )
    fact(
        "visits",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=True),
        sa.Column("publication_date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(10), nullable=False),
        sa.Column("theme", sa.String(200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
    )
    op.create_index("ix_visits_authority", "visits", ["authority_id"])
    fact(
        "interventions",
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_precision", sa.String(10), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("end_precision", sa.String(10), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("people", sa.Text(), nullable=True),
    )
    op.create_index("ix_interventions_authority", "interventions", ["authority_id"])
    fact(
        "events",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("date_precision", sa.String(10), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("people", sa.Text(), nullable=True),
    )
    op.create_index("ix_events_authority", "events", ["authority_id"])


def downgrade() -> None:
    for name in (
        "events",
        "interventions",
        "visits",
        "inspection_judgements",
        "inspections",
        "import_runs",
        "sources",
        "authority_links",
        "authority_aliases",
        "authority_codes",
        "authorities",
        "regions",
    ):
        op.drop_table(name)
