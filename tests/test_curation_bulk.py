"""Bulk entry through review (``curation/bulk``) on SQLite and PostgreSQL: a tracker CSV whose
every row becomes a proposal, all or nothing, for editors and above only."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.data.curation import bulk, history
from oversight.data.curation.edits import EditRefused
from oversight.data.curation.roles import PermissionDenied
from oversight.data.sources.limits import MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS
from tests import curation_support as cs
from tests.conftest import dump

TODAY = dt.date(2026, 12, 7)
HEADER = "record,authority_code,date,date_precision,level,kind,title,source_url,source_title\n"
VALID = (
    HEADER + "intervention,E10000008,2021-04,month,improvement_notice,adviser,DfE adviser,"
    "https://www.example.org/devon,Devon annual report\n"
    + "event,E10000008,2024-03-01,day,,board,Improvement board met,https://www.example.org/board,Minutes\n"
    + "\n"  # an empty line is skipped, as the importer skips it
    + "intervention,E06000061,2015-03-01,day,improvement_notice,,,https://www.example.org/nn,A notice\n"
)


@pytest.fixture
def engine(fresh_engine):
    cs.grant_everyone(fresh_engine)
    return fresh_engine


def test_each_row_becomes_a_proposal_waiting_for_review(engine):
    filed = bulk.propose_file(engine, cs.EDITOR, VALID.encode(), "week 49.csv", today=TODAY)
    assert (filed.name, filed.rows, len(filed.changes)) == ("week 49.csv", 3, 3)
    waiting = history.open_proposals(engine)
    assert [c.id for c in waiting] == list(filed.changes)
    assert [c.after["record"] for c in waiting] == ["intervention", "event", "intervention"]
    assert all(c.who == "Eddie Editor" and c.state == "proposed" for c in waiting)
    assert [c.comment for c in waiting] == [f"From week 49.csv, row {n}" for n in (2, 3, 5)]
    # North Northamptonshire in 2015 is warned (not refused), by row.
    assert filed.warnings == (
        "week 49.csv, row 5: North Northamptonshire (E06000061) came into being on 1 April 2021, after "
        "this improvement notice (1 March 2015): a fact from before then belongs to the council it replaced.",
    )


def test_a_check_files_nothing_and_says_what_would_be_filed(engine):
    before = dump(engine)
    checked = bulk.propose_file(
        engine, cs.EDITOR, VALID.encode(), "week 49.csv", check_only=True, today=TODAY
    )
    assert (checked.rows, checked.changes, len(checked.warnings)) == (3, (), 1)
    assert dump(engine) == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            VALID + "intervention,E10000008,2022-13-01,day,bogus,,,https://www.example.org/x,X\n",
            [
                "week 49.csv, row 6, column date: not a date (YYYY-MM-DD): '2022-13-01'",
                "week 49.csv, row 6, column level: 'bogus' is not one of",
            ],
        ),
        (  # what only an edit in the app must have: the source link
            VALID + "event,E10000008,2024-04-01,day,,board,Board met,,Minutes\n",
            ["week 49.csv, row 6, column source_url: required for an edit in the app"],
        ),
        (
            VALID + "event,E99999999,2024-04-01,day,,board,Board met,https://www.example.org/b,Minutes\n",
            ["week 49.csv, row 6, column authority_code: unknown authority code 'E99999999'"],
        ),
        (
            VALID + "inspection,E10000008,2024-04-01,day,,ilacs_standard,,https://www.example.org/i,Report\n",
            ["week 49.csv, row 6, column record: an inspection comes from Ofsted's releases"],
        ),
        (VALID + VALID.splitlines(keepends=True)[1], ["week 49.csv, row 6: repeats row 2"]),
        ("date,title\n2024-01-01,x\n", ["week 49.csv: layout not recognised"]),
        (HEADER, ["week 49.csv: has no rows to propose"]),
    ],
    ids=["bad-values", "no-link", "unknown-council", "inspection", "repeated-row", "not-a-tracker", "empty"],
)
def test_any_problem_files_nothing_and_names_row_and_column(engine, text, expected):
    before = dump(engine)
    with pytest.raises(EditRefused) as refused:
        bulk.propose_file(engine, cs.EDITOR, text.encode(), "week 49.csv")
    assert len(refused.value.problems) == len(expected), refused.value.problems
    for problem, start in zip(refused.value.problems, expected, strict=True):
        assert problem.startswith(start), problem
    assert dump(engine) == before


def test_the_upload_is_size_limited_and_must_be_utf8(engine):
    before = dump(engine)
    huge = (HEADER + "x" * MAX_UPLOAD_BYTES).encode()
    with pytest.raises(EditRefused, match="more than an upload may be"):
        bulk.propose_file(engine, cs.EDITOR, huge, "big.csv")
    row = VALID.splitlines(keepends=True)[2]
    many = HEADER + row * (MAX_UPLOAD_ROWS + 1)  # counted before any row is read
    with pytest.raises(EditRefused, match=f"more than an upload may propose \\({MAX_UPLOAD_ROWS}\\)"):
        bulk.propose_file(engine, cs.EDITOR, many.encode(), "many.csv")
    with pytest.raises(EditRefused, match="cannot be read as UTF-8"):
        bulk.propose_file(engine, cs.EDITOR, VALID.encode("utf-16"), "w.csv")
    assert dump(engine) == before


@pytest.mark.parametrize("who", [None, cs.NO_ROLE], ids=["anonymous", "no-role"])
def test_only_an_editor_or_above_may_upload_even_an_invalid_file(engine, who):
    before = dump(engine)
    for data in (VALID.encode(), b"\xff not even text"):
        with pytest.raises(PermissionDenied):
            bulk.propose_file(engine, who, data, "week 49.csv")
    assert dump(engine) == before


def test_a_file_name_is_kept_short_and_its_control_characters_seen(engine):
    assert bulk.shown_name("C:\\Users\\me\\week\x1b[31m.csv") == "week\\x1b[31m.csv"
    assert len(bulk.shown_name("a" * 500 + ".csv")) == bulk.NAME_LIMIT
    assert bulk.shown_name("") == "upload.csv"


def test_the_export_guard_is_taken_off_as_the_importer_does(engine):
    text = HEADER + "event,E10000008,2024-03-01,day,,board,'=SUM(A1),https://www.example.org/b,Minutes\n"
    filed = bulk.propose_file(engine, cs.REVIEWER, text.encode(), "guarded.csv")
    assert history.change(engine, filed.changes[0]).after["title"] == "=SUM(A1)"
