"""How long a typed value may be (``domain.text.FIELD_LIMITS``): the tracker CSV reader refuses a
longer cell with its row and column, before any other check reads it, on SQLite and PostgreSQL.

The 20 MB title is built once for the module; the reader must answer in about a second (the
csv module reads the cell; nothing after it does)."""

from __future__ import annotations

import time

import pytest

from oversight.data.domain.text import FIELD_LIMITS, length_problems, too_long
from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.sources.tracker_csv import COLUMNS, parse_row, parse_tracker
from tests import hostile_data as hd
from tests.conftest import dump

HUGE = "x" * (20 << 20)  # 20 MB
ROW = {
    "record": "event",
    "authority_code": "E06000005",
    "date": "2024-03-01",
    "kind": "other",
    "title": "Board met",
    "source_url": "https://www.gov.uk/a",
    "source_title": "A page",
}


def test_every_tracker_column_has_a_limit():
    assert set(COLUMNS) <= set(FIELD_LIMITS)
    assert {c: FIELD_LIMITS[c] for c in ("title", "details", "people", "source_title", "source_url")} == {
        "title": 500,
        "details": 5_000,
        "people": 500,
        "source_title": 500,
        "source_url": 2_000,
    }
    assert (FIELD_LIMITS["comment"], FIELD_LIMITS["name"], FIELD_LIMITS["email"]) == (2_000, 200, 320)


def test_a_20_mb_title_is_refused_by_the_reader_naming_row_and_column(tmp_path):
    path = hd.write_tracker(tmp_path, [ROW, {**ROW, "title": HUGE}], name="big.csv")
    started = time.perf_counter()
    parsed = parse_tracker(path)
    assert time.perf_counter() - started < 5
    assert parsed.errors == ["big.csv, row 3, column title: longer than 500 characters (this has 20,971,520)"]


def test_a_20_mb_title_is_refused_by_the_import_which_writes_nothing(fresh_engine, tmp_path):
    path = hd.write_tracker(tmp_path, [ROW, {**ROW, "title": HUGE}], name="big.csv")
    before = dump(fresh_engine)
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as info:
        import_paths(fresh_engine, [path])
    assert time.perf_counter() - started < 10
    assert "big.csv, row 3, column title: longer than 500 characters (this has 20,971,520)" in str(info.value)
    assert len(str(info.value)) < 500
    assert dump(fresh_engine) == before


def test_a_form_row_with_a_20_mb_title_is_refused_at_once():
    started = time.perf_counter()
    record, source, problems = parse_row({**ROW, "title": HUGE})
    assert time.perf_counter() - started < 0.5
    assert (record, source) == (None, None)
    assert problems == ["title: longer than 500 characters (this has 20,971,520)"]


@pytest.mark.parametrize("column", COLUMNS)
def test_each_column_one_character_too_long_is_one_problem_about_it(column):
    limit = FIELD_LIMITS[column]
    _, _, problems = parse_row({**ROW, column: "9" * (limit + 1)})
    assert problems == [f"{column}: longer than {limit:,} characters (this has {limit + 1:,})"]


def test_a_value_as_long_as_its_limit_is_read():
    long_row = {**ROW, "title": "t" * 500, "details": "d" * 5_000, "people": "p" * 500}
    long_row.update(source_title="s" * 500, source_url="https://www.gov.uk/" + "u" * (2_000 - 19))
    record, source, problems = parse_row(long_row)
    assert not problems and record is not None and source is not None
    assert record.title == "t" * 500 and source.url == long_row["source_url"]


def test_a_too_long_cell_hides_no_other_problem():
    _, _, problems = parse_row({**ROW, "kind": "k" * 33, "date": "2024-02-30"})
    assert problems == [
        "kind: longer than 32 characters (this has 33)",
        "date: not a date (YYYY-MM-DD): '2024-02-30'",
    ]


def test_the_data_layers_own_fields():
    assert too_long("comment", "c" * 2_000) is None
    assert length_problems(
        {"comment": "c" * 2_001, "name": "n" * 201, "email": "e" * 321, "other": HUGE}
    ) == [
        "comment: longer than 2,000 characters (this has 2,001)",
        "name: longer than 200 characters (this has 201)",
        "email: longer than 320 characters (this has 321)",
    ]
