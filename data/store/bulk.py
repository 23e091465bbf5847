"""Many rows in a few statements: inserts that hand back each row's id, updates by id.

An import of 100,000 tracker rows spent most of its time sending one INSERT per row (issue 23:
71 % of a PostgreSQL import). Here a list of rows is one executemany, which both drivers send
fast (sqlite3 in C; psycopg in pipeline mode, its query converted once). The callers need each
new row's id for the rows that point at it (an inspection's judgements, a fact's sources), and
``INSERT ... RETURNING`` in bulk was the slow way on both backends: SQLite does not promise the
order of RETURNING's rows, so SQLAlchemy sends such an insert a row at a time, and on PostgreSQL
psycopg spent most of the import converting the placeholders of thousand-row statements, one
by one in Python (8 of a 10,000-row import's 18 s). So the ids are taken first and given to the
rows: PostgreSQL's sequence hands out a block (``nextval`` n times, one query; nobody else ever
gets them), SQLite's next ids are the largest plus one onwards, which the writer's transaction
(``BEGIN IMMEDIATE``, ``store/transactions``) keeps for it. Everything runs in the caller's
transaction, which must be the writer's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, text, update

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
    if not rows:
        return []
    if conn.dialect.name not in ("sqlite", "postgresql"):  # unknown: let the database choose
        return [conn.execute(insert(table).values(**r)).inserted_primary_key[0] for r in rows]
    ids = _next_ids(conn, table, len(rows))
    insert_many(conn, table, [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def _next_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """The ids the database would give the next ``n`` rows (ascending), taken for them.

    SQLite: the largest plus one onwards, its own choice while no table is ``AUTOINCREMENT``
    (a test checks), held by the writer's lock. PostgreSQL: the column's sequence, advanced
    past them, so no later insert by anyone can take one."""
    if conn.dialect.name == "postgresql":
        seq = conn.execute(select(func.pg_get_serial_sequence(table.name, "id"))).scalar_one()
        taken = text("SELECT nextval(CAST(:seq AS regclass)) AS id FROM generate_series(1, :n) ORDER BY 1")
        return list(conn.execute(taken, {"seq": seq, "n": n}).scalars())
    last = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(last + 1, last + 1 + n))


def insert_many(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` as they are (an inspection's judgements; rows given their ids)."""
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
