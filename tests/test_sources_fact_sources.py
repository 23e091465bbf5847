"""The importer keeps a fact's sources (issue 21), on SQLite and PostgreSQL: a tracker row that
states a fact already known adds its source; a row citing what the fact already cites adds
nothing; a newer Ofsted release replaces the older one it supersedes instead of joining it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from oversight.data.sources.importer import import_paths
from oversight.data.sources.tracker_csv import COLUMNS
from oversight.data.store import fact_sources, story
from oversight.data.store import schema as s

BCP = "E06000058"
LOCALGOV = "Government intervenes over council's 'inadequate' children's services"
ECHO = "First report of BCP Council children's services advisor"
HEADER = ",".join(COLUMNS) + "\n"
#: BCP's April 2022 direction as the seed states it, but its source (``source_*`` appended).
DIRECTION = (
    'intervention,E06000058,"Bournemouth, Christchurch and Poole",2022-04,month,,,,direction,adviser,,'
    '"Statutory direction issued to Bournemouth, Christchurch and Poole Council",,,'
)


def _direction(engine) -> story.Fact:
    return next(f for f in story.authority_story(engine, BCP).facts if f.type == "intervention")


def _write(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_the_seed_gives_bcps_direction_both_its_press_sources(fresh_engine):
    fact = _direction(fresh_engine)
    assert [x.title for x in fact.sources] == [LOCALGOV, ECHO]
    assert fact.source.title == LOCALGOV  # the first row's: its values


def test_a_tracker_row_for_a_known_fact_adds_its_source(fresh_engine, tmp_path):
    before = _direction(fresh_engine)
    path = _write(
        tmp_path / "third.csv",
        DIRECTION + "https://www.example.org/council-news,Council statement on the direction,BCP Council",
    )
    [summary] = import_paths(fresh_engine, [path])
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 0)
    fact = _direction(fresh_engine)
    # A user's tracker outranks the seed: its source is now the one the values are read from
    # (first), and the seed's two stay, in their order; the row's empty cells changed nothing.
    assert [x.title for x in fact.sources] == ["Council statement on the direction", LOCALGOV, ECHO]
    assert (fact.details, fact.people, fact.date) == (before.details, before.people, before.date)
    with fresh_engine.connect() as conn:
        stored = fact_sources.sources_of(conn, "interventions", [fact.fact_id])[fact.fact_id]
    assert [r["title"] for r in stored] == [LOCALGOV, ECHO, "Council statement on the direction"]

    [again] = import_paths(fresh_engine, [path])
    assert again.skipped_as_already_imported


def test_a_row_citing_what_the_fact_cites_adds_nothing(fresh_engine, tmp_path):
    """A tracker row citing the seed's own page (the same link, title and publisher, under the
    tracker's key) is the same source to a reader: the fact's list, as shown, does not grow."""
    path = _write(
        tmp_path / "same.csv",
        DIRECTION
        + "https://www.localgov.co.uk/Government-intervenes-over-councils-inadequate-childrens-services/54024,"
        + f'"{LOCALGOV}",LocalGov',
    )
    import_paths(fresh_engine, [path])  # the tracker outranks the seed: its row is now the primary
    assert [x.title for x in _direction(fresh_engine).sources] == [LOCALGOV, ECHO]


def test_a_newer_release_replaces_the_older_as_a_source(fresh_engine, data_dir):
    ofsted = data_dir / "ofsted"
    import_paths(fresh_engine, [ofsted / "Childrens_social_care_in_England_2022_underlying_data.xlsx"])
    import_paths(fresh_engine, [ofsted / "Childrens_social_care_in_England_2023_underlying_data.ods"])
    _each_fact_cites_its_primary_and_one_release(fresh_engine)


def test_every_fact_of_the_loaded_store_cites_its_primary(loaded_engine):
    _each_fact_cites_its_primary_and_one_release(loaded_engine)


def _each_fact_cites_its_primary_and_one_release(engine) -> None:
    src = s.sources
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(src.c.id, src.c.kind)).all())
        links = fact_sources.all_links(conn)
        for table in s.FACT_TABLES:
            for fid, primary in conn.execute(select(table.c.id, table.c.source_id)):
                mine = links.get((table.name, fid), [])
                assert primary in mine, (table.name, fid)
                releases = [x for x in mine if kinds[x] in fact_sources.SUPERSEDED]
                assert len(releases) <= 1, (table.name, fid, releases)


def test_an_erratum_keeps_the_release_it_corrected_as_a_source(loaded_engine):
    """Nottingham's inadequate report (``data/seed/errata.csv``): its source is the erratum (the
    date's), and the release that gave its other values stays beside it."""
    [fact] = [
        f
        for f in story.authority_story(loaded_engine, "E06000018").facts
        if f.type == "inspection" and f.corrected
    ]
    with loaded_engine.connect() as conn:
        kinds = dict(conn.execute(select(s.sources.c.title, s.sources.c.kind)).all())
    assert fact.source.title.startswith("Publication date corrected from 5 November 2022")
    assert [kinds[x.title] for x in fact.sources] == ["erratum", "ofsted_release"]
