"""The 2026 release layout: Ofsted's "LA inspection outcomes as at 31 March 2026".

That release is not in the shared data folder, so this test builds one with the sheets and
columns of ``LA_Inspection_Outcomes_as_at_March_2024.ods`` (cover, snapshot, in-year activity,
ILACS history with one column group per inspection, header rows 3 and 4) and one more ILACS
group. In its history sheet an inspection under the April 2026 framework has no overall
effectiveness grade: the cell is blank or says so ("Not applicable", "No overall grade"),
while the four area judgements remain. Such a row is stored with no overall grade and its
area judgements; ``framework`` derives inadequate when a practice judgement is inadequate.
Both container formats Ofsted uses are written: .ods (by hand, as calamine reads it) and .xlsx.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from oversight.data.sources.importer import import_paths
from oversight.data.sources.ofsted_release import parse_release
from oversight.data.sources.records import ImportRefused
from oversight.data.store import queries, story
from tests.conftest import dump

D = dt.date.fromisoformat
NAME = "local_authority_inspection_outcomes_as_at_31_march_2026_underlying_data"
RI = "Requires improvement to be good"
LINK = "Ofsted Local Authority Webpage"
AREAS = (
    "impact of leaders",
    "experiences and progress of children who need help and protection",
    "experiences and progress of children in care",
    "experiences and progress of care leavers",
)
GROUPS = ("First", "Second", "Third")
HISTORY_HEADER = ["Web link", "Local authority name", "LA region"] + [
    f"{n} ILACS {field}"
    for n in GROUPS
    for field in ("publication date", "inspection type", "overall effectiveness", *AREAS)
]


def _group(
    pub: dt.date | None, kind: str = "ILACS Standard Inspection", overall=None, areas=("",) * 4
) -> list:
    if pub is None:
        return [""] * 7
    return [pub, kind, overall if overall is not None else "", *areas]


def _history_row(name: str, region: str, *groups: list) -> list:
    cells = [LINK, name, region]
    for n in range(len(GROUPS)):
        cells += groups[n] if n < len(groups) else _group(None)
    return cells


#: Trafford: a standard inspection under the 2026 framework, leaders and help and protection
#: inadequate, overall cell "No overall grade": inadequate, derived.
TRAFFORD = _history_row(
    "Trafford",
    "North West",
    _group(D("2019-03-18"), overall="Good", areas=("Good", "Good", "Good", "")),
    _group(D("2022-11-21"), overall=RI, areas=(RI, RI, RI, "")),
    _group(D("2026-06-26"), overall="No overall grade", areas=("Inadequate", "Inadequate", "Good", RI)),
)
#: Darlington: leadership alone inadequate, overall cell blank: no overall grade.
DARLINGTON = _history_row(
    "Darlington",
    "North East",
    _group(D("2019-07-12"), overall="Good", areas=("Good", "Good", "Good", "")),
    _group(D("2026-07-03"), overall="", areas=("Inadequate", RI, "Good", "Good")),
)
#: Barnet: a short inspection after the reform, "Not applicable", nothing inadequate.
BARNET = _history_row(
    "Barnet",
    "London",
    _group(D("2019-07-01"), overall="Outstanding", areas=("Outstanding",) * 3 + ("",)),
    _group(D("2023-02-20"), "ILACS Short Inspection", "Outstanding", ("Outstanding",) * 4),
    _group(D("2026-05-29"), "ILACS Short Inspection", "Not applicable", ("Good", "Good", "Good", "Good")),
)
#: Birmingham: still judged under the old framework before April 2026.
BIRMINGHAM = _history_row(
    "Birmingham",
    "West Midlands",
    _group(D("2019-01-17"), overall=RI, areas=(RI, RI, RI, "")),
    _group(D("2022-09-09"), overall=RI, areas=(RI, RI, RI, "")),
)

SNAPSHOT_HEADER = [
    "Web link",
    "Local authority name",
    "Ofsted region",
    "Inspection date",
    "Overall effectiveness",
    "Impact of leaders",
    "Experiences and progress of children who need help and protection",
    "Experiences and progress of children in care",
    "Experiences and progress of care leavers",
]
IN_YEAR_HEADER = [
    "Web link",
    "Local authority name",
    "Region",
    "Inspection/Visit date",
    "Inspection/Visit type",
    "Overall effectiveness",
    "Impact of leaders",
    "Experiences and progress of children who need help and protection",
    "Experiences and progress of children in care",
    "Experiences and progress of care leavers",
    "Visit Theme",
]


def release_sheets(history_rows: list[list]) -> dict[str, list[list]]:
    """The sheets of the 2026 release, laid out as the 2024 release's are."""
    return {
        "Cover": [
            ["Local authority inspection outcomes as at 31 March 2026", ""],
            ["Section", "Detail"],
            ["Policy area:", "Local Authority Inspection Outcomes"],
            ["Theme:", "Children's Social Care"],
            ["Published on:", D("2026-07-30")],
            ["Coverage:", "England"],
        ],
        "Contents": [["Contents", ""], ["Worksheet title and link", "Description of contents of worksheet"]],
        "Notes": [
            ["Notes"],
            [
                "From 1 April 2026 inspections under the renewed ILACS framework give no overall effectiveness grade."
            ],
        ],
        "Inspections_31_March_2026": [
            ["Local authority inspection outcomes as at 31 March 2026"],
            ["Most recent inspection of every local authority"],
            SNAPSHOT_HEADER,
            [LINK, "Trafford", "North West", D("2022-10-03"), RI, RI, RI, RI, ""],
            [LINK, "Birmingham", "West Midlands", D("2022-07-04"), RI, RI, RI, RI, ""],
        ],
        "Inspections_in_year_2025-26": [
            ["Inspections and visits in year 2025-26"],
            ["Short and standard inspections, monitoring visits and focused visits"],
            IN_YEAR_HEADER,
            [
                LINK,
                "Birmingham",
                "West Midlands",
                D("2025-10-14"),
                "LA Monitoring visit",
                *[""] * 5,
                "Front door",
            ],
        ],
        "ILACS_inspections_2018-2026": [
            ["ILACS inspections 2018 to 2026"],
            ["Inspection history of every local authority since ILACS began"],
            ["Inspections from 1 April 2026 have no overall effectiveness grade."],
            HISTORY_HEADER,
            *history_rows,
        ],
    }


# Writers ------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([None if cell == "" else cell for cell in row])
    book.save(path)
    return path


def _ods_cell(value: object) -> str:
    if value is None or value == "":
        return "<table:table-cell/>"
    if isinstance(value, dt.date):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value.isoformat()}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def write_ods(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A minimal OpenDocument spreadsheet: the parts calamine and the extent check read."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(f"<table:table-row>{''.join(_ods_cell(c) for c in row)}</table:table-row>" for row in rows)
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        book.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        book.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


WRITERS = {".ods": write_ods, ".xlsx": write_xlsx}


@pytest.fixture(params=sorted(WRITERS))
def release_2026(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    suffix = request.param
    sheets = release_sheets([TRAFFORD, DARLINGTON, BARNET, BIRMINGHAM])
    return WRITERS[suffix](tmp_path / f"{NAME}{suffix}", sheets)


# Tests ----------------------------------------------------------------------------------------


def test_the_2026_layout_is_recognised_and_rows_without_an_overall_grade_parse(release_2026: Path):
    parsed = parse_release(release_2026)
    assert parsed.errors == []
    assert parsed.release_date == D("2026-07-30")
    assert [t.split(" (")[0] for t in parsed.tables] == [
        "Inspections_31_March_2026",
        "Inspections_in_year_2025-26",
        "ILACS_inspections_2018-2026",
    ]
    assert "(row 4, history)" in parsed.tables[-1]
    post = {
        rec.authority.name: rec
        for rec, _ in parsed.records
        if getattr(rec, "publication_date", None) and rec.publication_date >= D("2026-04-01")
    }
    assert set(post) == {"Trafford", "Darlington", "Barnet"}
    trafford = post["Trafford"]
    assert trafford.kind == "ilacs_standard" and trafford.overall == "Inadequate" and trafford.overall_derived
    assert trafford.judgements == {
        "impact_of_leaders": "Inadequate",
        "help_protection": "Inadequate",
        "children_in_care": "Good",
        "care_leavers": RI,
    }
    assert trafford.where.sheet == "ILACS_inspections_2018-2026" and trafford.where.row == 5
    darlington = post["Darlington"]
    assert darlington.overall is None and not darlington.overall_derived
    assert darlington.judgements["impact_of_leaders"] == "Inadequate"
    barnet = post["Barnet"]
    assert barnet.kind == "ilacs_short" and barnet.overall is None and not barnet.overall_derived
    assert set(barnet.judgements) == {
        "impact_of_leaders",
        "help_protection",
        "children_in_care",
        "care_leavers",
    }


def test_the_2026_release_imports_and_counts_derived_and_no_overall_grade(fresh_engine, release_2026: Path):
    seed_only = queries.snapshot(fresh_engine, D("2026-08-31"))  # the built-in tracker's judgements
    [summary] = import_paths(fresh_engine, [release_2026])
    assert summary.kind == "ofsted_release" and summary.added > 0

    before_reform = queries.snapshot(fresh_engine, D("2026-03-31"))
    assert before_reform["no_overall_grade"] == 0 and before_reform["derived_inadequate"] == 0

    result = queries.snapshot(fresh_engine, D("2026-08-31"))
    assert result["derived_inadequate"] == 1, result  # Trafford
    assert result["no_overall_grade"] == 2, result  # Darlington (leadership alone) and Barnet
    assert result["counts"]["Inadequate"] == seed_only["counts"]["Inadequate"] + 1
    # Every authority of the release is inspected; those with no overall grade are in no grade's count.
    assert result["inspected"] == before_reform["inspected"]
    assert sum(result["counts"].values()) + result["no_overall_grade"] == result["inspected"]

    latest = queries.latest_judgements(fresh_engine, D("2026-08-31")).set_index("code")
    trafford = latest.loc["E08000009"]
    assert trafford["judgement"] == "Inadequate" and bool(trafford["overall_derived"])
    assert trafford["published"] == D("2026-06-26")
    darlington = latest.loc["E06000005"]
    assert darlington["judgement"] is None and not bool(darlington["overall_derived"])

    # The four area judgements are stored with the inspection that has no overall grade.
    info = story.find_authority(fresh_engine, "E06000005")
    [fact] = [
        f
        for f in story.authority_facts(fresh_engine, info.id)
        if f.type == "inspection" and f.date == D("2026-07-03")
    ]
    assert fact.overall_effectiveness is None
    assert fact.judgements == {
        "impact_of_leaders": "Inadequate",
        "help_protection": RI,
        "children_in_care": "Good",
        "care_leavers": "Good",
    }

    # A derived inadequate opens a spell like any other.
    spells = queries.inadequate_spells(fresh_engine, as_at=D("2026-08-31"))
    trafford_spells = spells[spells["code"] == "E08000009"]
    assert bool(trafford_spells.iloc[-1]["open"]) and trafford_spells.iloc[-1]["start"] == D("2026-06-26")

    again = import_paths(fresh_engine, [release_2026])[0]
    assert again.skipped_as_already_imported


def test_no_overall_grade_before_the_reform_is_refused_naming_the_cell(fresh_engine, tmp_path: Path):
    early = _history_row(
        "Trafford",
        "North West",
        _group(D("2019-03-18"), overall="No overall grade", areas=("Good", "Good", "Good", "")),
    )
    path = write_xlsx(tmp_path / f"{NAME}.xlsx", release_sheets([early]))
    before = dump(fresh_engine)
    with pytest.raises(ImportRefused) as info:
        import_paths(fresh_engine, [path])
    message = str(info.value)
    assert f"{NAME}.xlsx, sheet 'ILACS_inspections_2018-2026', row 5, column F" in message
    assert "before 1 April 2026" in message
    assert dump(fresh_engine) == before
