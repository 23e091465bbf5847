"""Outside text on the pages, without a browser: a bad link's note, tracker fields, source titles
and a file name reach Streamlit as escaped Markdown (every Markdown character after a backslash),
never as a link or an image; source links are http(s) only; CSV cells are never formulas."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.freshness import STALE_START
from oversight.components.figures.safe_text import markdown, quoted
from oversight.components.widgets import tables
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from tests import hostile_data as hd
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
RAW = (hd.LINK, hd.IMAGE, hd.TAGS, hd.SCRIPT, hd.IMG_TAG, hd.FORMULA)
#: Markdown that would make a link or a picture: ``[...](``, ``![``, a tag, an autolink.
MARKUP = re.compile(r"(?<!\\)\]\(|(?<!\\)!(?<!\\)\[|(?<!\\)<[a-z/!]|https?://|www\.", re.IGNORECASE)


@pytest.fixture(scope="module")
def hostile_url(loaded_sqlite_url, tmp_path_factory) -> str:
    return hd.hostile_store(loaded_sqlite_url, tmp_path_factory.mktemp("hostile_app"))


@pytest.fixture
def app(monkeypatch, hostile_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", hostile_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(page: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _bodies(at: AppTest) -> list[str]:
    """The Markdown source of every element Streamlit renders as Markdown."""
    return [
        e.value
        for kind in (at.title, at.markdown, at.caption, at.warning, at.info, at.error)
        for e in kind
        if isinstance(e.value, str)
    ]


def _assert_text_only(at: AppTest) -> str:
    bodies = _bodies(at)
    for body in bodies:
        assert not MARKUP.search(body), body[:300]
        for raw in RAW:
            assert raw not in body, body[:300]
    return "\n".join(bodies)


def _link_notes(at: AppTest) -> list[str]:
    """The warnings about the link: every warning but the stale-data notice (which depends on the
    data's age, see test_app_freshness)."""
    return [w.value for w in at.warning if not w.value.startswith(STALE_START)]


def test_a_bad_link_is_quoted_as_text_in_the_note(app):
    at = app(as_at=hd.LINK, la=hd.IMAGE, region=hd.TAGS)
    notes = _link_notes(at)
    assert len(notes) == 3, notes
    text = _assert_text_only(at)
    for raw in (hd.LINK, hd.IMAGE, hd.TAGS):
        assert markdown(quoted(raw)) in text
    # The literal words survive the escaping: drop the backslashes and the joiners, read the link.
    shown = re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")
    assert f"The link's date '{hd.LINK}' is not a date" in shown
    assert f"The link's authority '{hd.IMAGE}' is not a known ONS code" in shown


def test_a_very_long_parameter_is_cut_in_the_note(app):
    at = app(as_at="[" * 10_000)
    (note,) = _link_notes(at)
    assert len(note) < 400 and "…" in note


def test_hostile_tracker_text_on_the_authority_page(app):
    at = app("pages/authority_page.py", la=hd.CODE, as_at=hd.AS_AT)
    text = _assert_text_only(at)
    assert [t.value for t in at.title] == ["Darlington"]
    assert f"**Statutory direction** since 1 February 2024 · {markdown(hd.TITLE)}" in text
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    # A table cell is text to Streamlit: stored as written. A link is http(s) or nothing.
    assert history["Detail"].str.contains(re.escape(hd.LINK)).any()
    links = [u for u in history["Link"] if u]  # an empty cell is None, shown as "—"
    assert all(u.startswith(("http://", "https://")) for u in links)
    assert not any("javascript" in u.lower() for u in links)


def test_file_names_and_source_links_on_the_data_page(app):
    at = app("pages/data_sources.py")
    text = _assert_text_only(at)
    assert markdown(hd.FILE_NAME) in text  # the last import, named in the freshness line
    runs = next(d.value for d in at.dataframe if "SHA-256" in d.value.columns)
    assert hd.FILE_NAME in set(runs["File"])  # a table cell: text already
    sources = next(d.value for d in at.dataframe if "Facts it sources" in d.value.columns)
    assert hd.LINK in set(sources["Source"])
    links = set(sources["Link"])
    assert "javascript:alert(1)" not in links
    assert all(u == "" or u.startswith(("http://", "https://")) for u in links)


def test_presentation_table_cells_are_escaped(app):
    at = app(present="1", la=hd.CODE, as_at=hd.AS_AT, step="4", region=hd.TAGS)  # the timeline
    _assert_text_only(at)


def test_csv_download_cells_are_never_formulas(monkeypatch):
    sent: dict = {}
    monkeypatch.setattr(tables.st, "download_button", lambda label, data, **kw: sent.update(data=data, **kw))
    frame = pd.DataFrame(
        {
            "Source": [hd.FORMULA, "+1", "-1", "@SUM(1)", "Darlington"],
            "Date": pd.to_datetime(["2024-02-01", "2024-03-01", None, "2018-05-17", "2018-05-17"]),
            "Months": [-1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    tables.download_csv(frame, "x.csv", "Download", key="k")
    raw = sent["data"]
    assert raw.startswith("\ufeff".encode()) and sent["mime"] == "text/csv"
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back["Source"].tolist() == [f"'{hd.FORMULA}", "'+1", "'-1", "'@SUM(1)", "Darlington"]
    assert back["Date"].tolist() == ["2024-02-01", "2024-03-01", "", "2018-05-17", "2018-05-17"]
    assert back["Months"].tolist() == ["-1.0", "2.0", "3.0", "4.0", "5.0"]


# Direction controls --------------------------------------------------------------------------------

RLO, PDF, FSI, PDI = "\u202e", "\u202c", "\u2068", "\u2069"
HEBREW = "עדכון"
#: Every explicit direction control but the isolates the app itself puts around a right-to-left run.
FOREIGN_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u200e\u200f\u061c")
BIDI_ROWS = [
    {
        **hd.ROWS[0],
        "title": f"{RLO}Direction issued{PDF} · {HEBREW} 5",
        "details": f"Notes {RLO}reversed",
        "people": "",
        "source_title": f"{RLO}Letter to the council",
        "source_publisher": "",
    },
    {**hd.ROWS[1], "title": f"Board met {RLO}today", "details": "", "source_title": f"Minutes {RLO}(draft)"},
]


@pytest.fixture(scope="module")
def bidi_url(loaded_sqlite_url, tmp_path_factory) -> str:
    """The loaded store plus Darlington's facts whose titles hold a right-to-left override."""
    folder = tmp_path_factory.mktemp("bidi_app")
    url = hd.copy_sqlite(loaded_sqlite_url, folder)
    import_paths(bootstrap.ready_engine(url), [hd.write_tracker(folder, BIDI_ROWS, name="bidi.csv")])
    bootstrap.forget(url)
    return url


def _isolates_balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == FSI) - (char == PDI)
        if depth < 0:
            return False
    return depth == 0


def test_an_override_in_a_title_cannot_turn_the_pages_words_round(monkeypatch, bidi_url, data_dir):
    """A RLO (U+202E) in a tracker title and source title reaches neither a Markdown body nor the
    timeline's hovers: the words after it ("Source: …", the dates) read as the app wrote them, and
    the title's Hebrew word is isolated (FSI … PDI) so it cannot pull the app's "5" or "·" in."""
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", bidi_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(la=hd.CODE, as_at=hd.AS_AT)
    at.switch_page("pages/authority_page.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    bodies = _bodies(at)
    for body in bodies:
        assert not FOREIGN_CONTROLS & set(body) and _isolates_balanced(body), repr(body[:300])
    header = next(b for b in bodies if b.startswith("**Statutory direction**"))
    assert header.endswith(f" · Direction issued · {FSI}{HEBREW}{PDI} 5"), repr(header)

    spec = at.get("plotly_chart")[0].proto.spec  # the timeline
    assert RLO not in spec and "\\u202e" not in spec.lower()
    hovers: list[str] = []
    for trace in json.loads(spec)["data"]:
        hover = trace.get("hovertext") or []
        hovers.extend([hover] if isinstance(hover, str) else hover)
    direction = next(h for h in hovers if "Direction issued" in h)
    assert "Source: Letter to the council</span>" in direction and "Notes reversed" in direction
    event = next(h for h in hovers if "Board met" in h)
    assert "Board met today" in event and "Source: Minutes (draft)</span>" in event
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    details = " ".join(history["Detail"])  # a cell the page composes: the title beside the app's words
    assert RLO not in details and "Direction issued" in details
