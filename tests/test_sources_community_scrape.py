"""The Data to Insight ILACS scrape imports like a release, ranked below releases and trackers."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from oversight.data.sources.importer import import_paths, parse_file
from oversight.data.sources.records import ImportRefused
from oversight.data.store import queries
from tests.conftest import dump

D = dt.date.fromisoformat
HEADER = (
    "urn,local_authority,inspection_link,pdf_filename,publication_date,inspection_framework,inspector_name,"
    "inspection_start_date,inspection_end_date,overall_effectiveness_grade,impact_of_leaders_grade,"
    "help_and_protection_grade,in_care_grade,care_leavers_grade,parser_version\n"
)
TRAFFORD = (
    "80573,trafford,https://files.ofsted.gov.uk/v1/file/50308602,x.pdf,03/08/26,standard,A,08/06/2026,"
    "19/06/2026,not_reported_post_reform,inadequate,inadequate,good,requires improvement,1\n"
)
#: Darlington's report of 2 December 2022 (good), scraped a day late and a grade wrong.
DARLINGTON_2022_MISREAD = (
    "80458,darlington,https://files.ofsted.gov.uk/v1/file/50200877,x.pdf,03/12/22,standard,A,10/10/2022,"
    "21/10/2022,requires improvement,good,good,outstanding,,1\n"
)
LEADERS_ONLY = (
    "80458,darlington,https://files.ofsted.gov.uk/v1/file/1,x.pdf,03/08/26,standard,A,08/06/2026,"
    "19/06/2026,not_reported_post_reform,inadequate,requires improvement,good,good,1\n"
)


@pytest.fixture(scope="module")
def scrape(data_dir: Path) -> Path:
    return data_dir / "community" / "ofsted_csc_ilacs_history.csv"


def _write(tmp_path: Path, data_dir: Path, body: str) -> Path:
    shutil.copy(data_dir / "community" / "Provider_data_lookup.csv", tmp_path / "Provider_data_lookup.csv")
    path = tmp_path / "scrape.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_the_scrape_is_recognised_by_its_header(scrape):
    parsed = parse_file(scrape)
    assert parsed.kind == "community_scrape" and not parsed.errors
    (_, source), *_ = parsed.records
    assert source.title == "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool"
    assert source.licence == "Open Government Licence v3.0" and source.url.startswith(
        "https://files.ofsted.gov.uk/"
    )
    # North and West Northamptonshire's shared 2026 inspection: two facts, one per authority.
    shared = {rec.authority.code for rec, _ in parsed.records if rec.publication_date == D("2026-07-07")}
    assert {"E06000061", "E06000062"} <= shared


def test_releases_and_scrape_in_one_database(fresh_engine, release_paths, scrape):
    import_paths(fresh_engine, release_paths)
    summary = import_paths(fresh_engine, [scrape])[0]
    # With the newer releases' dates standing (not the 2022 release's, a day early), Ofsted's
    # reports as scraped agree with the releases on every inspection both hold.
    assert summary.added > 0 and summary.disagreements == []
    # Ofsted's own figure is unchanged by the scrape (the release outranks it).
    autumn_2017 = queries.snapshot(fresh_engine, D("2017-12-08"))
    assert autumn_2017["counts"] == {
        "Outstanding": 3,
        "Good": 52,
        "Requires improvement to be good": 68,
        "Inadequate": 29,
    }
    result = queries.snapshot(fresh_engine, D("2026-08-31"))
    assert result["derived_inadequate"] == 1 and result["no_overall_grade"] == 10
    trafford = queries.latest_judgements(fresh_engine, D("2026-08-31")).set_index("code").loc["E08000009"]
    assert trafford["judgement"] == "Inadequate" and bool(trafford["overall_derived"])
    assert trafford["published"] == D("2026-08-03")
    spells = queries.inadequate_spells(fresh_engine, as_at=D("2026-08-31"))
    trafford_spells = spells[spells["code"] == "E08000009"]
    assert bool(trafford_spells.iloc[-1]["open"]) and trafford_spells.iloc[-1]["start"] == D("2026-08-03")
    # A post-reform inspection with no inadequate practice judgement ends a spell.
    assert "No overall grade (2026 framework)" in set(spells["exit_grade"].dropna())
    again = import_paths(fresh_engine, [scrape])[0]
    assert again.skipped_as_already_imported


def test_a_disagreement_with_a_release_is_named_and_the_release_kept(fresh_engine, tmp_path, data_dir):
    import_paths(fresh_engine, [data_dir / "ofsted" / "LA_Inspection_Outcomes_as_at_March_2024.ods"])
    summary = import_paths(fresh_engine, [_write(tmp_path, data_dir, DARLINGTON_2022_MISREAD)])[0]
    assert summary.disagreements == [
        "scrape.csv, row 2, column urn: overall grade 'Requires improvement to be good' here, 'Good' in the "
        "stored fact (source rank 30240830, this file 0); the stored is kept",
        "scrape.csv, row 2, column urn: publication date 2022-12-03 here, 2022-12-02 in the stored fact "
        "(source rank 30240830, this file 0); the stored is kept",
    ]
    darlington = queries.latest_judgements(fresh_engine, D("2023-01-31")).set_index("code").loc["E06000005"]
    assert (darlington["judgement"], darlington["published"]) == ("Good", D("2022-12-02"))


def test_leadership_only_is_not_inadequate(fresh_engine, tmp_path, data_dir):
    import_paths(fresh_engine, [_write(tmp_path, data_dir, LEADERS_ONLY)])
    row = queries.latest_judgements(fresh_engine, D("2026-08-31")).set_index("code").loc["E06000005"]
    assert row["judgement"] is None and not bool(row["overall_derived"])
    result = queries.snapshot(fresh_engine, D("2026-08-31"))
    assert result["no_overall_grade"] == 1 and result["derived_inadequate"] == 0


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (TRAFFORD.replace("80573", "99999"), "scrape.csv, row 3, column urn: unknown Ofsted URN '99999'"),
        (
            TRAFFORD.replace("03/08/26", "2026-08-03"),
            "scrape.csv, row 3, column publication_date: not a dd/mm/yy",
        ),
        (TRAFFORD.replace("08/06/2026", "31/06/2026"), "scrape.csv, row 3, column inspection_start_date"),
    ],
)
def test_bad_rows_are_refused_naming_file_and_row(fresh_engine, tmp_path, data_dir, body, where):
    path = _write(tmp_path, data_dir, LEADERS_ONLY + body)
    before = dump(fresh_engine)
    with pytest.raises(ImportRefused) as caught:
        import_paths(fresh_engine, [path])
    assert any(p.startswith(where) for p in caught.value.problems), caught.value.problems
    assert dump(fresh_engine) == before


def test_a_missing_lookup_is_refused(fresh_engine, tmp_path):
    path = tmp_path / "scrape.csv"
    path.write_text(HEADER + TRAFFORD, encoding="utf-8")
    with pytest.raises(ImportRefused, match="Provider_data_lookup.csv"):
        import_paths(fresh_engine, [path])


def test_snapshot_cli_prints_the_new_keys(capsys, tmp_path, data_dir, release_paths, scrape):
    import json

    from oversight import cli

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    assert cli.main(["import", "--database", url, *map(str, release_paths), str(scrape)]) == 0
    capsys.readouterr()
    assert cli.main(["snapshot", "--as-at", "2026-08-31", "--json", "--database", url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["derived_inadequate"] == 1 and out["no_overall_grade"] == 10
