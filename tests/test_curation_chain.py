"""The history proves itself (issue 19): triggers close SQLite's REPLACE and narrow the fill-in,
cited sources never change, and the hash chain finds a row altered by someone who could drop
the triggers (the database's owner), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from oversight import cli
from oversight.data.curation import edits, history, ledger
from oversight.data.curation.roles import OPERATOR
from oversight.data.store import chain
from oversight.data.store import schema as s
from tests import curation_support as cs


def _refused(engine, sql: str, **params) -> str:
    with pytest.raises(DBAPIError) as info, engine.begin() as conn:
        conn.execute(text(sql), params)
    return str(info.value)


def _owner(engine, table: str, sql: str, **params) -> None:
    """What someone holding the database's owner password can do: switch the triggers off,
    write, switch them on again."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            conn.execute(text(sql), params)
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        else:
            saved = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": table},
            ).all()
            for name, _ in saved:
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(sql), params)
            for _, create in saved:
                conn.execute(text(create))


@pytest.fixture
def history_engine(fresh_engine):
    """A store with people, one approved change and one rejected one."""
    cs.grant_everyone(fresh_engine)
    ok = edits.propose(fresh_engine, cs.EDITOR, cs.event_row("Board met"))
    cs.approved(fresh_engine, ok)
    no = edits.propose(fresh_engine, cs.EDITOR, cs.event_row("A board that never met"))
    edits.reject(fresh_engine, cs.REVIEWER, no, "no minutes found")
    IDS[fresh_engine.url.render_as_string(False)] = (ok, no)
    return fresh_engine


IDS: dict[str, tuple[int, int]] = {}


def _ids(engine) -> tuple[int, int]:
    return IDS[engine.url.render_as_string(False)]


def test_a_clean_history_fits_its_chain(history_engine):
    result = history.verify(history_engine)
    assert result.ok and result.broken is None
    head = history.chain_head(history_engine)
    assert head.entries == result.entries > 10 and head.hash == result.head_hash and len(head.hash) == 64
    with history_engine.connect() as conn:
        chained = conn.execute(select(func.count()).select_from(s.history_chain)).scalar_one()
        rows = conn.execute(select(func.count()).select_from(s.changes)).scalar_one()
        rows += conn.execute(select(func.count()).select_from(s.reviews)).scalar_one()
    assert chained >= rows  # every change and review, and each applied proposal's filling-in


def test_replace_cannot_turn_a_rejection_into_an_approval(history_engine):
    _, rejected = _ids(history_engine)
    with history_engine.connect() as conn:
        review = conn.execute(select(s.reviews).where(s.reviews.c.change_id == rejected)).mappings().one()
    if history_engine.dialect.name == "sqlite":
        message = _refused(
            history_engine,
            "INSERT OR REPLACE INTO reviews (id, change_id, decision, decided_by, decided_at) "
            "VALUES (:id, :change, 'approved', :by, :at)",
            id=review["id"],
            change=rejected,
            by=review["decided_by"],
            at=review["decided_at"],
        )
        assert "append-only" in message
        for table, key in (("changes", "id"), ("history_chain", "seq")):
            with pytest.raises(DBAPIError, match="append-only"), history_engine.begin() as conn:
                conn.execute(text(f"REPLACE INTO {table} SELECT * FROM {table} WHERE {key} = 1"))
    else:  # PostgreSQL's upsert is an UPDATE, which the trigger refuses
        message = _refused(
            history_engine,
            "INSERT INTO reviews (id, change_id, decision, decided_by, decided_at) "
            "VALUES (:id, :change, 'approved', :by, :at) ON CONFLICT (id) DO UPDATE SET decision = 'approved'",
            id=review["id"],
            change=rejected,
            by=review["decided_by"],
            at=review["decided_at"],
        )
        assert "append-only" in message
    assert history.verify(history_engine).ok


def test_the_fill_in_is_only_a_proposals_own_application(history_engine):
    ok, rejected = _ids(history_engine)
    grant_row = ledger.add_change  # noqa: F841 - the grant rows are written by grant_everyone
    with history_engine.connect() as conn:
        grant_id = conn.execute(
            select(func.min(s.changes.c.id)).where(s.changes.c.action == "grant")
        ).scalar_one()
    for change_id in (grant_id, rejected):  # a grant, a rejected proposal: never attached to a fact
        for column in ("fact_id", "source_id"):
            assert "append-only" in _refused(
                history_engine, f"UPDATE changes SET {column} = 1 WHERE id = :id", id=change_id
            )


def test_a_new_title_for_a_cited_link_is_a_new_source(history_engine):
    first = edits.propose(fresh := history_engine, cs.EDITOR, cs.event_row("Second board"))
    cs.approved(fresh, first)
    row = cs.event_row("Third board")
    row["source_title"] = "Board minutes (renamed later)"  # the same link, another title
    second = edits.propose(fresh, cs.EDITOR, row)
    cs.approved(fresh, second)
    earlier = history.change(fresh, first)
    later = history.change(fresh, second)
    assert earlier is not None and later is not None
    assert earlier.source is not None and earlier.source.title == "Board minutes"
    assert later.source is not None and later.source.title == "Board minutes (renamed later)"
    with fresh.connect() as conn:
        cited = conn.execute(select(s.changes.c.source_id).where(s.changes.c.id == first)).scalar_one()
    message = _refused(fresh, "UPDATE sources SET title = 'rewritten' WHERE id = :id", id=cited)
    assert "cited by a change" in message
    assert "cited by a change" in _refused(fresh, "DELETE FROM sources WHERE id = :id", id=cited)
    assert history.verify(fresh).ok


@pytest.mark.parametrize(
    ("table", "sql", "found"),
    [
        (
            "reviews",
            "UPDATE reviews SET decision = 'approved' WHERE change_id = :rejected",
            "decision differs",
        ),
        ("changes", "UPDATE changes SET comment = 'rewritten' WHERE id = :ok", "comment differs"),
        ("changes", "UPDATE changes SET proposed_by_name = 'Mallory' WHERE id = :ok", "proposed_by_name"),
        ("reviews", "DELETE FROM reviews WHERE change_id = :rejected", "is gone"),
        (
            "reviews",
            "INSERT INTO reviews (change_id, decision, decided_by, decided_at) "
            "VALUES (:rejected, 'approved', 'reviewer@example.org', '2026-12-01 10:00:00')",
            "never chained",
        ),
        (
            "sources",
            "UPDATE sources SET title = 'rewritten' WHERE id = (SELECT source_id FROM changes WHERE id = :ok)",
            "cited source",
        ),
        (
            "history_chain",
            "UPDATE history_chain SET content = replace(content, 'Board met', 'Board skipped')",
            "hash does not match",
        ),
    ],
)
def test_verify_names_the_first_row_altered_behind_the_triggers(history_engine, capsys, table, sql, found):
    ok, rejected = _ids(history_engine)
    before = history.chain_head(history_engine)
    assert cli.main(["tracker", "verify", "--database", str(history_engine.url.render_as_string(False))]) == 0
    out = capsys.readouterr().out
    assert f"head {before.hash}" in out and f"{before.entries} entries" in out
    _owner(history_engine, table, sql, ok=ok, rejected=rejected)
    result = history.verify(history_engine)
    assert not result.ok and result.broken is not None
    assert found in str(result.broken), str(result.broken)
    code = cli.main(["tracker", "verify", "--database", str(history_engine.url.render_as_string(False))])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("oversight: ") is False and "does not fit its chain" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_noted_head_proves_the_history_up_to_it(history_engine, capsys):
    noted = history.chain_head(history_engine).hash
    later = edits.propose(history_engine, cs.EDITOR, cs.event_row("A later board"))
    cs.approved(history_engine, later)
    url = history_engine.url.render_as_string(False)
    assert cli.main(["tracker", "verify", "--expect", noted, "--database", url]) == 0
    assert "is one of its entries" in capsys.readouterr().out
    assert cli.main(["tracker", "verify", "--expect", "0" * 64, "--database", url]) == 1
    assert "is not one of its entries" in capsys.readouterr().err
    # Someone who rewrites a row and then re-chains everything after it changes every later hash:
    with history_engine.begin() as conn:
        entries = conn.execute(select(s.history_chain).order_by(s.history_chain.c.seq)).mappings().all()
    assert noted in {e["row_hash"] for e in entries}


def test_the_operator_is_an_actor_and_no_actor_is_nobody(history_engine):
    with history_engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(s.changes)).scalar_one()
    from oversight.data.curation import users
    from oversight.data.curation.roles import PermissionDenied

    with pytest.raises(PermissionDenied, match="Sign in"):
        users.grant(history_engine, None, "mallory@example.org", "admin")  # a signed-out callback
    with history_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.changes)).scalar_one() == before
    users.grant(history_engine, OPERATOR, "new@example.org", "editor")
    with history_engine.connect() as conn:
        row = conn.execute(select(s.changes).order_by(s.changes.c.id.desc()).limit(1)).mappings().one()
    assert row["proposed_by"] == "command line" and row["proposed_by_name"] == "command line"
    assert chain.verify(history_engine.connect()).ok
