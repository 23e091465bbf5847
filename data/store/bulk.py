"""Many rows in a few statements: inserts that hand back each row's id, updates by id.

An import of 100,000 tracker rows spent most of its time sending one INSERT per row (issue 23:
71 % of a PostgreSQL import). Here a list of rows is one executemany: SQLAlchemy's
"insertmanyvalues" turns it into multi-row INSERTs (a thousand rows a statement) and, with
``RETURNING ... sort_by_parameter_order``, gives the new ids back in the rows' order, which the
caller needs for the rows that point at them (an inspection's judgements, a fact's sources).
PostgreSQL does this; SQLite would send such an insert a row at a time, so there the ids are
given before the insert, under the writer lock. Everything runs in the caller's transaction,
which must be the writer's (``store/transactions``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update

#: Ids per ``IN (...)`` list (well under every driver's limit on parameters).
CHUNK = 500


def _runs(rows: Sequence[Mapping[str, Any]]) -> Iterator[list[Mapping[str, Any]]]:
    """Consecutive rows naming the same columns: an executemany sends one column list, and
    keeping the rows' order keeps the ids in the order they always had."""
    run: list[Mapping[str, Any]] = []
    for row in rows:
        if run and row.keys() != run[0].keys():
            yield run
            run = []
        run.append(row)
    if run:
        yield run


def insert_ids(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert ``rows`` (no ``id``) into a table with an integer ``id``; the new ids, in order."""
    if conn.dialect.name == "sqlite":
        return _insert_numbered(conn, table, rows)
    ids: list[int] = []
    for run in _runs(rows):
        if conn.dialect.insert_executemany_returning_sort_by_parameter_order:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids.extend(conn.execute(stmt, list(run)).scalars().all())
        else:
            ids.extend(conn.execute(insert(table).values(**r)).inserted_primary_key[0] for r in run)
    return ids


def _insert_numbered(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """SQLite does not promise RETURNING's order for a multi-row insert, so SQLAlchemy sends such
    an insert a row at a time. But the writer's transaction (``BEGIN IMMEDIATE``) holds the
    only write lock, so the ids SQLite would pick, the largest plus one onwards (no table here
    is ``AUTOINCREMENT``), are known before the insert and given to the rows."""
    last = conn.execute(select(func.max(table.c.id))).scalar()
    ids = list(range((last or 0) + 1, (last or 0) + 1 + len(rows)))
    insert_many(conn, table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` whose ids nobody needs (an inspection's judgements)."""
    for run in _runs(rows):
        conn.execute(insert(table), list(run))


def update_by_id(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Set each row's columns on the row of its ``id``, in the rows' order: one executemany
    per run of rows that set the same columns."""
    stmt = update(table).where(table.c.id == bindparam("row_id"))
    for run in _runs(rows):
        params = [{"row_id": r["id"], **{k: v for k, v in r.items() if k != "id"}} for r in run]
        conn.execute(stmt, params)


def delete_where_in(conn: Connection, table: Table, column: str, values: Sequence[Any]) -> None:
    """Delete the rows whose ``column`` is one of ``values``, a few hundred a statement."""
    for i in range(0, len(values), CHUNK):
        conn.execute(delete(table).where(table.c[column].in_(values[i : i + CHUNK])))
