"""``oversight changes``: the digest as text, JSON and CSV; formulas neutralised; usage errors in one line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from oversight import cli
from oversight.cli.changes import CSV_COLUMNS
from oversight.data.domain.digest import GROUPS

WEST_MIDLANDS_2018 = ("changes", "--since", "2018-01-01", "--until", "2018-05-17", "--region", "E12000005")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_groups_with_counts_each_line_dated_and_sourced(capsys, loaded_sqlite_url):
    code, out, err = run(capsys, *WEST_MIDLANDS_2018, "--database", loaded_sqlite_url)
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0].startswith(
        "Changes from 1 January 2018 to 17 May 2018 (both days included), West Midlands."
    )
    for label in GROUPS.values():
        assert any(line.startswith(f"{label} (") for line in lines), label
    assert "Interventions revised (3)" in lines
    i = lines.index(
        "  1 April 2018  Sandwell (E08000028)  Moved to alternative delivery: Sandwell Children's Trust "
        "launched (was statutory direction)"
    )
    assert lines[i + 1].startswith("      source: ") and "<https://" in lines[i + 1]
    assert any("Birmingham (E08000025)  Moved to alternative delivery" in line for line in lines)


def test_json_is_the_digest_structure(capsys, loaded_sqlite_url):
    code, out, _ = run(capsys, *WEST_MIDLANDS_2018, "--json", "--database", loaded_sqlite_url)
    payload = json.loads(out)
    assert code == 0
    assert payload["since"] == "2018-01-01" and payload["until"] == "2018-05-17"
    assert payload["region"] == "E12000005" and payload["region_name"] == "West Midlands"
    assert [g["kind"] for g in payload["groups"]] == list(GROUPS)
    assert payload["counts"] == {g["kind"]: g["count"] for g in payload["groups"]}
    assert payload["total"] == sum(payload["counts"].values())
    revised = next(g for g in payload["groups"] if g["kind"] == "intervention_revised")
    line = next(ln for ln in revised["lines"] if ln["name"] == "Birmingham")
    assert set(line) == {
        "date",
        "kind",
        "subkind",
        "authority_id",
        "code",
        "name",
        "region_code",
        "words",
        "source",
        "before",
        "after",
        "months",
        "estimated",
        "caveat",
        "areas",
        "dated",
        "derived",
    }
    assert line["date"] == "2018-04-01" and line["source"]["url"].startswith("https://")
    assert {s["title"] for s in payload["sources"]} >= {line["source"]["title"]}


def test_csv_one_row_per_line(capsys, loaded_sqlite_url):
    code, out, _ = run(capsys, *WEST_MIDLANDS_2018, "--csv", "--database", loaded_sqlite_url)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and out.splitlines()[0] == ",".join(CSV_COLUMNS)
    _, js, _ = run(capsys, *WEST_MIDLANDS_2018, "--json", "--database", loaded_sqlite_url)
    assert len(rows) == json.loads(js)["total"]
    sandwell = next(
        r
        for r in rows
        if r["name"] == "Sandwell" and r["kind"] == "intervention_revised" and "alternative" in r["words"]
    )
    assert sandwell["date"] == "2018-04-01" and sandwell["source_url"].startswith("https://")
    assert sandwell["group"] == "Interventions revised" and sandwell["estimated"] == "no"


TRACKER = (
    "record,authority_code,date,date_precision,kind,title,details,source_url,source_title,source_publisher\n"
    'event,E08000025,2018-02-01,day,other,"=HYPERLINK(""https://evil.example"",""x"")",,'
    "https://example.org/e,@SUM(1+1),Tracker\n"
)


def test_csv_cells_are_never_formulas(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    path = tmp_path / "tracker.csv"
    path.write_text(TRACKER, encoding="utf-8")
    assert run(capsys, "import", str(path), "--database", url)[0] == 0
    code, out, _ = run(capsys, *WEST_MIDLANDS_2018, "--csv", "--database", url)
    rows = list(csv.DictReader(io.StringIO(out)))
    (event,) = [r for r in rows if r["kind"] == "event"]
    assert code == 0
    assert event["words"] == '\'=HYPERLINK("https://evil.example","x")'
    assert event["source_title"] == "'@SUM(1+1)"
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--since", "2018-02-30"), "argument --since: not a date (YYYY-MM-DD): '2018-02-30'"),
        (("--since", "2018-01-01", "--until", "17/05/2018"), "argument --until: not a date"),
        (("--since", "2018-01-01", "--region", "E99"), "argument --region: not an English region code"),
        (("--since", "2018-01-01", "--json", "--csv"), "not allowed with argument"),
        ((), "the following arguments are required: --since"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        cli.main(["changes", *argv])
    err = capsys.readouterr().err
    assert info.value.code == 2
    assert err.count("\n") == 1 and err.startswith("oversight changes: error: ") and message in err


def test_an_end_before_the_start_is_a_usage_error(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.sqlite'}"
    code, out, err = run(
        capsys, "changes", "--since", "2018-05-01", "--until", "2018-01-01", "--database", url
    )
    assert code == 2 and not out
    assert err == "oversight changes: error: --until 2018-01-01 is before --since 2018-05-01\n"
    code, _, err = run(capsys, "changes", "--since", "2099-01-01", "--database", url)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("oversight changes: error: --since 2099-01-01 is after today (")


KNOWSLEY_NOTICE = (
    "record,authority_code,date,date_precision,level,title,source_url,source_title,source_publisher\n"
    "intervention,E08000011,2025-04-15,day,improvement_notice,Improvement notice,"
    "https://www.gov.uk/government/publications/knowsley-improvement-notice,"
    "Knowsley: improvement notice,Department for Education\n"
)


def test_a_fact_imported_today_with_an_old_date_is_newly_recorded(capsys, empty_url, tmp_path):
    """Issue 21: `oversight changes --since TODAY-1 --json` lists a notice dated 2025 imported today
    (SQLite and PostgreSQL): the window starts after the newest data, so it ends today."""
    path = tmp_path / "knowsley.csv"
    path.write_text(KNOWSLEY_NOTICE, encoding="utf-8")
    assert run(capsys, "import", str(path), "--database", empty_url)[0] == 0
    today = dt.date.today()
    since = (today - dt.timedelta(days=1)).isoformat()
    code, out, err = run(capsys, "changes", "--since", since, "--json", "--database", empty_url)
    assert code == 0 and not err
    payload = json.loads(out)
    assert payload["until"] == payload["recorded_until"] == today.isoformat()
    assert payload["counts"]["newly_recorded"] == 1 == payload["total"]
    (line,) = payload["groups"][0]["lines"]
    assert payload["groups"][0]["label"] == "Newly recorded (whatever their own date)"
    assert (line["date"], line["dated"], line["code"], line["name"]) == (
        today.isoformat(),
        "2025-04-15",
        "E08000011",
        "Knowsley",
    )
    assert (
        line["words"]
        == "Newly recorded: improvement notice, dated 15 April 2025 (imported from knowsley.csv)"
    )
    assert line["source"] == {
        "title": "Knowsley: improvement notice",
        "url": "https://www.gov.uk/government/publications/knowsley-improvement-notice",
        "publisher": "Department for Education",
    }
    code, out, _ = run(capsys, "changes", "--since", since, "--database", empty_url)
    assert "Newly recorded (whatever their own date) (1)" in out.splitlines()
    assert "Knowsley (E08000011)  Newly recorded: improvement notice, dated 15 April 2025" in out
