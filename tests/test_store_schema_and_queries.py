"""The data layer on SQLite and PostgreSQL: migrations, snapshot, spells, idempotent import."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import engine as engines
from oversight.data.store import migrate, queries, story
from oversight.data.store import schema as s
from tests.conftest import dump

D = dt.date.fromisoformat


def test_migrations_create_exactly_the_schema(empty_url):
    engine = engines.get_engine(empty_url)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), s.metadata)
    assert diffs == []
    migrate.upgrade(engine)  # a second upgrade is a no-op


def test_the_fast_head_is_alembics_head():
    """``migrate.HEAD`` spares a command Alembic's import: a new migration must move it too."""
    assert migrate.head_revision() == migrate.HEAD


def test_opening_an_engine_writes_nothing(empty_url):
    """Migrating and seeding is bootstrap's explicit step, never a side effect of an engine."""
    engine = engines.get_engine(empty_url)
    assert migrate.current_revision(engine) is None
    with engine.connect() as conn:
        assert not inspect(conn).get_table_names()
    bootstrap.prepare(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_first_use_migrates_and_seeds(fresh_engine):
    with fresh_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.regions)).scalar_one() == 9
        assert conn.execute(select(func.count()).select_from(s.authority_codes)).scalar_one() >= 163
        kinds = {r.kind for r in conn.execute(select(s.import_runs.c.kind))}
    assert "register" in kinds
    before = dump(fresh_engine)
    bootstrap.forget(str(fresh_engine.url.render_as_string(hide_password=False)))
    again = bootstrap.ready_engine(fresh_engine.url.render_as_string(hide_password=False))
    assert dump(again) == before, "seeding twice must change nothing"


def test_snapshot_matches_ofsteds_autumn_2017_figure(loaded_engine):
    # Ofsted: reports published by 8 Dec 2017, 152 inspected: 3 / 52 / 68 / 29.
    assert queries.snapshot(loaded_engine, D("2017-12-08")) == {
        "as_at": "2017-12-08",
        "inspected": 152,
        "not_inspected": 0,
        "counts": {"Outstanding": 3, "Good": 52, "Requires improvement to be good": 68, "Inadequate": 29},
        "no_overall_grade": 0,
        "derived_inadequate": 0,
    }


def test_snapshot_matches_the_2022_release_table(loaded_engine):
    # Ofsted's 2022 release: judgements as at 31 March 2022, published by 30 April 2022;
    # North and West Northamptonshire (from 1 April 2021) not yet inspected.
    result = queries.snapshot(loaded_engine, D("2022-04-30"))
    assert result["inspected"] == 150 and result["not_inspected"] == 2
    assert result["counts"] == {
        "Outstanding": 19,
        "Good": 61,
        "Requires improvement to be good": 52,
        "Inadequate": 18,
    }


def test_snapshot_follows_reorganisations(loaded_engine):
    before = queries.latest_judgements(loaded_engine, D("2019-03-31"))
    after = queries.latest_judgements(loaded_engine, D("2019-04-01"))
    assert {"E06000028", "E06000029", "E10000009"} <= set(before["code"])
    assert not {"E06000028", "E06000029", "E10000009"} & set(after["code"])
    assert {"E06000058", "E06000059"} <= set(after["code"])
    assert len(before) == 152 and len(after) == 151
    # Recodes keep one authority: Buckinghamshire shows its new code and its history.
    bucks = queries.latest_judgements(loaded_engine, D("2020-06-30")).set_index("code").loc["E06000060"]
    assert bucks["judgement"] is not None
    assert "E10000002" in set(queries.latest_judgements(loaded_engine, D("2019-06-30"))["code"])
    # Cumbria's successors start "not yet inspected".
    y2024 = queries.latest_judgements(loaded_engine, D("2024-03-31")).set_index("code")
    assert y2024.loc["E06000063", "judgement"] is None and y2024.loc["E06000064", "judgement"] is None
    assert len(y2024) == 153


def test_snapshot_by_region(loaded_engine):
    england = queries.snapshot(loaded_engine, D("2018-05-17"))
    regions = [queries.snapshot(loaded_engine, D("2018-05-17"), code) for (code,) in _regions(loaded_engine)]
    assert (
        sum(r["inspected"] + r["not_inspected"] for r in regions)
        == england["inspected"] + england["not_inspected"]
    )


def _regions(engine):
    with engine.connect() as conn:
        return conn.execute(select(s.regions.c.code).order_by(s.regions.c.code)).all()


def test_spells_darlington_and_censoring(loaded_engine):
    spells = queries.inadequate_spells(loaded_engine).set_index("name")
    darlington = spells.loc["Darlington"]
    assert (
        darlington["code"],
        darlington["start"],
        darlington["end"],
        darlington["months"],
        darlington["exit_grade"],
    ) == ("E06000005", D("2015-09-01"), D("2018-05-21"), 32.6, "Requires improvement to be good")
    northants = spells.loc["Northamptonshire"]
    assert northants["end"] is None and northants["censored_at"] == D("2021-03-31")
    assert bool(northants["ceased"]) and not spells.loc["Darlington", "ceased"]
    assert all(spells.loc[spells["open"], "end"].isna())


def test_authority_facts_in_date_order_with_sources(loaded_engine):
    info = story.find_authority(loaded_engine, "E06000005")
    facts = story.authority_facts(loaded_engine, info.id)
    dates = [f.date for f in facts]
    assert dates == sorted(dates)
    assert all(f.source.title for f in facts)
    assert any(f.type == "inspection" and f.publication_date == D("2015-09-01") for f in facts)
    assert story.find_authority(loaded_engine, "841").id == info.id
    assert story.find_authority(loaded_engine, "E10000002").code == "E06000060"
    assert story.find_authority(loaded_engine, "E99999999") is None


def test_reimport_changes_nothing(fresh_engine, release_paths):
    first = import_paths(fresh_engine, release_paths[2:])
    assert first[0].added > 0
    before = dump(fresh_engine)
    again = import_paths(fresh_engine, release_paths[2:])
    assert again[0].skipped_as_already_imported
    assert dump(fresh_engine) == before


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0)])
def test_import_order_does_not_change_the_answer(order, tmp_path, release_paths):
    url = f"sqlite:///{tmp_path / 'o.sqlite'}"
    engine = bootstrap.ready_engine(url)
    for i in order:
        import_paths(engine, [release_paths[i]])
    assert queries.snapshot(engine, D("2017-12-08"))["counts"]["Inadequate"] == 29
    darlington = queries.inadequate_spells(engine).set_index("name").loc["Darlington"]
    assert darlington["months"] == 32.6
    bootstrap.forget(url)
