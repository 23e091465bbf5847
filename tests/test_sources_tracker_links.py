"""A tracker's ``source_url`` becomes a link in the app, so only an http(s) address with a host is
imported: anything else is refused with its file, row and column, like every other bad cell, and
the refused file writes nothing."""

from __future__ import annotations

import pytest

from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.sources.tracker_csv import parse_tracker
from oversight.data.store import story
from tests import hostile_data as hd
from tests.conftest import dump


def _row(url: str) -> dict[str, str]:
    return {
        "record": "event",
        "authority_code": "E06000005",
        "date": "2024-03-01",
        "kind": "other",
        "title": "Board met",
        "source_url": url,
        "source_title": "A page",
    }


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "https://",
        "https://www.gov.uk@evil.example/",
    ],
)
def test_a_non_web_source_url_is_refused_with_row_and_column(tmp_path, url):
    path = hd.write_tracker(tmp_path, [_row("https://www.gov.uk/a"), _row(url)], name="links.csv")
    parsed = parse_tracker(path)
    assert len(parsed.errors) == 1, parsed.errors
    error = parsed.errors[0]
    assert error.startswith("links.csv, row 3, column source_url: ")
    assert "is not a web address" in error


def test_the_refusal_goes_through_the_importer_and_writes_nothing(fresh_engine, tmp_path):
    path = hd.write_tracker(
        tmp_path, [_row("https://www.gov.uk/a"), _row("javascript:alert(1)")], name="t.csv"
    )
    before = dump(fresh_engine)
    with pytest.raises(ImportRefused) as info:
        import_paths(fresh_engine, [path])
    assert dump(fresh_engine) == before
    message = str(info.value)
    assert "t.csv, row 3, column source_url: 'javascript:alert(1)' is not a web address" in message
    assert "only http:// and https:// addresses are accepted" in message


def test_a_long_bad_address_is_cut_in_the_message(tmp_path):
    path = hd.write_tracker(tmp_path, [_row("javascript:" + "a" * 1_900)], name="long.csv")
    (error,) = parse_tracker(path).errors
    assert len(error) < 250 and "…" in error


def test_an_address_longer_than_its_limit_is_refused_by_its_length(tmp_path):
    path = hd.write_tracker(tmp_path, [_row("https://www.gov.uk/" + "a" * 10_000)], name="long.csv")
    (error,) = parse_tracker(path).errors
    assert error == "long.csv, row 2, column source_url: longer than 2,000 characters (this has 10,019)"


@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f", "\x9b"])
def test_an_address_holding_a_direction_or_c1_control_is_refused(tmp_path, control):
    path = hd.write_tracker(tmp_path, [_row(f"https://www.gov.uk/{control}gro.live")], name="bidi.csv")
    (error,) = parse_tracker(path).errors
    assert error.startswith("bidi.csv, row 2, column source_url: ") and "control characters" in error


def test_web_addresses_and_hostile_text_import_as_they_are(fresh_engine, tmp_path):
    """Titles, details and people are text: stored exactly as written, escaped where they are shown."""
    import_paths(fresh_engine, [hd.write_tracker(tmp_path)])
    facts = [f for f in story.authority_story(fresh_engine, hd.CODE).facts if f.date.year == 2024]
    labels = {f.label for f in facts}
    assert hd.TITLE in labels and hd.IMG_TAG in labels
    assert {f.source.url for f in facts} == {hd.SOURCE_URL, hd.SOURCE_URL + "/event"}
