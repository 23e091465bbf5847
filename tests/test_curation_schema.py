"""Revision 0004 on SQLite and PostgreSQL: the curation tables, fact versions, and a history the
database itself keeps append-only."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from oversight.data.curation import ledger, users
from oversight.data.sources.importer import import_paths
from oversight.data.store import migrate
from oversight.data.store import schema as s
from tests import hostile_data as hd
from tests.curation_support import EDITOR, REVIEWER, approved, event_row, grant_everyone

NEW_TABLES = {"users", "changes", "reviews", "deployment"}


def _migrate_to(engine, revision: str, down: bool) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _triggers(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return set(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        return set(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())


def test_downgrade_removes_what_0004_added_and_upgrade_versions_existing_facts(fresh_engine):
    assert set(inspect(fresh_engine).get_table_names()) >= NEW_TABLES
    assert len(_triggers(fresh_engine)) == (12 if fresh_engine.dialect.name == "sqlite" else 7)
    _migrate_to(fresh_engine, "0004", down=True)
    assert len(_triggers(fresh_engine)) == 4  # 0005's downgrade puts 0004's triggers back
    assert "history_chain" not in inspect(fresh_engine).get_table_names()
    _migrate_to(fresh_engine, "0003", down=True)
    insp = inspect(fresh_engine)
    assert not NEW_TABLES & set(insp.get_table_names())
    for table in ("inspections", "visits", "interventions", "events"):
        assert "version" not in {c["name"] for c in insp.get_columns(table)}
    assert _triggers(fresh_engine) == set()
    if fresh_engine.dialect.name == "postgresql":
        with fresh_engine.connect() as conn:
            assert not conn.execute(
                text("SELECT 1 FROM pg_proc WHERE proname LIKE 'oversight_%append_only'")
            ).all()
    _migrate_to(fresh_engine, "head", down=False)
    with fresh_engine.connect() as conn:
        for table in s.FACT_TABLES:  # the seed's facts were there before the column: version 1
            versions = set(conn.execute(select(table.c.version)).scalars())
            assert versions == {1}, table.name


def _refused(engine, sql: str, **params) -> None:
    with pytest.raises(DBAPIError) as info, engine.begin() as conn:
        conn.execute(text(sql), params)
    assert "append-only" in str(info.value)


def test_the_database_refuses_to_alter_or_delete_the_history(fresh_engine):
    grant_everyone(fresh_engine)
    from oversight.data.curation import edits

    change_id = edits.propose(fresh_engine, EDITOR, event_row())
    approved(fresh_engine, change_id)
    with fresh_engine.connect() as conn:
        review_id = conn.execute(select(func.max(s.reviews.c.id))).scalar_one()
        fact_id = conn.execute(select(s.changes.c.fact_id).where(s.changes.c.id == change_id)).scalar_one()
    assert fact_id is not None  # filled in once, when the proposal was applied
    for sql in (
        "UPDATE changes SET comment = 'rewritten' WHERE id = :id",
        "UPDATE changes SET proposed_by = 'someone.else@example.org' WHERE id = :id",
        "UPDATE changes SET fact_id = fact_id + 1 WHERE id = :id",  # filled in already: never again
        "UPDATE changes SET source_id = NULL WHERE id = :id",
        "DELETE FROM changes WHERE id = :id",
    ):
        _refused(fresh_engine, sql, id=change_id)
    _refused(fresh_engine, "UPDATE reviews SET decision = 'rejected' WHERE id = :id", id=review_id)
    _refused(fresh_engine, "DELETE FROM reviews WHERE id = :id", id=review_id)
    _refused(fresh_engine, "DELETE FROM changes")
    if fresh_engine.dialect.name == "postgresql":
        _refused(fresh_engine, "TRUNCATE reviews")
    # The one update allowed: a proposal's empty fact_id and source_id, filled in once, while it
    # is being applied (its latest review "approved") — not before, and never again after.
    other = edits.propose(fresh_engine, EDITOR, event_row("Another board"))
    _refused(fresh_engine, "UPDATE changes SET fact_id = 99999 WHERE id = :id", id=other)
    with fresh_engine.begin() as conn:
        ledger.add_review(conn, other, "approved", REVIEWER.key)
        ledger.fill_in(conn, other, fact_id=99999)
    _refused(fresh_engine, "UPDATE changes SET fact_id = 5 WHERE id = :id", id=other)
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.reviews)).scalar_one() >= 2


def test_every_import_run_is_one_history_row(fresh_engine, tmp_path):
    with fresh_engine.connect() as conn:
        runs = conn.execute(select(func.count()).select_from(s.import_runs)).scalar_one()
        rows = conn.execute(select(s.changes).where(s.changes.c.action == "import")).mappings().all()
    assert runs == len(rows) == 5  # the register, the three seed files and the errata
    assert {r["proposed_by"] for r in rows} >= {"import: tracker_blog.csv", "import: tracker_appendix.csv"}
    path = hd.write_tracker(tmp_path, [event_row(f"Board {i}") for i in range(40)], name="boards.csv")
    import_paths(fresh_engine, [path])
    with fresh_engine.connect() as conn:
        row = conn.execute(select(s.changes).order_by(s.changes.c.id.desc()).limit(1)).mappings().one()
    assert row["action"] == "import" and row["proposed_by"] == "import: boards.csv"
    assert '"rows_added": 40' in row["after_json"] and row["import_run_id"] is not None
    assert users.list_users(fresh_engine) == []  # importing grants nobody anything
    assert REVIEWER.key == "reviewer@example.org"


def test_0005_chains_a_history_written_before_it_and_keeps_its_names(fresh_engine):
    from oversight.data.curation import edits, history

    grant_everyone(fresh_engine)
    change_id = edits.propose(fresh_engine, EDITOR, event_row())
    approved(fresh_engine, change_id)
    _migrate_to(fresh_engine, "0004", down=True)
    with fresh_engine.begin() as conn:  # as revision 0004's code wrote it: no name, no chain
        conn.execute(
            text(
                "INSERT INTO reviews (change_id, decision, decided_by, decided_at) "
                "VALUES (:id, 'applied', 'reviewer@example.org', '2026-12-02 09:00:00')"
            ),
            {"id": change_id},
        )
    _migrate_to(fresh_engine, "head", down=False)
    result = history.verify(fresh_engine)
    assert result.ok, str(result.broken)
    with fresh_engine.connect() as conn:
        rows = conn.execute(select(func.count()).select_from(s.changes)).scalar_one()
        rows += conn.execute(select(func.count()).select_from(s.reviews)).scalar_one()
        names = set(conn.execute(select(s.reviews.c.decided_by_name)).scalars())
    assert result.entries == rows and "Bob Reviewer" in names
