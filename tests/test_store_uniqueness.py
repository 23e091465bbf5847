"""Natural keys on facts (issue 11): revision 0003 merges the duplicates concurrent imports left,
the unique indexes refuse a second copy of a fact on both backends, and the importer names the
facts instead of failing on an index."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.sources.seed import sync_register
from oversight.data.store import engine as engines
from oversight.data.store import migrate
from oversight.data.store import schema as s
from tests.conftest import dump

D = dt.date.fromisoformat
TRACKER_HEADER = (
    "record,authority_code,authority_name,date,date_precision,published,end_date,end_precision,level,kind,"
    "grade,title,details,people,source_url,source_title,source_publisher\n"
)


def _at_0002(url: str) -> Engine:
    """A store as it was before natural keys: revision 0002, the register loaded."""
    engine = engines.get_engine(url)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        sync_register(conn)
    return engine


def _fact(conn: Connection, table, **values: Any) -> int:
    return conn.execute(insert(table).values(**values)).inserted_primary_key[0]


def _inspection(conn: Connection, ctx: dict, rank: int, judgements: dict[str, str], **values: Any) -> int:
    row = {
        "authority_id": ctx["aid"],
        "source_id": ctx["sid"],
        "source_rank": rank,
        "framework": "sif",
        "kind": "sif",
        "is_full": True,
        "publication_estimated": False,
        "date_precision": "day",
        "overall_derived": False,
        **values,
    }
    iid = _fact(conn, s.inspections, **row)
    for area, grade in judgements.items():
        conn.execute(insert(s.inspection_judgements).values(inspection_id=iid, area=area, grade=grade))
    return iid


def _duplicates(engine: Engine) -> dict[str, int]:
    """Copies of facts as the racing imports left them, and rows that only look alike."""
    with engine.begin() as conn:
        aid = conn.execute(select(s.authorities.c.id).where(s.authorities.c.code == "E06000005")).scalar_one()
        sid = _fact(conn, s.sources, key="test", title="Test", kind="tracker")
        ctx = {"aid": aid, "sid": sid}
        common = {"authority_id": aid, "source_id": sid, "source_rank": 5}
        ids = {
            # Same kind, same inspection date: the older release's copy first.
            "a1": _inspection(
                conn,
                ctx,
                5,
                {"overall": "Good"},
                inspection_date=D("2015-01-10"),
                publication_date=D("2015-03-01"),
                overall_effectiveness="Good",
                web_link="https://example.org/a",
            ),
            "a2": _inspection(
                conn,
                ctx,
                9,
                {"overall": "Inadequate", "leadership": "Inadequate"},
                inspection_date=D("2015-01-10"),
                publication_date=D("2015-03-02"),
                overall_effectiveness="Inadequate",
            ),
            # Same publication date; only one copy knows the inspection date.
            "b1": _inspection(
                conn, ctx, 9, {}, publication_date=D("2016-05-01"), overall_effectiveness="Good"
            ),
            "b2": _inspection(
                conn,
                ctx,
                5,
                {"overall": "Good"},
                inspection_date=D("2016-03-01"),
                publication_date=D("2016-05-01"),
                overall_effectiveness="Good",
            ),
            # An estimated publication date on the same day is not a copy.
            "c": _inspection(
                conn,
                ctx,
                5,
                {},
                inspection_date=D("2016-03-20"),
                publication_date=D("2016-05-01"),
                publication_estimated=True,
            ),
        }
        visit = {**common, "kind": "monitoring", "visit_date": D("2017-01-05"), "date_precision": "day"}
        ids["v1"] = _fact(conn, s.visits, **visit)
        ids["v2"] = _fact(conn, s.visits, **visit)
        ids["v3"] = _fact(conn, s.visits, **visit, publication_date=D("2017-02-01"))
        notice = {**common, "level": "direction", "start_date": D("2018-01-01"), "start_precision": "day"}
        ids["i1"] = _fact(conn, s.interventions, **notice)
        ids["i2"] = _fact(conn, s.interventions, **notice)
        board = {**common, "kind": "board", "date": D("2019-02-02"), "date_precision": "day"}
        ids["e1"] = _fact(conn, s.events, **board, title="Board meets")
        ids["e2"] = _fact(conn, s.events, **board, title="Board meets")
        ids["e3"] = _fact(conn, s.events, **board, title="Board meets again")
    return ids


def _rows(engine: Engine, table) -> dict[int, Any]:
    with engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(table))}


def _judgements(engine: Engine) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    with engine.connect() as conn:
        for r in conn.execute(select(s.inspection_judgements)):
            out.setdefault(r.inspection_id, {})[r.area] = r.grade
    return out


def test_revision_0003_merges_and_reports_duplicates(empty_url, caplog):
    engine = _at_0002(empty_url)
    ids = _duplicates(engine)
    with caplog.at_level(logging.WARNING, logger="oversight.data.store.migrations"):
        migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    reported = " | ".join(r.getMessage() for r in caplog.records)
    for words in (
        "merged 2 duplicate inspections",
        "merged 1 duplicate visits",
        "merged 1 duplicate interventions",
    ):
        assert words in reported
    assert "merged 1 duplicate events" in reported

    inspections = _rows(engine, s.inspections)
    assert set(inspections) == {ids["a1"], ids["b1"], ids["c"]}, "the lowest id of each fact stays"
    a = inspections[ids["a1"]]  # the higher-ranked copy's values, its gaps filled from the other
    assert (a.source_rank, a.publication_date, a.overall_effectiveness) == (9, D("2015-03-02"), "Inadequate")
    assert a.web_link == "https://example.org/a"
    b = inspections[ids["b1"]]
    assert (b.inspection_date, b.publication_date, b.source_rank) == (D("2016-03-01"), D("2016-05-01"), 9)
    assert _judgements(engine) == {
        ids["a1"]: {"overall": "Inadequate", "leadership": "Inadequate"},
        ids["b1"]: {"overall": "Good"},
    }
    assert set(_rows(engine, s.visits)) == {ids["v1"], ids["v3"]}
    assert set(_rows(engine, s.interventions)) == {ids["i1"]}
    assert set(_rows(engine, s.events)) == {ids["e1"], ids["e3"]}


def test_a_clean_store_migrates_silently(empty_url, caplog):
    engine = _at_0002(empty_url)
    with caplog.at_level(logging.WARNING, logger="oversight.data.store.migrations"):
        migrate.upgrade(engine)
    assert not caplog.records


def test_the_indexes_refuse_a_second_copy_and_only_that(fresh_engine):
    with fresh_engine.begin() as conn:
        aid = conn.execute(select(s.authorities.c.id).where(s.authorities.c.code == "E06000005")).scalar_one()
        sid = _fact(conn, s.sources, key="test", title="Test", kind="tracker")
    ctx = {"aid": aid, "sid": sid}
    allowed = [
        # Estimated publication dates may coincide: matching ignores them.
        {
            "inspection_date": D("2015-01-01"),
            "publication_date": D("2015-03-01"),
            "publication_estimated": True,
        },
        {
            "inspection_date": D("2015-01-02"),
            "publication_date": D("2015-03-01"),
            "publication_estimated": True,
        },
        # Another kind on the same day is another inspection.
        {"kind": "sif_reinspection", "inspection_date": D("2015-01-01")},
    ]
    refused = [
        {"inspection_date": D("2015-01-01"), "publication_date": D("2015-04-01")},
        {"publication_date": D("2016-01-01")},
    ]
    with fresh_engine.begin() as conn:
        for values in allowed:
            _inspection(conn, ctx, 5, {}, **values)
        _inspection(conn, ctx, 5, {}, publication_date=D("2016-01-01"))
    for values in refused:
        with pytest.raises(IntegrityError), fresh_engine.begin() as conn:
            _inspection(conn, ctx, 5, {}, **values)
    visit = {"authority_id": aid, "source_id": sid, "source_rank": 5, "kind": "jtai", "date_precision": "day"}
    with fresh_engine.begin() as conn:
        _fact(conn, s.visits, **visit, publication_date=D("2017-03-01"))
        # The same letter date with visit dates is not matched as one visit, so allowed.
        _fact(conn, s.visits, **visit, visit_date=D("2017-01-01"), publication_date=D("2017-03-01"))
        _fact(conn, s.visits, **visit, visit_date=D("2017-01-20"), publication_date=D("2017-03-01"))
    with pytest.raises(IntegrityError), fresh_engine.begin() as conn:
        _fact(conn, s.visits, **visit, publication_date=D("2017-03-01"))


def test_a_merge_that_would_make_two_facts_alike_is_refused_by_name(fresh_engine, tmp_path):
    """The lower-ranked seed knows two inspections; a tracker row matches the first by its
    publication date and moves its inspection date onto the second's."""
    seed = tmp_path / "seed.csv"
    seed.write_text(
        TRACKER_HEADER
        + "inspection,E06000005,,2015-01-10,day,2015-03-01,,,,sif,Good,,,,,Seed,\n"
        + "inspection,E06000005,,2015-02-01,day,2015-04-01,,,,sif,Inadequate,,,,,Seed,\n"
    )
    import_paths(fresh_engine, [seed], rank_kind="seed")
    tracker = tmp_path / "tracker.csv"
    tracker.write_text(
        TRACKER_HEADER + "inspection,E06000005,,2015-02-01,day,2015-03-01,,,,sif,Good,,,,,Mine,\n"
    )
    before = dump(fresh_engine)
    with pytest.raises(ImportRefused) as info:
        import_paths(fresh_engine, [tracker])
    assert "E06000005: two inspections would both have kind sif, inspection_date 2015-02-01" in str(
        info.value
    )
    assert dump(fresh_engine) == before


def test_natural_keys_are_the_schemas_indexes():
    names = {ix.name for t in s.FACT_TABLES for ix in t.indexes if ix.unique}
    assert names == {k.name for k in s.NATURAL_KEYS}
