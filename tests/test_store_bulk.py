"""Many rows in a few statements (``store/bulk``, ``citations.source_ids``), on SQLite and
PostgreSQL: ids come back in the rows' order across pages and column lists, updates set each
row's own columns, and a run's sources are what ``citations.source_id`` gives one at a time
(new, unchanged, refreshed in place, or a new row when a change cites the old one)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from oversight.data.sources.importer import record_import_change
from oversight.data.store import bulk, citations
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction


def _source(i: int, **extra: object) -> dict[str, object]:
    return {"key": f"bench:{i}", "kind": "tracker", "title": f"Page {i}", **extra}


def _statements(engine) -> list[str]:
    """Every statement sent to the database from now on (an executemany counts once)."""
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    return sent


def test_insert_ids_come_back_in_the_rows_order(fresh_engine):
    # 2,500 rows: more than one page of a multi-row insert, with runs that name other columns.
    rows = [_source(i, url=f"https://example.org/{i}") if i % 700 < 350 else _source(i) for i in range(2500)]
    sent = _statements(fresh_engine)
    with write_transaction(fresh_engine) as conn:
        ids = bulk.insert_ids(conn, s.sources, rows)
        # The ids were taken for good: the database's own next choice comes after them.
        later = conn.execute(s.sources.insert().values(**_source(9999))).inserted_primary_key[0]
    assert later > max(ids)
    inserts = [q for q in sent if q.lstrip().upper().startswith("INSERT")]
    assert len(inserts) < 40, "an INSERT per row"
    assert len(set(ids)) == 2500 and ids == sorted(ids)
    with fresh_engine.connect() as conn:
        stored = {r.id: (r.key, r.url) for r in conn.execute(select(s.sources))}
    assert stored[later] == ("bench:9999", None)
    for i, row in zip(ids, rows, strict=True):
        assert stored[i] == (row["key"], row.get("url"))


def test_update_by_id_sets_each_rows_own_columns(fresh_engine):
    with write_transaction(fresh_engine) as conn:
        ids = bulk.insert_ids(conn, s.sources, [_source(i) for i in range(6)])
        bulk.update_by_id(
            conn,
            s.sources,
            [
                {"id": ids[0], "title": "first"},
                {"id": ids[1], "title": "second"},
                {"id": ids[2], "publisher": "a publisher"},  # another column: another run
                {"id": ids[3], "title": "fourth"},
            ],
        )
        bulk.delete_where_in(conn, s.sources, "id", ids[4:])
    with fresh_engine.connect() as conn:
        stored = {r.id: (r.title, r.publisher) for r in conn.execute(select(s.sources))}
    assert [stored[i] for i in ids[:4]] == [
        ("first", None),
        ("second", None),
        ("Page 2", "a publisher"),
        ("fourth", None),
    ]
    assert ids[4] not in stored and ids[5] not in stored


def _cite(conn, source_id: int) -> None:
    """A change in the history that cites ``source_id`` (an import run's row)."""
    now = dt.datetime(2026, 1, 1)
    run = {
        "file_name": "cited.csv",
        "sha256": "0" * 64,
        "kind": "tracker",
        "started_at": now,
        "finished_at": now,
        "rows_read": 1,
        "rows_added": 1,
        "rows_updated": 0,
        "rows_unchanged": 0,
        "outcome": "ok",
        "source_id": source_id,
    }
    run_id = conn.execute(s.import_runs.insert().values(**run)).inserted_primary_key[0]
    record_import_change(conn, run_id, run)


def test_source_ids_matches_source_id_one_at_a_time(fresh_engine):
    old = {"url": "https://example.org/a", "title": "Old title", "publisher": "P"}
    new = {**old, "title": "New title"}
    with write_transaction(fresh_engine) as conn:
        kept = citations.source_id(conn, "t:kept", "tracker", old)
        loose = citations.source_id(conn, "t:loose", "tracker", old)
        quoted = citations.source_id(conn, "t:quoted", "tracker", old)
        _cite(conn, quoted)
    sent = _statements(fresh_engine)
    with write_transaction(fresh_engine) as conn:
        got = citations.source_ids(
            conn,
            [
                *[(f"t:new{i}", "tracker", {**old, "title": f"New {i}"}) for i in range(300)],
                ("t:kept", "tracker", old),
                ("t:loose", "tracker", new),
                ("t:quoted", "tracker", new),
                ("t:new0", "tracker", new),  # a key met again: its first content wins
            ],
        )
    assert len(sent) < 20, "a statement per source"
    with fresh_engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(s.sources))}
    assert got["t:kept"] == kept and rows[kept].title == "Old title"
    assert got["t:loose"] == loose and rows[loose].title == "New title"  # refreshed in place
    assert rows[quoted].title == "Old title"  # cited: never rewritten
    assert got["t:quoted"] != quoted and rows[got["t:quoted"]].title == "New title"
    assert rows[got["t:quoted"]].key.startswith("t:quoted#")
    assert [rows[got[f"t:new{i}"]].title for i in range(300)] == [f"New {i}" for i in range(300)]


def test_sqlite_picks_ids_as_the_bulk_insert_does(fresh_engine):
    """On SQLite the ids are given before the insert: the largest plus one, which is SQLite's own
    choice only while no table is ``AUTOINCREMENT`` (that would never reuse a deleted id)."""
    if fresh_engine.dialect.name != "sqlite":
        return
    with fresh_engine.connect() as conn:
        tables = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    assert tables and not [name for name, sql in tables if "AUTOINCREMENT" in (sql or "").upper()]
