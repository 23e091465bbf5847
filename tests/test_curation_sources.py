"""Sources kept (issue 21), on SQLite and PostgreSQL: a correction adds its source to the fact's
sources and keeps the earlier ones; a revert of it takes that source off again; a retraction and
its revert lose none; the history's chain still verifies; the tracker export writes one row per
source and imports back into the same facts with the same sources."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from oversight.data import bootstrap
from oversight.data.curation import edits, history, images
from oversight.data.curation.export import export_tracker_csv
from oversight.data.sources.importer import import_paths
from oversight.data.store import fact_sources, story
from oversight.data.store import schema as s
from tests import curation_support as cs
from tests.conftest import _new_url

SEED_SOURCE = "Intervention Level In Authorities Rated Inadequate by Ofsted"


@pytest.fixture
def engine(fresh_engine):
    cs.grant_everyone(fresh_engine)
    return fresh_engine


def _titles(engine, table: str, fact_id: int) -> list[str]:
    with engine.connect() as conn:
        rows = fact_sources.sources_of(conn, table, [fact_id]).get(fact_id, [])
    return [r["title"] for r in rows]


def _story_fact(engine, code: str, fact_id: int) -> story.Fact:
    facts = story.authority_story(engine, code).facts
    return next(f for f in facts if (f.fact_table, f.fact_id) == ("interventions", fact_id))


def _image(engine, change_id: int, column: str) -> dict:
    """A change's before- or after-image as the history keeps it."""
    with engine.connect() as conn:
        return images.loads(
            conn.execute(select(s.changes.c[column]).where(s.changes.c.id == change_id)).scalar_one()
        )


def _correct(engine, fact: dict, by=cs.EDITOR, **row: str) -> int:
    change_id = edits.propose_correction(engine, by, "interventions", fact["id"], row, fact["version"])
    edits.approve(engine, cs.REVIEWER, change_id, "checked")
    return change_id


def test_a_correction_adds_its_source_and_keeps_the_earlier_ones(engine):
    seed = cs.seed_fact(engine, "interventions", 7)
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE]
    first = _correct(engine, seed, **cs.citation(end_date="2023-03-31"))
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE, "A correction's source"]

    # A second correction (of another field, with another source) keeps both.
    now = cs.seed_fact(engine, "interventions", 7)
    second = _correct(
        engine,
        now,
        by=cs.EDITOR2,
        people="Jane Doe (commissioner)",
        source_url="https://www.example.org/minutes",
        source_title="Board minutes",
    )
    assert _titles(engine, "interventions", seed["id"]) == [
        SEED_SOURCE,
        "A correction's source",
        "Board minutes",
    ]
    with engine.connect() as conn:
        links = fact_sources.links(conn, "interventions", seed["id"])
    assert [link.added_by_change_id for link in links] == [None, first, second]
    assert all(link.added_at is not None for link in links)

    # The story shows the one the values now come from first, then the others in their order.
    code = history.change(engine, first).authority_code
    fact = _story_fact(engine, code, seed["id"])
    assert [x.title for x in fact.sources] == ["Board minutes", SEED_SOURCE, "A correction's source"]
    assert fact.source.title == "Board minutes"

    # The history's images keep the list: the after-image of the second correction names all three.
    after = _image(engine, second, "after_json")
    assert [e["source"]["title"] for e in after[images.STORED][images.SOURCES]] == [
        SEED_SOURCE,
        "A correction's source",
        "Board minutes",
    ]

    # A revert of the second correction takes its source off and keeps the rest.
    edits.revert(engine, cs.ADMIN, second, "the minutes were a draft")
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE, "A correction's source"]
    edits.revert(engine, cs.ADMIN, first, "not ended after all")
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE]
    assert cs.seed_fact(engine, "interventions", 7)["source_id"] == seed["source_id"]

    result = history.verify(engine)
    assert result.ok, str(result.broken)


def test_citing_a_source_the_fact_has_adds_nothing(engine):
    created = edits.approve(engine, cs.REVIEWER, edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER))
    assert _titles(engine, "interventions", created) == [cs.DEVON_ADVISER["source_title"]]
    row = {k: v for k, v in cs.DEVON_ADVISER.items() if k.startswith("source_")}
    current = history.current_fact(engine, "interventions", created)
    change_id = edits.propose_correction(
        engine, cs.EDITOR2, "interventions", created, {**row, "end_date": "2024-03-31"}, current.version
    )
    edits.approve(engine, cs.REVIEWER, change_id)
    assert _titles(engine, "interventions", created) == [cs.DEVON_ADVISER["source_title"]]
    # Its revert does not take off the source the fact had before it.
    edits.revert(engine, cs.ADMIN, change_id, "no end known")
    assert _titles(engine, "interventions", created) == [cs.DEVON_ADVISER["source_title"]]


def test_a_retraction_and_its_revert_keep_every_source(engine):
    seed = cs.seed_fact(engine, "interventions", 7)
    _correct(engine, seed, **cs.citation(end_date="2023-03-31"))
    now = cs.seed_fact(engine, "interventions", 7)
    retraction = edits.propose_retraction(
        engine,
        cs.EDITOR,
        "interventions",
        seed["id"],
        now["version"],
        "recorded twice",
        "https://www.example.org/x",
        "Duplicate",
    )
    edits.approve(engine, cs.REVIEWER, retraction)
    assert _titles(engine, "interventions", seed["id"]) == []
    edits.revert(engine, cs.ADMIN, retraction, "it was not a duplicate")
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE, "A correction's source"]
    assert history.verify(engine).ok


def test_a_correction_recorded_before_0006_is_reverted_by_the_source_it_added(engine, monkeypatch):
    """A before-image written before revision 0006 names no list of sources: a revert takes off
    the sources the reverted change added and keeps the rest."""
    seed = cs.seed_fact(engine, "interventions", 7)
    with monkeypatch.context() as m:  # images as the code before 0006 wrote them
        m.setattr(images, "sources_of", lambda *a: None)
        change_id = edits.propose_correction(
            engine,
            cs.EDITOR,
            "interventions",
            seed["id"],
            cs.citation(end_date="2023-03-31"),
            seed["version"],
        )
    before = _image(engine, change_id, "before_json")
    assert images.SOURCES not in before[images.STORED]
    edits.approve(engine, cs.REVIEWER, change_id)
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE, "A correction's source"]
    edits.revert(engine, cs.ADMIN, change_id, "wrong")
    assert _titles(engine, "interventions", seed["id"]) == [SEED_SOURCE]


def test_the_export_writes_each_source_and_imports_back_the_same(engine, request, tmp_path):
    seed = cs.seed_fact(engine, "interventions", 7)
    _correct(engine, seed, **cs.citation(end_date="2023-03-31"))
    created = edits.approve(engine, cs.REVIEWER, edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER))
    # A second source for the new fact, from a tracker file: the same row, another source.
    second = dict(cs.DEVON_ADVISER, source_url="https://www.example.org/press", source_title="Press report")
    extra = tmp_path / "second.csv"
    with extra.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(second))
        writer.writeheader()
        writer.writerow(second)
    [summary] = import_paths(engine, [extra])
    assert (summary.added, summary.updated) == (0, 1)
    assert _titles(engine, "interventions", created) == [cs.DEVON_ADVISER["source_title"], "Press report"]

    first = export_tracker_csv(engine)
    rows = [r for r in csv.DictReader(io.StringIO(first)) if r["title"] == cs.DEVON_ADVISER["title"]]
    assert [r["source_title"] for r in rows] == [cs.DEVON_ADVISER["source_title"], "Press report"]
    corrected = [r for r in csv.DictReader(io.StringIO(first)) if r["end_date"] == "2023-03-31"]
    assert [r["source_title"] for r in corrected] == ["A correction's source", SEED_SOURCE]

    path = tmp_path / "tracker_export.csv"
    path.write_text(first, encoding="utf-8")
    backend = "sqlite" if engine.dialect.name == "sqlite" else "postgresql"
    url = _new_url(backend, request, tmp_path / "second")
    try:
        other = bootstrap.ready_engine(url)
        import_paths(other, [path])
        assert export_tracker_csv(other) == first
        devon = story.authority_story(other, cs.DEVON)
        fact = next(f for f in devon.facts if f.label == cs.DEVON_ADVISER["title"])
        assert [x.title for x in fact.sources] == [cs.DEVON_ADVISER["source_title"], "Press report"]
        # Importing it again is a repeat: nothing to add.
        [again] = import_paths(other, [path])
        assert again.skipped_as_already_imported
    finally:
        bootstrap.forget(url)
