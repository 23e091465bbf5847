"""The 2025 release (``LA_Inspection_Outcomes_as_at_31_March_2025.ods``): its tables recognised by
their header rows, ONS codes on every row, both dates of every ILACS inspection, and its
monitoring visits; a one-row-per-inspection history whose type is not known is refused by cell."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from oversight.data.sources.importer import import_paths, parse_file
from oversight.data.sources.records import ImportRefused, InspectionRecord, VisitRecord
from oversight.data.store import coverage, story

D = dt.date.fromisoformat
NAME = "LA_Inspection_Outcomes_as_at_31_March_2025.ods"
HISTORY = "ILACS_inspection_history"


@pytest.fixture(scope="module")
def release(data_dir: Path) -> Path:
    return data_dir / "ofsted" / NAME


@pytest.fixture(scope="module")
def parsed(release: Path):
    return parse_file(release)


def test_its_three_tables_are_recognised_by_their_header_rows(parsed):
    assert parsed.errors == []
    assert parsed.release_date == D("2025-09-25")  # "Published on" of its cover sheet
    assert parsed.tables == [
        "Inspections_as_at_31_March (row 3, snapshot)",
        "In-year_inspections (row 3, in_year)",
        f"{HISTORY} (row 3, history)",
    ]
    # Every row names its authority by the ONS code it had on 31 March 2025.
    assert all(rec.authority.code for rec, _ in parsed.records)


def test_the_history_gives_both_dates_and_the_kind_of_every_ilacs_inspection(parsed):
    history = [rec for rec, _ in parsed.records if rec.where.sheet == HISTORY]
    assert len(history) == 271 and all(isinstance(rec, InspectionRecord) for rec in history)
    assert all(rec.inspection_date and rec.publication_date and rec.kind_known for rec in history)
    assert Counter(rec.kind for rec in history) == {"ilacs_standard": 171, "ilacs_short": 100}
    by_row = {(rec.authority.name, rec.publication_date): rec for rec in history}
    nottingham = by_row[("Nottingham", D("2022-09-05"))]  # the 2023 and 2024 releases: 5 Nov 2022
    assert (nottingham.authority.code, nottingham.inspection_date, nottingham.overall) == (
        "E06000018",
        D("2022-07-11"),
        "Inadequate",
    )
    sutton = by_row[("Sutton", D("2022-02-01"))]  # the 2022 release: 2 Jan 2022, day and month swapped
    assert sutton.inspection_date == D("2021-12-06") and sutton.kind == "ilacs_short"


def test_its_monitoring_visits_run_to_26_march_2025_with_their_letters(parsed):
    visits = [rec for rec, _ in parsed.records if isinstance(rec, VisitRecord) and rec.kind == "monitoring"]
    assert len(visits) == 24
    assert min(v.visit_date for v in visits) == D("2024-04-03")
    assert max(v.visit_date for v in visits) == D("2025-03-26")
    assert all(v.publication_date and v.publication_date >= v.visit_date for v in visits)


def test_imported_alone_it_gives_the_story_to_the_day(fresh_engine, release):
    [summary] = import_paths(fresh_engine, [release])
    assert summary.rows_read == 536 and summary.added > 300
    nottingham = story.authority_story(fresh_engine, "E06000018")
    inadequate = [
        f for f in nottingham.own_facts if f.type == "inspection" and f.overall_effectiveness == "Inadequate"
    ]
    assert [(f.inspection_date, f.publication_date, f.kind) for f in inadequate] == [
        (D("2022-07-11"), D("2022-09-05"), "ilacs_standard")
    ]
    with fresh_engine.connect() as conn:
        assert coverage.monitoring_listed(conn) == (D("2024-04-03"), D("2025-03-26"))


def _long_history(path: Path, kind: str) -> Path:
    """A workbook with the 2025 history's header row and one inspection of type ``kind``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = HISTORY
    sheet.append(["ILACS inspection history from 2018-2025"])
    sheet.append(["This worksheet contains one table."])
    sheet.append(
        [
            "Web link",
            "Local authority area code",
            "Local authority name",
            "Local authority status",
            "Ofsted region",
            "Inspection date",
            "Publication date",
            "Inspection type",
            "Overall effectiveness",
        ]
    )
    sheet.append(
        ["Ofsted Local Authority Webpage", "E06000005", "Darlington", "Current", "North East"]
        + [dt.datetime(2022, 10, 10), dt.datetime(2022, 12, 2), kind, "Good"]
    )
    book.save(path)
    return path


def test_a_history_row_of_an_unknown_type_is_refused_naming_its_cell(fresh_engine, tmp_path):
    good = parse_file(_long_history(tmp_path / "good.xlsx", "ILACS Standard Inspection"))
    assert good.tables == [f"{HISTORY} (row 3, history)"] and good.errors == []
    [(rec, _)] = good.records
    assert (rec.kind, rec.inspection_date, rec.publication_date) == (
        "ilacs_standard",
        D("2022-10-10"),
        D("2022-12-02"),
    )
    with pytest.raises(ImportRefused) as refused:
        import_paths(fresh_engine, [_long_history(tmp_path / "bad.xlsx", "Desk review")])
    assert refused.value.problems == [
        f"bad.xlsx, sheet '{HISTORY}', row 4, column H (inspection type): "
        "unknown inspection/visit type 'Desk review'"
    ]
