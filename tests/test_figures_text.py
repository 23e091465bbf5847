"""Outside text is only text: the escaping rules (``figures/safe_text``, ``domain/links``) on hostile
strings, and the figures that put data into plotly, pydeck and SVG markup.

What Streamlit and plotly do with the escaped text in a real browser is measured in
``test_browser_hostile_text.py``; here every rule is checked on plain values.
"""

from __future__ import annotations

import datetime as dt
import html as std_html
import io
import json
import re
import unicodedata

import pandas as pd
import pytest
from sqlalchemy import create_engine

from oversight.components.figures import safe_text
from oversight.components.figures.map_data import describe
from oversight.components.figures.map_deck import TOOLTIP, deck
from oversight.components.figures.map_svg import svg_map
from oversight.components.figures.survival import swimmer_figure
from oversight.components.figures.timeline import timeline_figure
from oversight.data.domain.links import is_web_link, link_problem
from oversight.data.store import story
from tests import hostile_data as hd

LONG = "x" * 9_990 + "[t](https://evil.example/)"
HOSTILE = [
    "<script>alert(1)</script>",
    "<b>x</b>",
    '<a href="https://evil.example/">x</a>',
    "[t](https://evil.example/)",
    "![p](http://127.0.0.1:9/x.png)",
    "javascript:alert(1)",
    '=HYPERLINK("http://evil","x")',
    "+1",
    "-1",
    "@SUM(1)",
    "https://evil.example/ www.evil.example bob@evil.example",
    ":red[x] :material/home: :streamlit: :smile: $x^2$",
    "# h\n- item\n1. item\n> quote\n    code",
    "a -> b -- c <= d >= e ~= f <-> g",
    LONG,
]
#: A Markdown character left unescaped (not preceded by a backslash) that could start markup.
UNESCAPED = re.compile(r"(?<!\\)[\[\]()!<>*_`#|~$]")
ORDINARY = ["Kingston upon Hull, City of", "St Helens", "Bristol, City of", "Darlington", "North East"]


# markdown


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_leaves_no_markup_character_unescaped(text):
    out = safe_text.markdown(text)
    assert not UNESCAPED.search(out), out[:200]
    assert "\n" not in out and "\r" not in out  # no line can start a heading, list, quote or code block
    # What Markdown shows: drop the backslashes and the joiners: the text itself.
    shown = re.sub(r"\\(.)", r"\1", out).replace("\u2060", "")
    assert shown == re.sub(r"[\x00-\x1f]+", " ", text).strip()


def test_markdown_breaks_what_streamlit_links_after_reading():
    out = safe_text.markdown(
        "https://evil.example/ www.evil.example bob@evil.example :streamlit: a -> b -- c"
    )
    plain = re.sub(r"\\(.)", r"\1", out)  # the text nodes Streamlit's plugins see
    assert "https://" not in plain and "www." not in plain and "@evil" not in plain
    assert ":streamlit:" not in plain and "->" not in plain and "--" not in plain


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_read_unchanged(name):
    assert safe_text.markdown(name) == name  # no Markdown character: not a backslash added


def test_escaping_adds_backslashes_only_before_markdown_characters():
    assert safe_text.markdown("Stockton-on-Tees") == r"Stockton\-on\-Tees"
    assert safe_text.markdown("St. Helens (2014)") == r"St\. Helens \(2014\)"
    assert safe_text.markdown(None) == "" and safe_text.markdown(float("nan")) == ""


def test_markdown_cells_escape_text_only():
    frame = pd.DataFrame({"Authority": ["[t](https://evil.example/)", "Darlington"], "n": [1, 2]})
    out = safe_text.markdown_cells(frame)
    assert out["Authority"].tolist() == [safe_text.markdown(frame["Authority"][0]), "Darlington"]
    assert out["n"].tolist() == [1, 2] and frame["Authority"][0].startswith("[t]")  # a copy


def test_quoted_cuts_a_long_value():
    assert safe_text.quoted("E99") == "'E99'"
    assert len(safe_text.quoted(LONG)) == 82 and safe_text.quoted(LONG).endswith("…'")


# html


@pytest.mark.parametrize("text", HOSTILE)
def test_html_escapes_every_tag(text):
    out = safe_text.html(text)
    assert "<" not in out and ">" not in out and '"' not in out
    assert "%{" not in out  # never read as a plotly template field
    assert std_html.unescape(out) == text


def test_html_keeps_ordinary_names():
    for name in ORDINARY:
        assert safe_text.html(name) == name


# csv


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1", "'＝1"),
        ("Darlington", "Darlington"),
        ("Kingston upon Hull, City of", "Kingston upon Hull, City of"),
        (-1, -1),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_csv_cell(value, cell):
    assert safe_text.csv_cell(value) == cell


def test_csv_frame_keeps_dates_iso_and_numbers():
    frame = pd.DataFrame(
        {
            "Authority": ["=1+1", "Darlington"],
            "Date": [dt.date(2018, 5, 17), None],
            "Published": pd.to_datetime(["2018-05-17", None]),
            "Months": [-1.5, 3.0],
            "=bad": ["@x", "ok"],
        }
    )
    text = safe_text.csv_frame(frame).to_csv(index=False)
    rows = list(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).itertuples(index=False))
    assert text.splitlines()[0] == "Authority,Date,Published,Months,'=bad"
    assert tuple(rows[0]) == ("'=1+1", "2018-05-17", "2018-05-17", "-1.5", "'@x")
    assert tuple(rows[1]) == ("Darlington", "", "", "3.0", "ok")


# links


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:msgbox(1)",
        "mailto:bob@evil.example",
        "ftp://evil.example/",
        "//evil.example/",
        "/authority?la=E06000005",
        "https://",
        "https:evil.example",
        "https:\\\\evil.example",
        "https://www.gov.uk@evil.example/",
        "https://evil.example:99999/",
        "",
        None,
        LONG,
    ],
)
def test_only_http_links_with_a_host(url):
    assert not is_web_link(url) and link_problem(url)
    assert safe_text.web_link(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gov.uk/government/statistical-data-sets/childrens-social-care-data-in-england",
        "http://example.org/x?a=1&b=2#top",
        "HTTPS://WWW.GOV.UK/",
        "https://127.0.0.1:8501/",
    ],
)
def test_web_links_pass(url):
    assert is_web_link(url) and safe_text.web_link(url) == url


# figures


def _levels() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "authority_id": [1],
            "code": ["E06000005"],
            "name": ["<b>Darlington</b>"],
            "region_code": ["E12000001"],
            "region": ["North East"],
            "level": ["direction"],
            "level_label": ["Statutory direction"],
            "since": [dt.date(2024, 2, 1)],
            "since_precision": ["day"],
            "judgement": ["Good"],
            "published": [dt.date(2022, 12, 2)],
            "publication_estimated": [False],
            "intervention": [hd.LINK + " " + hd.TAGS],
            "feature": ["E06000005"],
        }
    )


def test_map_hover_escapes_every_value_and_keeps_its_own_markup():
    hover = describe(_levels())["hover"][0]
    assert hover.startswith("<b>&lt;b&gt;Darlington&lt;/b&gt;</b><br>Statutory direction since")
    assert (
        "<i>[Session expired - sign in](https://evil.example/) &lt;b&gt;bold&lt;/b&gt; &lt;a href=" in hover
    )
    assert re.findall(r"<(/?\w+)", hover) == ["b", "/b", "br", "br", "br", "i", "/i"]  # only ours


def _square() -> dict:
    ring = [[-1.6, 54.5], [-1.5, 54.5], [-1.5, 54.6], [-1.6, 54.6], [-1.6, 54.5]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "E06000005", "bbox": [-1.6, 54.5, -1.5, 54.6]},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def test_deck_tooltip_is_our_markup_with_plain_text_values():
    chart = deck(describe(_levels()), _square(), "intervention", None, (-1.6, 54.5, 8))
    spec = json.loads(chart.to_json())
    assert chart._tooltip["html"] == TOOLTIP  # what st.pydeck_chart sends beside the spec
    assert re.findall(r"<(/?\w+)", TOOLTIP) == ["b", "/b", "div", "/div"]
    props = spec["layers"][0]["data"]["features"][0]["properties"]
    # Streamlit escapes what it puts in the holes: the values are the words themselves, no entities.
    assert props["name"] == "<b>Darlington</b>"
    assert props["details"].splitlines() == [
        "Statutory direction since 1 February 2024",
        "Latest judgement: Good (published 2 December 2022)",
        hd.LINK + " " + hd.TAGS,
    ]
    assert "&lt;" not in json.dumps(props) and "hover" not in props


def test_svg_map_escapes_names_in_titles_and_labels():
    markup = svg_map(describe(_levels()), _square(), "intervention", dt.date(2024, 6, 30), None, "England")
    assert "<b>Darlington" not in markup and "&lt;b&gt;Darlington&lt;/b&gt;: Statutory direction" in markup
    assert 'aria-label="&lt;b&gt;Darlington&lt;/b&gt;: Statutory direction' in markup
    assert "<title>&lt;b&gt;Darlington" in markup


def test_swimmer_labels_are_escaped():
    spells = pd.DataFrame(
        {
            "code": ["E06000005"],
            "name": ['<a href="https://evil.example/">x</a>'],
            "start": [dt.date(2015, 9, 1)],
            "months_exact": [12.0],
            "exit_grade": ["Good"],
            "open": [False],
            "visits": [[dt.date(2016, 1, 1)]],
        }
    )
    fig = swimmer_figure(spells, None, dt.date(2024, 6, 30)).to_plotly_json()
    labels = [y for trace in fig["data"] for y in trace["y"]]
    assert labels and all(
        label.startswith("&lt;a href=&#34;https://evil.example/&#34;&gt;x") for label in labels
    )


@pytest.fixture(scope="module")
def hostile_engine(loaded_sqlite_url, tmp_path_factory):
    url = hd.hostile_store(loaded_sqlite_url, tmp_path_factory.mktemp("hostile_figures"))
    engine = create_engine(url)
    yield engine
    engine.dispose()


def test_timeline_hovers_show_tracker_text_as_text(hostile_engine):
    fig = timeline_figure(story.authority_story(hostile_engine, hd.CODE), dt.date.fromisoformat(hd.AS_AT))
    texts = []
    for trace in fig.to_plotly_json()["data"]:
        hover = trace.get("hovertext") or []
        texts.extend([hover] if isinstance(hover, str) else hover)
    hostile = [t for t in texts if "Session expired" in t or "img src" in t]
    assert len(hostile) == 2, texts
    for text in hostile:
        assert "<script" not in text and "<img" not in text and "<a " not in text and "<b>bold" not in text
        assert set(re.findall(r"<(/?\w+)", text)) <= {"b", "/b", "br", "i", "/i", "span", "/span"}
    joined = " ".join(hostile)
    for raw in (hd.TITLE, hd.TAGS, hd.IMAGE, hd.SCRIPT, hd.IMG_TAG):
        assert safe_text.html(raw) in joined
    # Every mark carries a link for its click: http(s) or nothing (the stored javascript: is dropped).
    urls = {c[0] for trace in fig.to_plotly_json()["data"] for c in (trace.get("customdata") or [])}
    assert "javascript:alert(1)" not in urls and all(u == "" or u.startswith("http") for u in urls)


def test_terminal_shows_control_characters_as_escapes():
    assert safe_text.terminal("\x1b[2Jhi\r\nthere\x9b31m\x07") == r"\x1b[2Jhi\r\nthere\x9b31m\x07"
    assert safe_text.terminal("a\u202eb\udc9bc\x7f") == r"a\u202eb\udc9bc\x7f"
    assert safe_text.terminal("line\nnext\tcell\x1b", keep="\n\t") == "line\nnext\tcell\\x1b"
    for name in ("Kingston upon Hull, City of", "Ynys Môn", "Łódź — עדכון"):
        assert safe_text.terminal(name) == name


# direction (bidirectional controls and right-to-left runs)

RLO, PDF, FSI, PDI = "\u202e", "\u202c", "\u2068", "\u2069"
#: Every explicit direction control Unicode has.
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
HEBREW = "עדכון"  # "update"
ARABIC = "تحديث ١٢"  # "update 12", in Arabic-Indic digits


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (f"Board {RLO}met{PDF} today", "Board met today"),  # the override goes, the words stay
        (f"{RLO}Minutes", "Minutes"),
        ("".join(f"{c}x" for c in CONTROLS), "x" * len(CONTROLS)),  # each control, balanced or not
        (f"x{PDI}{PDI}y{FSI}", "xy"),
        (f"{HEBREW} · 1 February 2024", f"{FSI}{HEBREW}{PDI} · 1 February 2024"),  # the run is isolated
        (f"Proposed by {HEBREW} on 1 May", f"Proposed by {FSI}{HEBREW}{PDI} on 1 May"),
        (f"{ARABIC} abc", f"{FSI}{ARABIC}{PDI} abc"),  # its own digits stay in the run
        (f"{HEBREW} 5 {HEBREW}", f"{FSI}{HEBREW} 5 {HEBREW}{PDI}"),
        (f"{HEBREW} 5", f"{FSI}{HEBREW}{PDI} 5"),  # digits after it may be the app's: outside
        ("אָב x", f"{FSI}אָב{PDI} x"),  # a vowel sign belongs to its letter
        (f"{HEBREW}\n{HEBREW}", f"{FSI}{HEBREW}{PDI}\n{FSI}{HEBREW}{PDI}"),  # a line ends a run
        (f"{RLO}{HEBREW}{PDF}", f"{FSI}{HEBREW}{PDI}"),
    ],
)
def test_plain_removes_direction_controls_and_isolates_right_to_left_runs(value, shown):
    assert safe_text.plain(value) == shown
    assert safe_text.plain(shown) == shown  # the rule of its own output is the same again


@pytest.mark.parametrize("text", [*ORDINARY, *HOSTILE, "Ynys Môn", "Łódź — café", "naïve “quotes” ’"])
def test_plain_leaves_left_to_right_text_unchanged(text):
    assert safe_text.plain(text) == text


def test_every_right_to_left_character_is_found():
    """The quick test of ``plain`` (Unicode's right-to-left blocks) holds every character whose
    direction is right to left (R, AL, AN), so the exact one never misses a run."""
    missed = [
        hex(code)
        for code in range(0x110000)
        if unicodedata.bidirectional(chr(code)) in ("R", "AL", "AN")
        and chr(code) not in CONTROLS
        and not safe_text._MAYBE_RTL.match(chr(code))
    ]
    assert not missed


def test_markdown_html_and_links_carry_no_direction_control():
    title = f"{RLO}Minutes of the board{PDF} <b>x</b> [t](https://evil.example/)"
    for out in (
        safe_text.markdown(title),
        safe_text.html(title),
        safe_text.markdown(safe_text.quoted(title)),
    ):
        assert not set(out) & set(CONTROLS), out
    # The words the app adds after a title read as written: "source:" is not turned round.
    line = "Board met · " + safe_text.markdown(title) + " · source: " + safe_text.markdown(f"{RLO}Minutes")
    assert RLO not in line and line.endswith(" · source: Minutes")
    assert safe_text.html(f"{HEBREW} <b>") == f"{FSI}{HEBREW}{PDI} &lt;b&gt;"
    assert safe_text.without_bidi(f"{RLO}{HEBREW}{PDF}") == HEBREW  # the PDF's rule: no isolates
    for control in CONTROLS:
        assert safe_text.web_link(f"https://www.gov.uk/{control}x") is None
        assert "https" not in safe_text.markdown_link("x", f"https://www.gov.uk/{control}x")
    # A CSV download keeps the value as it is (only a formula's start is guarded).
    assert safe_text.csv_cell(f"{RLO}x") == f"{RLO}x"


def test_a_tracker_title_with_an_override_in_a_hover_keeps_the_hovers_words():
    levels = _levels()
    levels["intervention"] = [f"{RLO}Direction issued{PDF}"]
    hover = describe(levels)["hover"][0]
    assert not set(hover) & set(CONTROLS)
    assert "<i>Direction issued</i>" in hover
