"""Natural keys on facts: merge the duplicates two concurrent imports left, then forbid them.

Two imports started together could each miss the other's facts and both insert them (issue 11).
Imports now take a writer lock first (``store.transactions``); this revision repairs a store
written before that, then adds one unique index per natural key, so a second copy of a fact is
refused whoever writes it.

Duplicates are rows sharing a key. The lowest id stays (links to it stay valid) and takes the
values the importer's merge would give: the best row's (highest source rank, lowest id among
equals), its empty columns filled from the others in that order; its judgements are the first
non-empty set in that order. The other rows and their judgements go. The counts are logged as
a warning per table. Copies that only the importer's matching recognises as one fact (dates a
day apart) are not touched here: the warning says to rebuild the database from its files.

The keys are frozen here as they were at this revision (``schema.NATURAL_KEYS`` may change
later). Unique indexes, not constraints: SQLite creates them without rebuilding the tables, and
a partial index covers the rows a NULL date leaves out, on both backends.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("oversight.data.store.migrations")

#: (index name, table, key columns, only the rows where (column, value); value None: IS NULL).
KEYS: tuple[tuple[str, str, tuple[str, ...], tuple[str, bool | None] | None], ...] = (
    ("uq_inspections_dated", "inspections", ("authority_id", "kind", "inspection_date"), None),
    (
        "uq_inspections_published",
        "inspections",
        ("authority_id", "kind", "publication_date"),
        ("publication_estimated", False),
    ),
    ("uq_visits_dated", "visits", ("authority_id", "kind", "visit_date", "publication_date"), None),
    ("uq_visits_unpublished", "visits", ("authority_id", "kind", "visit_date"), ("publication_date", None)),
    ("uq_visits_undated", "visits", ("authority_id", "kind", "publication_date"), ("visit_date", None)),
    ("uq_interventions_start", "interventions", ("authority_id", "level", "kind", "start_date"), None),
    (
        "uq_interventions_start_unkinded",
        "interventions",
        ("authority_id", "level", "start_date"),
        ("kind", None),
    ),
    ("uq_events_day_title", "events", ("authority_id", "kind", "date", "title"), None),
)
#: Columns that belong to the winning row alone, never filled in from a copy.
OWN_COLUMNS = {"id", "import_run_id", "source_id", "source_rank"}


def upgrade() -> None:
    conn = op.get_bind()
    merged: dict[str, int] = defaultdict(int)
    for _name, table, columns, only_where in KEYS:
        merged[table] += merge_duplicates(conn, table, columns, only_where)
    for table, count in merged.items():
        if count:
            log.warning(
                "revision 0003: merged %d duplicate %s left by imports that ran at the same time; "
                "copies whose dates differ are not recognised here: rebuild the database from "
                "its files for an exact result",
                count,
                table,
            )
    for name, table, columns, only_where in KEYS:
        where = {} if only_where is None else _partial(*only_where)
        op.create_index(name, table, list(columns), unique=True, **where)


def downgrade() -> None:
    for name, table, _columns, _only_where in KEYS:
        op.drop_index(name, table_name=table)


def _only(column: sa.ColumnElement[Any], wanted: bool | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if wanted is None else column == wanted


def _partial(column: str, wanted: bool | None) -> dict[str, Any]:
    clause = _only(sa.column(column) if wanted is None else sa.column(column, sa.Boolean()), wanted)
    return {f"{dialect}_where": clause for dialect in ("sqlite", "postgresql")}


def merge_duplicates(
    conn: sa.Connection, name: str, columns: tuple[str, ...], only_where: tuple[str, bool | None] | None
) -> int:
    """Fold every group of rows sharing the key into its lowest id; the number of rows removed."""
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    covered = [table.c[c].is_not(None) for c in columns]
    if only_where is not None:
        covered.append(_only(table.c[only_where[0]], only_where[1]))
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in conn.execute(sa.select(table).where(*covered).order_by(table.c.id)).mappings():
        groups[tuple(row[c] for c in columns)].append(dict(row))
    removed = 0
    for rows in groups.values():
        if len(rows) > 1:
            _fold(conn, table, rows)
            removed += len(rows) - 1
    return removed


def _fold(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Keep the lowest id with the merged values (and judgements); delete the rest.

    As the importer merges: the highest-ranked row wins (the lowest id among equals), and the
    others, in rank order, only fill its empty columns (an inspection date one release lacked).
    """
    keep = rows[0]["id"]  # rows come in id order
    ranked = sorted(rows, key=lambda r: (-r["source_rank"], r["id"]))
    values = dict(ranked[0])
    for row in ranked[1:]:
        for column, value in row.items():
            if values[column] is None and column not in OWN_COLUMNS:
                values[column] = value
    if table.name == "inspections":
        _fold_judgements(conn, keep, [r["id"] for r in ranked])
    conn.execute(table.delete().where(table.c.id.in_([r["id"] for r in rows[1:]])))
    values.pop("id")
    if values != {k: v for k, v in rows[0].items() if k != "id"}:
        conn.execute(table.update().where(table.c.id == keep).values(**values))


def _fold_judgements(conn: sa.Connection, keep: int, ranked_ids: list[int]) -> None:
    judgements = sa.table(
        "inspection_judgements", sa.column("inspection_id"), sa.column("area"), sa.column("grade")
    )
    by_id: dict[int, dict[str, str]] = defaultdict(dict)
    for r in conn.execute(sa.select(judgements).where(judgements.c.inspection_id.in_(ranked_ids))):
        by_id[r.inspection_id][r.area] = r.grade
    chosen = next((by_id[i] for i in ranked_ids if by_id[i]), {})
    conn.execute(judgements.delete().where(judgements.c.inspection_id.in_(ranked_ids)))
    if chosen:
        conn.execute(
            judgements.insert(), [{"inspection_id": keep, "area": a, "grade": g} for a, g in chosen.items()]
        )
