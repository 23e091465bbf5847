"""What changed in words, tables and pictures (issue 12), without Streamlit: the headline lines of a
slide (judgements, spells, interventions first; capped, "and N more"), one authority's digest, the
page's Markdown lines with every outside text escaped and only web and app links, the CSV table;
the SVG map with changed authorities outlined, as a picture without links, and the presentation's
wide layout with London beside England; the Kaplan–Meier title and legend given room."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from oversight.components.figures.changes import (
    ESTIMATED_NOTE,
    authority_url,
    counts_line,
    default_since,
    digest_table,
    headline,
    line_markdown,
    line_text,
    more_words,
    only_authority,
    slide_rows,
    slide_title,
)
from oversight.components.figures.map_data import map_data
from oversight.components.figures.map_svg import svg_map
from oversight.components.figures.safe_text import csv_frame, markdown_link
from oversight.components.figures.survival import LEGEND_ROW, TITLE_ROOM, km_groups_figure, legend_rows
from oversight.components.reports.board_pack import QueryMapSource
from oversight.data import bootstrap
from oversight.data.domain import digest
from oversight.data.domain.digest import ChangeLine, Source

D = dt.date.fromisoformat
WEB = Source.of("Ofsted report", "https://example.org/report", "Ofsted")


def line(kind: str, day: str, name: str = "Testtown", aid: int = 1, **kw) -> ChangeLine:
    kw.setdefault("source", WEB)
    return ChangeLine(
        date=D(day),
        kind=kind,
        subkind=None,
        authority_id=aid,
        code=kw.pop("code", "E06000099"),
        name=name,
        region_code="E12000005",
        words=kw.pop("words", f"{kind} words"),
        **kw,
    )


def make_digest(*lines: ChangeLine) -> digest.Digest:
    groups = tuple(
        digest.Group(
            kind, label, tuple(sorted((ln for ln in lines if ln.kind == kind), key=lambda x: x.date))
        )
        for kind, label in digest.GROUPS.items()
    )
    return digest.Digest(D("2018-03-22"), D("2018-05-17"), None, None, groups)


def test_the_window_defaults_to_a_board_cycle_and_the_title_says_it():
    assert default_since(D("2018-05-17")) == D("2018-03-22")  # eight weeks
    assert (
        slide_title(D("2018-01-01"), D("2018-05-17"))
        == "Since the last meeting: 1 January 2018 to 17 May 2018"
    )


def test_headline_puts_judgements_spells_and_interventions_first_and_caps_the_rest():
    d = make_digest(
        *(line(digest.EVENT, f"2018-04-0{i}", f"Event {i}") for i in range(1, 6)),
        line(digest.VISIT, "2018-03-25"),
        line(digest.INTERVENTION_REVISED, "2018-04-01", "Birmingham"),
        line(digest.SPELL_STARTED, "2018-05-01"),
        line(digest.JUDGEMENT, "2018-05-01"),
        line(digest.CLOCK, "2018-03-23"),
    )
    lines, left_out = headline(d, 4)
    assert [ln.kind for ln in lines] == [
        digest.JUDGEMENT,
        digest.SPELL_STARTED,
        digest.INTERVENTION_REVISED,
        digest.VISIT,
    ]
    assert left_out == 6 and more_words(left_out) == "and 6 more — see the What changed page"
    assert more_words(0) == "" and headline(d, 20)[1] == 0
    assert counts_line(d).startswith("New full judgements: 1 · Inadequate spells started: 1 · ")
    assert counts_line(make_digest()) == "No change recorded"
    rows = slide_rows(lines)
    assert list(rows.columns) == ["Date", "Authority", "Change"] and rows.loc[2, "Authority"] == "Birmingham"


def test_one_authoritys_digest_keeps_every_group():
    d = make_digest(line(digest.JUDGEMENT, "2018-05-01", aid=1), line(digest.EVENT, "2018-04-01", aid=2))
    one = only_authority(d, 2)
    assert [g.kind for g in one.groups] == list(digest.GROUPS) and one.total == 1
    assert one.lines[0].kind == digest.EVENT


HOSTILE = "[Session expired](https://evil.example/) <b>bold</b> **x** :red[y]"


def test_a_line_in_markdown_escapes_outside_text_and_links_only_web_and_app_addresses():
    hostile = line(
        digest.EVENT,
        "2018-04-01",
        name=HOSTILE,
        words=HOSTILE,
        caveat=HOSTILE,
        estimated=True,
        source=Source.of(HOSTILE, "javascript:alert(1)"),
    )
    text = line_markdown(hostile)
    # The only links are ours: the authority's page (and no source link: not a web address).
    assert re.findall(r"\]\(([^)]*)\)", text) == [authority_url(hostile)]
    assert "javascript" not in text and "<b>" not in text and "**x**" not in text
    assert text.count(r"\[Session expired\]\(https\:") == 4  # name, words, caveat, source title
    good = line(digest.JUDGEMENT, "2026-08-03", source=Source.of("Report", "https://x.org/a_(b)"))
    assert line_markdown(good).endswith("source: [Report](https://x.org/a_%28b%29)")  # cannot end early
    assert markdown_link("x", "//evil.example/") == "x" and markdown_link("x", None) == "x"
    assert markdown_link("Birmingham", "/authority?la=E08000025") == "[Birmingham](/authority?la=E08000025)"


def test_a_2026_judgement_line_gives_its_area_judgements():
    areas = (("impact_of_leaders", "Inadequate"), ("help_protection", "Inadequate"))
    text = line_markdown(line(digest.JUDGEMENT, "2026-08-03", areas=areas))
    assert "area judgements: Impact of leaders\\: Inadequate; Help and protection\\: Inadequate" in text


def test_a_derived_inadequate_is_worded_derived_never_estimated():
    """A board reads "(estimated)" as uncertain: a grade derived by DOMAIN §2's rule from published
    area judgements says "derived from area judgements" in every place the digest is written."""
    derived = line(
        digest.JUDGEMENT,
        "2026-08-03",
        words="Judged inadequate (derived from area judgements; was good)",
        caveat="derived from the area judgements: no overall grade since April 2026",
        derived=True,
    )
    texts = [line_text(derived), line_markdown(derived), *slide_rows([derived])["Change"]]
    assert all("derived from area judgements" in t and "estimated" not in t for t in texts)
    row = digest_table(make_digest(derived)).iloc[0]
    assert (row["Estimated"], row["Derived from area judgements"]) == ("no", "yes")
    # A date that is estimated still says so, and the note says what "(estimated)" marks.
    dated = line(digest.JUDGEMENT, "2019-05-01", estimated=True, caveat="date known to the month")
    assert line_text(dated).endswith("(estimated)") and "estimated\\: date known" in line_markdown(dated)
    # Both: the flag names the date, so it cannot be read as the grade's.
    both = line(digest.JUDGEMENT, "2026-08-03", words=derived.words, estimated=True, derived=True)
    assert line_text(both).endswith("(derived from area judgements; was good) (date estimated)")
    assert "derived" not in ESTIMATED_NOTE


def test_the_csv_table_is_every_line_with_its_source_and_never_a_formula():
    d = make_digest(
        line(digest.JUDGEMENT, "2018-05-01", words='=HYPERLINK("https://evil.example")'),
        line(digest.EVENT, "2018-04-01", source=Source.of("Blog", "javascript:alert(1)")),
    )
    table = digest_table(d)
    assert len(table) == 2 and table.loc[0, "Group"] == "New full judgements"
    assert table.loc[0, "Source link"] == "https://example.org/report" and table.loc[1, "Source link"] == ""
    assert csv_frame(table).loc[0, "Change"].startswith("'=HYPERLINK")
    assert list(table["Own date"]) == ["", ""]


def test_a_newly_recorded_line_leads_the_slide_and_keeps_its_own_date_in_the_csv():
    """Issue 21: what the board has not heard of comes first; the CSV gives the fact's own date."""
    recorded = line(
        digest.NEWLY_RECORDED,
        "2026-12-07",
        words="Newly recorded: improvement notice, dated 15 April 2025 (an approved proposal)",
        dated=D("2025-04-15"),
    )
    d = make_digest(line(digest.JUDGEMENT, "2026-08-01"), recorded)
    shown, left_out = headline(d, limit=1)
    assert shown == [recorded] and left_out == 1
    table = digest_table(d)
    assert list(table["Group"]) == ["Newly recorded (whatever their own date)", "New full judgements"]
    assert list(table["Date"]) == ["2026-12-07", "2026-08-01"] and list(table["Own date"]) == [
        "2025-04-15",
        "",
    ]
    assert (
        slide_rows(shown)
        .loc[0, "Change"]
        .startswith("Newly recorded: improvement notice, dated 15 April 2025")
    )


@pytest.fixture(scope="module")
def england(loaded_sqlite_url, data_dir):
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    return map_data(QueryMapSource(engine, data_dir), D("2018-05-17"))


def test_changed_authorities_are_outlined_on_a_map_without_links(england):
    frame = england.frame
    changed = frozenset(frame.loc[frame["name"].isin(["Birmingham", "Sandwell"]), "authority_id"])
    markup = svg_map(
        frame,
        england.geojson,
        "intervention",
        D("2018-05-17"),
        "E12000005",
        "West Midlands",
        links=False,
        outlined=changed,
    )
    assert "data-la=" not in markup and 'role="img"' in markup
    assert "Changed in the window: heavy outline (2)</li>" in markup
    assert markup.count('fill="none" stroke="#0B0C0C" stroke-width="5"') == 2
    page = svg_map(frame, england.geojson, "intervention", D("2018-05-17"), None, "England")
    assert page.count("data-la=") == 152 and "heavy outline" not in page and 'role="group"' in page


def _box(markup: str, cls: str) -> tuple[float, float, float, float]:
    """The box of a layer's drawing (from the path commands' absolute starts; enough for layout)."""
    part = markup.split(f'<g class="{cls}">')[1].split("</g>")[0]
    xs, ys = [], []
    for m in re.finditer(r'd="([^"]+)"', part):
        for x, y in re.findall(r"M(-?\d+) (-?\d+)", m.group(1)):
            xs.append(int(x))
            ys.append(int(y))
    return min(xs), min(ys), max(xs), max(ys)


def test_the_wide_layout_puts_london_beside_england_at_a_legible_size(england):
    markup = svg_map(
        england.frame, england.geojson, "intervention", D("2018-05-17"), None, "England", wide=True
    )
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', markup).groups())
    aspect = float(re.search(r"--aspect:([\d.]+)", markup).group(1))
    assert aspect == pytest.approx(width / height, abs=0.01) and 1.1 < aspect < 1.5
    ex0, ey0, ex1, ey1 = _box(markup, "main")
    rect = re.search(r'<g class="inset"><rect x="(\d+)" y="(\d+)" width="(\d+)" height="(\d+)"', markup)
    ix, iy, iw, ih = map(int, rect.groups())
    assert ix > ex1  # beside England, not over it
    assert ix - ex1 < 0.1 * height  # and close to it, not floating apart
    assert ey0 <= iy and iy + ih <= height  # within England's height
    assert iw > 0.35 * height  # about half as wide as England is tall: legible
    assert '<g class="leader"' in markup  # a box round London and a line to the inset


def test_kaplan_meier_title_and_legend_have_room():
    frame = pd.DataFrame(
        {
            "months_exact": [10.0, 20.0, 30.0] * 9,
            "open": [False, True, False] * 9,
            "group": [f"Region with a long name {i}" for i in range(9) for _ in range(3)],
        }
    )
    fig, curves = km_groups_figure(frame, frame["group"], D("2024-05-16"), "England")
    title = fig.layout.title
    assert "<br>" not in title.text and title.subtitle.text == "England, data to 16 May 2024"
    assert (title.yref, title.yanchor, title.y) == ("container", "top", 1)
    rows = legend_rows([t.name for t in fig.data])
    assert rows >= 5  # nine long names, two a row at most
    assert fig.layout.margin.t >= TITLE_ROOM + LEGEND_ROW * rows
    assert fig.layout.height - fig.layout.margin.t - fig.layout.margin.b >= 300  # the plot keeps its room
    one, _ = km_groups_figure(frame.head(3), frame["group"].head(3), D("2024-05-16"), "England")
    assert one.layout.margin.t == TITLE_ROOM  # no legend for a single curve
