"""Revision 0006 on SQLite and PostgreSQL: ``fact_sources``, filled from each fact's one source,
so a database written before it keeps every fact's source, and its history still verifies."""

from __future__ import annotations

from alembic import command
from sqlalchemy import func, inspect, select

from oversight.data.curation import edits, history
from oversight.data.sources.importer import import_paths
from oversight.data.sources.seed import SEED_DIR
from oversight.data.store import fact_sources, migrate, story
from oversight.data.store import schema as s
from tests import curation_support as cs

BCP = "E06000058"


def _migrate_to(engine, revision: str, down: bool) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _facts(engine) -> dict[tuple[str, int], dict]:
    with engine.connect() as conn:
        return {
            (t.name, r["id"]): dict(r)
            for t in s.FACT_TABLES
            for r in conn.execute(select(t.c.id, t.c.source_id, t.c.import_run_id)).mappings()
        }


def _links(engine) -> dict[tuple[str, int], list[dict]]:
    fs = s.fact_sources
    out: dict[tuple[str, int], list[dict]] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(fs).order_by(fs.c.fact_table, fs.c.fact_id, fs.c.position)).mappings():
            out.setdefault((r["fact_table"], r["fact_id"]), []).append(dict(r))
    return out


def _bcp_direction(engine) -> story.Fact:
    return next(f for f in story.authority_story(engine, BCP).facts if f.type == "intervention")


def test_0006_gives_every_fact_of_a_0005_database_its_source(fresh_engine):
    cs.grant_everyone(fresh_engine)
    created = edits.approve(
        fresh_engine, cs.REVIEWER, edits.propose(fresh_engine, cs.EDITOR, cs.DEVON_ADVISER)
    )
    seed = cs.seed_fact(fresh_engine, "interventions", 7)
    correction = edits.propose_correction(
        fresh_engine,
        cs.EDITOR,
        "interventions",
        seed["id"],
        cs.citation(end_date="2023-03-31"),
        seed["version"],
    )
    edits.approve(fresh_engine, cs.REVIEWER, correction)
    create_change = next(
        c.id for c in history.recent_changes(fresh_engine, include_proposals=True) if c.action == "create"
    )

    _migrate_to(fresh_engine, "0005", down=True)  # a database as revision 0005 left it
    assert "fact_sources" not in inspect(fresh_engine).get_table_names()
    facts = _facts(fresh_engine)
    _migrate_to(fresh_engine, "head", down=False)

    links = _links(fresh_engine)
    assert set(links) == set(facts), "every fact has its sources, and only facts have them"
    for key, fact in facts.items():
        [link] = links[key]
        assert (link["source_id"], link["position"]) == (fact["source_id"], 0), key
        assert link["added_at"] is not None, key
        if fact["import_run_id"] is not None and key != ("interventions", seed["id"]):
            assert (link["import_run_id"], link["added_by_change_id"]) == (fact["import_run_id"], None), key
    # The corrected seed fact's source is the correction's: added by that change, not the run.
    corrected = links[("interventions", seed["id"])][0]
    assert (corrected["added_by_change_id"], corrected["import_run_id"]) == (correction, None)
    assert links[("interventions", created)][0]["added_by_change_id"] == create_change
    result = history.verify(fresh_engine)
    assert result.ok, str(result.broken)

    # The seed's second source for BCP's direction (0005 had no place for it) comes with the
    # seed's next import, as a changed seed file brings it to an old database.
    assert len(_bcp_direction(fresh_engine).sources) == 1
    [summary] = import_paths(fresh_engine, [SEED_DIR / "tracker_history.csv"], rank_kind="seed")
    assert (summary.added, summary.updated) == (0, 1)
    assert len(_bcp_direction(fresh_engine).sources) == 2

    # A correction after the migration keeps the source the migration gave the fact.
    now = cs.seed_fact(fresh_engine, "interventions", 7)
    later = edits.propose_correction(
        fresh_engine,
        cs.EDITOR2,
        "interventions",
        seed["id"],
        {"people": "Jane Doe", "source_url": "https://www.example.org/m", "source_title": "Minutes"},
        now["version"],
    )
    edits.approve(fresh_engine, cs.REVIEWER, later)
    with fresh_engine.connect() as conn:
        titles = [
            r["title"] for r in fact_sources.sources_of(conn, "interventions", [seed["id"]])[seed["id"]]
        ]
    assert titles == ["A correction's source", "Minutes"]
    assert history.verify(fresh_engine).ok


def test_0006_downgrades_to_one_source_per_fact(fresh_engine):
    facts = _facts(fresh_engine)
    _migrate_to(fresh_engine, "0005", down=True)
    assert "fact_sources" not in inspect(fresh_engine).get_table_names()
    assert _facts(fresh_engine) == facts  # each fact kept its primary source
    _migrate_to(fresh_engine, "head", down=False)
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.fact_sources)).scalar_one() == len(facts)


def test_a_fact_lacks_a_link_only_if_none_of_its_sources_has_one(fresh_engine, tmp_path):
    """``record_gaps``' "no link": a fact first recorded from a source without a link is no
    longer a gap once a second source with a link is added to it."""
    from oversight.data.sources.tracker_csv import COLUMNS
    from oversight.data.store.record_gaps import record_gaps

    header = ",".join(COLUMNS) + "\n"
    row = "event,E10000008,,2024-03-01,day,,,,,board,,Improvement board met,,,{url},{title},\n"

    def no_link() -> list:
        return [
            g
            for g in record_gaps(fresh_engine)
            if g.kind == "no_link" and g.authority_code == "E10000008" and "Improvement board met" in g.words
        ]

    first = tmp_path / "first.csv"
    first.write_text(header + row.format(url="", title="Minutes (paper copy)"), encoding="utf-8")
    import_paths(fresh_engine, [first])
    assert len(no_link()) == 1
    second = tmp_path / "second.csv"
    second.write_text(
        header + row.format(url="https://www.example.org/minutes", title="Minutes"), encoding="utf-8"
    )
    import_paths(fresh_engine, [second])
    assert no_link() == []
