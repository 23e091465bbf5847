"""Errata: a curated correction of a date a release got wrong wins whatever the import order.

Ofsted's releases as at 31 March 2023 and 2024 date Nottingham's inadequate report 5 November
2022 (a Saturday); the report and the press date it 5 September 2022, as does the 2025 release.
``data/seed/errata.csv`` corrects it; the corrected fact cites the erratum, whose title says
from what and why and whose link is the evidence.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select

from oversight.data import bootstrap
from oversight.data.sources import errata, seed
from oversight.data.sources.importer import import_paths
from oversight.data.sources.matching import WorkingSet
from oversight.data.sources.records import ImportRefused
from oversight.data.store import queries, story
from oversight.data.store import schema as s
from tests.conftest import BACKENDS, _new_url, dump
from tests.test_sources_import_order import R2022, R2023, R2024, R2025, SCRAPE

D = dt.date.fromisoformat
NOTTINGHAM = "E06000018"
RIGHT, WRONG = D("2022-09-05"), D("2022-11-05")


def _inadequate_2022(engine: Engine) -> story.Fact:
    facts = story.authority_story(engine, NOTTINGHAM).own_facts
    [fact] = [f for f in facts if f.type == "inspection" and f.inspection_date == D("2022-07-11")]
    return fact


def test_the_committed_errata_read_cleanly_and_each_names_one_fact(loaded_engine):
    found = errata.load()
    assert [e.id for e in found] == ["nottingham-ilacs-2022-published"]
    [erratum] = found
    assert erratum.evidence_url.startswith("https://files.ofsted.gov.uk/")
    assert erratum.press_url and erratum.press_url.startswith("https://www.itv.com/news/central/2022-09-05/")
    with loaded_engine.connect() as conn:
        ws = WorkingSet(conn)
        codes = {r.code: r.authority_id for r in conn.execute(select(s.authority_codes))}
    for e in found:
        matched = [
            f
            for f in ws.facts[e.table]
            if f.values["authority_id"] == codes[e.authority_code] and e.matches(f)
        ]
        assert len(matched) == 1, e.id


@pytest.mark.parametrize(
    "order",
    [
        (R2023, R2024),
        (R2024, R2023),
        (R2024, SCRAPE, R2022, R2023),
        (R2025, R2023, R2024),
    ],
    ids=["2023-2024", "2024-2023", "2024-scrape-2022-2023", "2025-2023-2024"],
)
def test_the_erratum_wins_whatever_the_order(order, fresh_engine, data_dir):
    for target in order:
        import_paths(fresh_engine, [data_dir / target])
    fact = _inadequate_2022(fresh_engine)
    assert (fact.publication_date, fact.publication_estimated, fact.overall_effectiveness) == (
        RIGHT,
        False,
        "Inadequate",
    )
    assert fact.corrected and fact.source.url == "https://files.ofsted.gov.uk/v1/file/50192198"
    assert fact.source.title.startswith(
        "Publication date corrected from 5 November 2022 (Ofsted's releases as at 31 March 2023 and 2024) "
        "to 5 September 2022: 5 November 2022 is a Saturday;"
    )
    spells = queries.inadequate_spells(fresh_engine).set_index("code")
    assert spells.loc[NOTTINGHAM, "start"] == RIGHT  # the spell, its clocks and "as at" views follow
    before = dump(fresh_engine)
    assert import_paths(fresh_engine, [data_dir / order[0]])[0].skipped_as_already_imported
    assert dump(fresh_engine) == before


def test_without_the_erratum_the_releases_date_is_stored(monkeypatch, fresh_engine, data_dir, tmp_path):
    monkeypatch.setattr(errata, "ERRATA_CSV", tmp_path / "none.csv")
    import_paths(fresh_engine, [data_dir / R2023, data_dir / R2024])
    fact = _inadequate_2022(fresh_engine)
    assert fact.publication_date == WRONG and not fact.corrected


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_seed_brings_a_new_erratum_to_a_loaded_database(
    backend, monkeypatch, data_dir, tmp_path, request
):
    real = errata.ERRATA_CSV
    monkeypatch.setattr(errata, "ERRATA_CSV", tmp_path / "none.csv")  # an older version: no errata
    url = _new_url(backend, request, tmp_path)
    engine = bootstrap.ready_engine(url)
    import_paths(engine, [data_dir / R2024])
    assert _inadequate_2022(engine).publication_date == WRONG

    monkeypatch.setattr(errata, "ERRATA_CSV", real)  # the upgrade brings the errata file
    seed.ensure_seeded(engine)
    assert _inadequate_2022(engine).publication_date == RIGHT
    with engine.connect() as conn:
        runs = conn.execute(
            select(s.import_runs.c.file_name, s.import_runs.c.kind, s.import_runs.c.rows_updated).where(
                s.import_runs.c.kind == "errata"
            )
        ).all()
    assert runs == [("errata.csv", "errata", 1)]
    before = dump(engine)
    seed.ensure_seeded(engine)  # seen: nothing to do
    assert dump(engine) == before
    bootstrap.forget(url)


def test_a_mistaken_erratum_refuses_the_import_naming_row_and_column(
    monkeypatch, fresh_engine, data_dir, tmp_path
):
    bad = tmp_path / "errata.csv"
    text = errata.ERRATA_CSV.read_text(encoding="utf-8").replace(",2022-09-05,", ",2022-09-31,")
    bad.write_text(
        text.replace("https://files.ofsted.gov.uk", "javascript://files.ofsted.gov.uk"), encoding="utf-8"
    )
    monkeypatch.setattr(errata, "ERRATA_CSV", bad)
    before = dump(fresh_engine)
    with pytest.raises(ImportRefused) as refused:
        import_paths(fresh_engine, [data_dir / R2024])
    problems = refused.value.problems
    assert problems[0] == "errata.csv, row 2, column corrected_value: not a YYYY-MM-DD date: '2022-09-31'"
    assert problems[1].startswith("errata.csv, row 2, column evidence_url: ")
    assert dump(fresh_engine) == before


def test_an_erratum_for_a_fact_not_in_the_database_does_nothing(fresh_engine, data_dir):
    [summary] = import_paths(fresh_engine, [data_dir / R2022])  # before Nottingham's 2022 report
    assert summary.added > 0
    with fresh_engine.connect() as conn:
        cited = conn.execute(select(s.sources.c.key).where(s.sources.c.kind == "erratum")).all()
    assert cited == []
