"""``export_tracker_csv``: the curated tracker as a tracker CSV that imports back into the same
facts, and exports again as the same text, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from oversight.data import bootstrap
from oversight.data.curation import edits
from oversight.data.curation.export import export_tracker_csv
from oversight.data.domain.text import csv_cell, csv_value
from oversight.data.sources.importer import import_paths
from oversight.data.sources.tracker_csv import COLUMNS
from oversight.data.store import schema as s
from oversight.data.store import story
from tests import curation_support as cs
from tests.conftest import _new_url

#: What two databases may differ in for the same facts: their ids, runs, ranks and versions.
OWN = {"id", "source_id", "import_run_id", "source_rank", "version"}


def _facts(engine, table) -> list[tuple]:
    """A fact table's rows with their source's link, title and publisher, ids left out."""
    src = s.sources
    columns = [c for c in table.c if c.name not in OWN]
    stmt = select(*columns, src.c.url, src.c.title, src.c.publisher).join(src, src.c.id == table.c.source_id)
    with engine.connect() as conn:
        return sorted((tuple(r) for r in conn.execute(stmt)), key=repr)


def _sources(engine, table) -> list[tuple]:
    """Each fact's sources as a reader sees them (link, title, publisher; the same once), in
    their order, by the fact's values (ids left out)."""
    src, fs = s.sources, s.fact_sources
    columns = [c for c in table.c if c.name not in OWN]
    stmt = (
        select(table.c.id, *columns, src.c.url, src.c.title, src.c.publisher)
        .join(fs, (fs.c.fact_table == table.name) & (fs.c.fact_id == table.c.id))
        .join(src, src.c.id == fs.c.source_id)
        .order_by(table.c.id, fs.c.position)
    )
    facts: dict[int, tuple] = {}
    lists: dict[int, list[tuple]] = {}
    with engine.connect() as conn:
        for r in conn.execute(stmt):
            facts[r[0]] = tuple(r[1:-3])
            said = tuple(r[-3:])
            if said not in lists.setdefault(r[0], []):
                lists[r[0]].append(said)
    return sorted(((facts[i], tuple(lists[i])) for i in facts), key=repr)


def _curate(engine) -> None:
    """The seed, plus approved edits of every kind."""
    cs.grant_everyone(engine)

    def done(change_id):
        return edits.approve(engine, cs.REVIEWER, change_id)

    done(edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER))
    done(
        edits.propose(engine, cs.EDITOR, cs.event_row('Board: "Quality" review, 2 hours\nMinutes to follow'))
    )
    done(
        edits.propose(
            engine,
            cs.EDITOR,
            {
                "record": "visit",
                "authority_code": cs.DEVON,
                "date": "2023-05-10",
                "published": "2023-06-20",
                "kind": "monitoring",
                "title": "Monitoring visit",
                "details": "Progress in <b>help and protection</b>",
                "source_url": "https://www.example.org/letter",
                "source_title": "Monitoring visit letter",
            },
        )
    )
    seed = cs.seed_fact(engine, "interventions", 7)
    done(
        edits.propose_correction(
            engine,
            cs.EDITOR,
            "interventions",
            seed["id"],
            cs.citation(end_date="2023-03-31", people="Jane Doe (commissioner); John Roe"),
            seed["version"],
        )
    )
    gone = done(edits.propose(engine, cs.EDITOR, cs.event_row("Recorded by mistake")))
    done(
        edits.propose_retraction(
            engine, cs.EDITOR, "events", gone, 1, "never met", "https://www.example.org/x", "Minutes"
        )
    )
    edits.propose(engine, cs.EDITOR2, cs.event_row("Still a proposal"))  # never exported


def test_export_imports_into_a_fresh_database_as_the_same_facts(fresh_engine, request, tmp_path):
    _curate(fresh_engine)
    first = export_tracker_csv(fresh_engine)
    rows = list(csv.DictReader(io.StringIO(first)))
    assert list(rows[0]) == list(COLUMNS)
    titles = {r["title"] for r in rows}
    assert "DfE-appointed improvement adviser" in titles and "Recorded by mistake" not in titles
    assert "Still a proposal" not in titles
    seed_counts = {t.name: len(_facts(fresh_engine, t)) for t in s.FACT_TABLES}
    # No Ofsted release here: every fact is curated, one row per source: two rows for the
    # corrected seed intervention (its seed source kept beside the correction's) and two for
    # BCP's April 2022 direction (two press sources in the seed).
    assert len(rows) == sum(seed_counts.values()) + 2
    bcp = [r for r in rows if r["authority_code"] == "E06000058" and r["record"] == "intervention"]
    assert [r["source_publisher"] for r in bcp] == [
        "LocalGov",
        "Bournemouth Echo (publishing the adviser's report)",
    ]

    path = tmp_path / "tracker_export.csv"
    path.write_text(first, encoding="utf-8")
    backend = "sqlite" if fresh_engine.dialect.name == "sqlite" else "postgresql"
    url = _new_url(backend, request, tmp_path / "second")
    try:
        other = bootstrap.ready_engine(url)  # the register and the seed, as every new database
        import_paths(other, [path])
        assert export_tracker_csv(other) == first
        for table in s.FACT_TABLES:
            assert _facts(other, table) == _facts(fresh_engine, table), table.name
            assert _sources(other, table) == _sources(fresh_engine, table), table.name
    finally:
        bootstrap.forget(url)


def test_a_cell_that_looks_like_a_formula_is_neutralised(fresh_engine, tmp_path):
    cs.grant_everyone(fresh_engine)
    for title in ('=HYPERLINK("http://evil.example","x")', "+1", "-1", "@SUM(1)"):
        edits.approve(fresh_engine, cs.REVIEWER, edits.propose(fresh_engine, cs.EDITOR, cs.event_row(title)))
    text = export_tracker_csv(fresh_engine)
    titles = [
        r["title"]
        for r in csv.DictReader(io.StringIO(text))
        if r["authority_code"] == cs.DEVON and r["source_url"] == "https://www.example.org/board-minutes"
    ]
    assert sorted(titles) == sorted(["'+1", "'-1", "'@SUM(1)", '\'=HYPERLINK("http://evil.example","x")'])
    assert csv_cell("2021-04-01") == "2021-04-01" and csv_cell(None) is None and csv_cell("＝1") == "'＝1"


def test_releases_are_not_the_trackers_to_export(loaded_engine):
    """Inspections and visits from Ofsted's releases come back from their own files."""
    rows = list(csv.DictReader(io.StringIO(export_tracker_csv(loaded_engine))))
    src = s.sources
    with loaded_engine.connect() as conn:
        curated = {
            t.name: len(
                conn.execute(
                    select(t.c.id)
                    .join(src, src.c.id == t.c.source_id)
                    .where(
                        src.c.kind.not_in(("ofsted_release", "community_scrape"))
                        | (t.name in ("interventions", "events"))
                    )
                ).all()
            )
            for t in s.FACT_TABLES
        }
    by_record = {r: sum(1 for row in rows if row["record"] == r) for r in ("inspection", "visit")}
    assert by_record == {"inspection": curated["inspections"], "visit": curated["visits"]}


#: Values a spreadsheet would run, and two that start with an apostrophe: ``'=x`` (typed so: an
#: apostrophe, then a formula character) and ``'quoted'`` (an apostrophe before a letter).
ROUND_TRIP = ('=HYPERLINK("http://x","y")', "+44 20 7946 0000", "-5", "@x", "'=x", "''@y", "'quoted'", "＝1")


@pytest.mark.parametrize("value", [*ROUND_TRIP, "", "'", "x'=", "2021-04-01", "'+", "' =x"])
def test_the_reader_takes_off_exactly_the_guard_the_export_adds(value):
    assert csv_value(csv_cell(value)) == value
    assert csv_value(value) == value or value.startswith("'")


def test_formulas_and_apostrophes_come_back_from_export_and_import_as_typed(fresh_engine, request, tmp_path):
    """``oversight tracker export`` then ``oversight import`` gives back every value exactly: the
    guard (a leading ``'``) is the export's, and the reader takes it off again; a value typed with
    a leading apostrophe before a formula character gets one more, so it comes back too."""
    cs.grant_everyone(fresh_engine)
    for n, title in enumerate(ROUND_TRIP):
        row = cs.event_row(title, day=f"2024-03-{n + 1:02d}")
        row.update(
            people=ROUND_TRIP[(n + 1) % len(ROUND_TRIP)], details=ROUND_TRIP[(n + 2) % len(ROUND_TRIP)]
        )
        row.update(
            source_title=f"'=Minutes {n}",
            source_publisher="@Devon",
            source_url=f"https://www.example.org/{n}",
        )
        edits.approve(fresh_engine, cs.REVIEWER, edits.propose(fresh_engine, cs.EDITOR, row))
    first = export_tracker_csv(fresh_engine)
    written = {  # this test's rows, not the researched history's Devon facts
        r["title"]: r
        for r in csv.DictReader(io.StringIO(first))
        if r["authority_code"] == cs.DEVON and r["source_url"].startswith("https://www.example.org/")
    }
    assert set(written) == {csv_cell(t) for t in ROUND_TRIP}
    assert "''=x" in written and "'''@y" in written and "'quoted'" in written  # guarded, and not
    assert (
        written["'-5"]["source_title"] == "''=Minutes 2" and written["'-5"]["source_publisher"] == "'@Devon"
    )

    path = tmp_path / "tracker_export.csv"
    path.write_text(first, encoding="utf-8")
    backend = "sqlite" if fresh_engine.dialect.name == "sqlite" else "postgresql"
    url = _new_url(backend, request, tmp_path / "second")
    try:
        other = bootstrap.ready_engine(url)
        import_paths(other, [path])
        assert export_tracker_csv(other) == first
        for table in s.FACT_TABLES:
            assert _facts(other, table) == _facts(fresh_engine, table), table.name
        events = {f.label: f for f in story.authority_story(other, cs.DEVON).facts if f.type == "event"}
        assert set(ROUND_TRIP) <= set(events)
        assert events['=HYPERLINK("http://x","y")'].source.title == "'=Minutes 0"
    finally:
        bootstrap.forget(url)
