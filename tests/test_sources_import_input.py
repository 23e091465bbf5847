"""Bad input gets a clear error naming file, sheet, row and column, and writes nothing;
a newer release of the same family, with moved tables and new columns, still imports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.store import queries, story
from tests.conftest import dump

D = dt.date.fromisoformat
TRACKER_HEADER = (
    "record,authority_code,authority_name,date,date_precision,published,end_date,end_precision,level,kind,"
    "grade,title,details,people,source_url,source_title,source_publisher\n"
)


def _refused(engine, paths) -> str:
    before = dump(engine)
    with pytest.raises(ImportRefused) as info:
        import_paths(engine, paths)
    assert dump(engine) == before, "a refused import must leave the database exactly as it was"
    return str(info.value)


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_corrupt_file_is_refused(fresh_engine, tmp_path):
    bad = tmp_path / "Childrens_social_care_2025.ods"
    bad.write_bytes(b"PK\x03\x04 this is not really a spreadsheet")
    message = _refused(fresh_engine, [bad])
    assert "Childrens_social_care_2025.ods" in message and "cannot be read" in message


def test_unrecognised_layout_is_refused(fresh_engine, tmp_path):
    path = _workbook(tmp_path / "something_else.xlsx", {"Data": [["Name", "Value"], ["a", 1]]})
    message = _refused(fresh_engine, [path])
    assert "something_else.xlsx" in message and "layout not recognised" in message


def test_unknown_authority_names_sheet_row_and_column(fresh_engine, tmp_path):
    path = _workbook(
        tmp_path / "release.xlsx",
        {
            "Cover": [["Published on:", dt.datetime(2025, 7, 10)]],
            "LA_level": [
                ["Local authority inspection judgements"],
                ["Local authority name", "Inspection date", "Overall effectiveness"],
                ["Darlington", dt.datetime(2022, 10, 10), "Good"],
                ["Atlantis", dt.datetime(2022, 10, 10), "Good"],
            ],
        },
    )
    message = _refused(fresh_engine, [path])
    assert "release.xlsx, sheet 'LA_level', row 4, column A" in message and "Atlantis" in message


def test_impossible_date_names_the_cell(fresh_engine, tmp_path):
    path = _workbook(
        tmp_path / "release.xlsx",
        {
            "Cover": [["Published on:", dt.datetime(2025, 7, 10)]],
            "History": [
                ["Local authority name", "First ILACS publication date", "First ILACS overall effectiveness"],
                ["Darlington", dt.datetime(2099, 1, 1), "Good"],
            ],
        },
    )
    message = _refused(fresh_engine, [path])
    assert "sheet 'History', row 2, column B" in message and "impossible date" in message


def test_bad_grade_names_the_cell(fresh_engine, tmp_path):
    path = _workbook(
        tmp_path / "release.xlsx",
        {
            "History": [
                ["Local authority name", "First ILACS publication date", "First ILACS overall effectiveness"],
                ["Darlington", dt.datetime(2022, 12, 2), "Splendid"],
            ],
        },
    )
    message = _refused(fresh_engine, [path])
    assert "row 2, column C" in message and "not an Ofsted grade" in message


def test_one_bad_file_refuses_the_whole_run(fresh_engine, tmp_path, release_paths):
    bad = tmp_path / "tracker.csv"
    bad.write_text(TRACKER_HEADER + "intervention,E99999999,,2020-01-01,day,,,,direction,,,,,,,Somewhere,\n")
    message = _refused(fresh_engine, [release_paths[2], bad])
    assert "tracker.csv, row 2, column authority_code" in message and "E99999999" in message


def test_tracker_rows_report_row_and_column(fresh_engine, tmp_path):
    bad = tmp_path / "tracker.csv"
    bad.write_text(
        TRACKER_HEADER
        + "intervention,E06000005,,2099-01-01,day,,,,direction,,,,,,,Somewhere,\n"
        + "intervention,E06000005,,2020-01-01,day,,,,takeover,,,,,,,Somewhere,\n"
        + "visit,E06000005,,2020-13-01,day,,,,,monitoring,,,,,,Somewhere,\n"
    )
    message = _refused(fresh_engine, [bad])
    assert "tracker.csv, row 2, column date: impossible date 2099-01-01" in message
    assert "row 3, column level: 'takeover' is not one of" in message
    assert "row 4, column date: not a date" in message


def test_tracker_csv_imports_and_reimports(fresh_engine, tmp_path):
    good = tmp_path / "my-tracker.csv"
    good.write_text(
        TRACKER_HEADER
        + 'intervention,,Bristol,2024-02-01,month,,,,improvement_notice,,,Improvement notice,"made up, for a test",,'
        "https://example.org/n,Test notice,Test\n"
        + "event,E06000005,,2024-03-05,day,,,,,board,,Board meets,,,,Minutes,Council\n"
    )
    first = import_paths(fresh_engine, [good])
    assert first[0].added == 2
    again = import_paths(fresh_engine, [good])
    assert again[0].skipped_as_already_imported
    info = story.find_authority(fresh_engine, "E06000023")
    facts = story.authority_facts(fresh_engine, info.id)
    notice = next(f for f in facts if f.type == "intervention" and f.date == D("2024-02-01"))
    assert notice.source.url == "https://example.org/n"


def test_a_newer_release_of_the_same_family_imports(fresh_engine, tmp_path):
    """Sheets renamed and moved, header rows lower, ONS codes and inspection dates added,
    a provider sheet to skip, and an April-2026 report with no overall grade."""
    path = _workbook(
        tmp_path / "LA_Inspection_Outcomes_as_at_March_2026.xlsx",
        {
            "Cover": [["Title", "LA inspection outcomes"], ["Published on:", dt.datetime(2026, 7, 9)]],
            "Providers_at_31_March_2026": [
                ["Provider-level data"],
                ["URN", "Local authority name", "Provider type", "Overall effectiveness", "Inspection date"],
                ["SC000001", "Darlington", "Children's home", "Good", dt.datetime(2025, 1, 1)],
            ],
            "Table_3": [
                ["In-year activity 2025-26"],
                ["Notes"],
                [],
                [
                    "ONS code",
                    "Local authority name",
                    "Region",
                    "Inspection/Visit start date",
                    "Inspection/Visit type",
                    "Publication date",
                    "Overall effectiveness",
                    "Impact of leaders",
                    "Experiences and progress of children who need help and protection",
                    "Experiences and progress of children in care",
                    "Experiences and progress of care leavers",
                    "Visit theme",
                ],
                [
                    "E06000005",
                    "Darlington",
                    "North East",
                    dt.datetime(2025, 6, 2),
                    "LA Monitoring visit",
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                    "Front door",
                ],
                [
                    "E08000025",
                    "Birmingham",
                    "West Midlands",
                    dt.datetime(2026, 4, 20),
                    "ILACS Standard Inspection",
                    dt.datetime(2026, 6, 5),
                    None,
                    "Requires improvement to be good",
                    "Inadequate",
                    "Good",
                    "Good",
                    None,
                ],
            ],
            "Table_1": [
                ["Judgements as at 31 March 2026"],
                [
                    "ONS code",
                    "Local authority name",
                    "Inspection start date",
                    "Publication date",
                    "Inspection type",
                    "Overall effectiveness",
                    "Impact of leaders",
                ],
                [
                    "E06000005",
                    "Darlington",
                    dt.datetime(2025, 11, 3),
                    dt.datetime(2026, 1, 9),
                    "ILACS Short Inspection",
                    "Outstanding",
                    "Outstanding",
                ],
            ],
        },
    )
    summary = import_paths(fresh_engine, [path])[0]
    assert summary.added == 3
    assert any("Table_1" in t for t in summary.tables) and not any("Providers" in t for t in summary.tables)
    darlington = queries.latest_judgements(fresh_engine, D("2026-02-01")).set_index("code").loc["E06000005"]
    assert darlington["judgement"] == "Outstanding" and darlington["published"] == D("2026-01-09")
    birmingham = queries.latest_judgements(fresh_engine, D("2026-07-01")).set_index("code").loc["E08000025"]
    assert birmingham["judgement"] == "Inadequate" and bool(birmingham["overall_derived"])


def test_statistical_neighbours_import_and_reimport(fresh_engine, data_dir):
    from oversight.data.store import queries

    files = [
        data_dir / "reference" / "New_Statistical_Neighbour_Groupings_April_2021.csv",
        data_dir / "reference" / "sn_model_2025_wide.csv",
    ]
    first = import_paths(fresh_engine, files)
    assert [s.added for s in first] == [1560, 1530]
    assert all(s.skipped_as_already_imported for s in import_paths(fresh_engine, files))
    darlington = story.find_authority(fresh_engine, "E06000005")
    model, rows = queries.neighbours_of(fresh_engine, darlington.id)
    assert model == "DfE 2025" and [r["rank"] for r in rows] == list(range(1, 11))
    northants = story.find_authority(fresh_engine, "E10000021")
    assert queries.neighbours_of(fresh_engine, northants.id)[0] == "DfE 2021"


def test_neighbours_with_an_unknown_code_are_refused(fresh_engine, tmp_path):
    bad = tmp_path / "sn_model_2030.csv"
    bad.write_text(
        "old_la_code,la_name,SN_1,SN_1P,SN_2,SN_2P,SN_3,SN_3P,SN_4,SN_4P,SN_5,SN_5P\n"
        "841,Darlington,999,Close,805,Close,806,Close,807,Close,808,Close\n"
    )
    message = _refused(fresh_engine, [bad])
    assert "sn_model_2030.csv, row 2, column SN_1: unknown DfE LA number 999" in message
