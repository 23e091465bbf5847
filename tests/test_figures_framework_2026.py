"""The April 2026 framework in every picture, without Streamlit (DOMAIN §2): "no overall grade" is
its own legend entry and a colour no other legend uses, with its area judgements counted; a derived
inadequate is inadequate's colour hatched, its own legend entry, always worded as derived (never
"estimated"); a post-reform inspection's four area judgements go wherever it appears. Pre-2026 maps
keep the legend, hover and table they always had. Also the freshness words (issue 14, item 6)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest

from oversight.components.figures import theme
from oversight.components.figures.freshness import (
    STALE_START,
    freshness_line,
    is_stale,
    months_before,
    source_words,
    stale_notice,
)
from oversight.components.figures.judgements import (
    areas_summary,
    areas_text,
    judgement_key,
    judgement_words,
    legend_key,
)
from oversight.components.figures.map_data import (
    AREAS_COLUMN,
    area_notes,
    derived_count,
    describe,
    legend_counts,
    screen_table,
    slide_table,
)
from oversight.components.figures.map_deck import deck
from oversight.components.figures.map_plotly import geo_figure, tile_figure
from oversight.components.figures.map_svg import svg_map
from oversight.components.figures.timeline import timeline_figure
from oversight.data.domain import vocab
from oversight.data.domain.framework import NO_OVERALL_GRADE
from oversight.data.store.queries import Publication
from oversight.data.store.story import Authority, AuthorityStory, Fact, Source
from tests.test_figures_maps import contrast

D = dt.date
DERIVED = "Inadequate — derived from area judgements; no overall grade since April 2026"
TRAFFORD_AREAS = {
    "care_leavers": vocab.RI,
    "children_in_care": vocab.GOOD,
    "help_protection": vocab.INADEQUATE,
    "impact_of_leaders": vocab.INADEQUATE,
}
LIVERPOOL_AREAS = {
    "care_leavers": vocab.RI,
    "children_in_care": vocab.GOOD,
    "help_protection": vocab.GOOD,
    "impact_of_leaders": vocab.GOOD,
}


def _levels(post: bool = True) -> pd.DataFrame:
    """Three authorities as ``queries.intervention_levels`` gives them: a derived inadequate, one
    with no overall grade (both 2026 framework) and an old-style Good."""
    return pd.DataFrame(
        {
            "authority_id": [1, 2, 3],
            "code": ["E08000009", "E08000012", "E06000005"],
            "name": ["Trafford", "Liverpool", "Darlington"],
            "region_code": ["E12000002", "E12000002", "E12000001"],
            "region": ["North West", "North West", "North East"],
            "level": ["inadequate_no_intervention", "none", "none"],
            "level_label": ["Inadequate, no intervention recorded", "No intervention", "No intervention"],
            "since": [D(2026, 8, 3), None, None],
            "since_precision": ["day", "day", "day"],
            "judgement": [vocab.INADEQUATE, None, vocab.GOOD]
            if post
            else [vocab.INADEQUATE, vocab.RI, "Good"],
            "overall_derived": [True, False, False] if post else [False, False, False],
            "post_reform": [True, True, False] if post else [False, False, False],
            "areas": [TRAFFORD_AREAS, LIVERPOOL_AREAS, {"help_protection": vocab.GOOD}],
            "published": [D(2026, 8, 3), D(2026, 7, 7), D(2022, 12, 2)],
            "publication_estimated": [False, False, False],
            "inspection_date": [D(2026, 6, 8), D(2026, 5, 11), D(2022, 10, 10)],
            "intervention": [None, None, None],
        }
    )


def _square(code: str, x: float) -> dict:
    ring = [[x, 54.5], [x + 0.1, 54.5], [x + 0.1, 54.6], [x, 54.6], [x, 54.5]]
    return {
        "type": "Feature",
        "properties": {"code": code, "bbox": [x, 54.5, x + 0.1, 54.6]},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _geojson() -> dict:
    codes = ["E08000009", "E08000012", "E06000005"]
    return {"type": "FeatureCollection", "features": [_square(c, -2 + i * 0.2) for i, c in enumerate(codes)]}


def _frame(post: bool = True) -> pd.DataFrame:
    return describe(_levels(post)).assign(feature=lambda f: f["code"])


# theme and words


def test_no_overall_grade_has_its_own_colour_and_neighbours_contrast():
    assert theme.JUDGEMENT_COLOURS[NO_OVERALL_GRADE] == theme.NO_OVERALL_GRADE_COLOUR == theme.MID_BLUE
    assert list(theme.JUDGEMENT_COLOURS)[-1] == NO_OVERALL_GRADE  # last, after "Not yet inspected"
    values = list(theme.JUDGEMENT_COLOURS.values())
    assert len(set(values)) == len(values)  # never the colour of another entry
    # ... nor of any intervention level (it shared "inadequate, none recorded"'s dark grey).
    assert theme.NO_OVERALL_GRADE_COLOUR not in theme.LEVEL_COLOURS.values()
    for a, b in zip(values, values[1:], strict=False):
        assert contrast(a, b) >= 3.0
    assert contrast(theme.NO_OVERALL_GRADE_COLOUR, theme.WHITE) >= 4.5  # white borders and labels
    assert theme.NO_OVERALL_GRADE_COLOUR in theme.DARK_FILLS


def test_derived_inadequate_is_a_hatched_legend_entry_after_inadequate():
    cats = theme.categories("judgement")
    keys = [c.key for c in cats]
    assert keys[keys.index(vocab.INADEQUATE) + 1] == theme.DERIVED_KEY
    (derived,) = [c for c in cats if c.hatched]
    assert derived.key == derived.label == "Inadequate, derived from area judgements"
    assert derived.colour == theme.JUDGEMENT_COLOURS[vocab.INADEQUATE]
    # Its mark: white stripes, which contrast with inadequate's colour.
    assert contrast(theme.HATCH_LINE, derived.colour) >= 3.0
    assert theme.HATCH_LINE in theme.hatch_css() and derived.colour in theme.hatch_css()
    assert all(c.key != theme.DERIVED_KEY for c in theme.categories("intervention"))


def test_judgement_words():
    assert judgement_key(None, True, True) == NO_OVERALL_GRADE
    assert judgement_key(None, False, True) == theme.NOT_INSPECTED
    assert judgement_key(None, True, False) == theme.NOT_INSPECTED
    assert judgement_words(vocab.INADEQUATE, True, True, True) == DERIVED == theme.DERIVED_INADEQUATE
    assert judgement_words(vocab.INADEQUATE, False, False, True) == vocab.INADEQUATE
    assert judgement_words(vocab.GOOD, None, float("nan"), True) == vocab.GOOD
    assert legend_key(vocab.INADEQUATE, True, True, True) == theme.DERIVED_KEY
    assert legend_key(vocab.INADEQUATE, False, False, True) == vocab.INADEQUATE
    assert legend_key(None, False, True, True) == NO_OVERALL_GRADE
    # "No overall grade" holds very different councils: the areas counted, best first.
    assert areas_summary(LIVERPOOL_AREAS) == "4 areas: 3 good, 1 requires improvement"
    assert areas_summary(TRAFFORD_AREAS) == "4 areas: 1 good, 1 requires improvement, 2 inadequate"
    assert areas_summary({"help_protection": vocab.OUTSTANDING}) == "1 area: 1 outstanding"
    assert areas_summary({}) == areas_summary(None) == ""
    # DOMAIN §2's order, whatever order the store gives.
    assert areas_text(TRAFFORD_AREAS) == (
        "Impact of leaders: Inadequate; Help and protection: Inadequate; Children in care: Good; "
        "Care leavers: Requires improvement"
    )


# the map pipeline


def test_describe_words_a_derived_inadequate_as_derived_and_gives_area_judgements():
    frame = _frame().set_index("code")
    trafford, liverpool, darlington = (frame.loc[c] for c in ("E08000009", "E08000012", "E06000005"))
    assert trafford["judgement_key"] == vocab.INADEQUATE  # inadequate ...
    assert trafford["judgement_legend"] == theme.DERIVED_KEY  # ... drawn with its own hatched entry
    assert trafford["judgement_text"] == f"{DERIVED} (published 3 August 2026)"
    assert trafford["areas_text"].startswith("Impact of leaders: Inadequate; Help and protection: Inadequate")
    assert liverpool["judgement_key"] == NO_OVERALL_GRADE
    assert liverpool["judgement_text"] == (
        "No overall grade, 2026 framework; 4 areas: 3 good, 1 requires improvement (published 7 July 2026)"
    )
    assert (
        "No overall grade, 2026 framework;<br>4 areas: 3 good, 1 requires improvement" in liverpool["hover"]
    )
    assert "Care leavers: Requires improvement" in liverpool["areas_text"]
    # Before the reform nothing changes: no area judgements in the words.
    assert (
        darlington["judgement_text"] == "Good (published 2 December 2022)" and darlington["areas_text"] == ""
    )
    assert "Area judgements" not in darlington["hover"]
    hover = trafford["hover"]
    assert (
        "Latest judgement: Inadequate — derived from area judgements;<br>no overall grade since April 2026"
        in hover
    )
    assert "<br>· Impact of leaders: Inadequate<br>· Help and protection: Inadequate" in hover
    assert re.findall(r"<(/?\w+)", hover) == ["b", "/b"] + ["br"] * 8  # only ours
    assert "estimated" not in " ".join(frame["hover"])


def test_legend_has_no_overall_grade_only_once_it_occurs():
    post = {c.key: n for c, n in legend_counts(_frame(), "judgement")}
    assert post[NO_OVERALL_GRADE] == 1 and post[theme.DERIVED_KEY] == 1
    assert post[vocab.INADEQUATE] == 0  # the graded ones only: the entries add up to the map
    assert sum(post.values()) == len(_frame())
    assert derived_count(_frame()) == 1
    before = [c.key for c, _ in legend_counts(_frame(post=False), "judgement")]
    assert (
        NO_OVERALL_GRADE not in before
        and theme.DERIVED_KEY not in before
        and before
        == [
            vocab.OUTSTANDING,
            vocab.GOOD,
            vocab.RI,
            vocab.INADEQUATE,
            theme.NOT_INSPECTED,
        ]
    )
    assert derived_count(_frame(post=False)) == 0


def test_tables_carry_the_derived_words_and_the_area_judgements():
    table = screen_table(_frame(), None).set_index("Authority")
    assert table.loc["Trafford", "Latest judgement"] == DERIVED
    assert table.loc["Liverpool", "Latest judgement"] == (
        f"{NO_OVERALL_GRADE}; 4 areas: 3 good, 1 requires improvement"
    )
    assert table.loc["Liverpool", AREAS_COLUMN].startswith("Impact of leaders: Good")
    assert table.loc["Darlington", AREAS_COLUMN] == ""
    # Before the reform: the same columns as always.
    assert list(screen_table(_frame(post=False), None).columns) == [
        "Authority",
        "Intervention level",
        "Since",
        "Latest judgement",
        "Published",
        "Region",
        "ONS code",
    ]
    slides = slide_table(_frame()).set_index("Authority")
    assert slides.loc["Trafford", "Latest judgement"] == DERIVED
    assert slides.loc["Liverpool", "Latest judgement"] == (
        f"{NO_OVERALL_GRADE}; 4 areas: 3 good, 1 requires improvement"
    )
    notes = area_notes(_frame())
    assert notes[0].startswith("Trafford (inadequate, derived): Impact of leaders: Inadequate")
    assert notes[1].startswith("Liverpool (no overall grade): Impact of leaders: Good")
    assert area_notes(_frame(post=False)) == []


def test_svg_map_legend_colour_and_screen_reader_text():
    markup = svg_map(_frame(), _geojson(), "judgement", D(2026, 8, 31), None, "England")
    assert f"{NO_OVERALL_GRADE} (1)</li>" in markup
    assert f'style="background:{theme.NO_OVERALL_GRADE_COLOUR}"' in markup
    trafford = re.search(
        r'<a [^>]*data-la="E08000009" aria-label="([^"]*)"><path [^>]*fill="([^"]*)"', markup
    )
    assert trafford is not None
    label, fill = trafford.groups()
    # Hatched: the pattern is inadequate's colour with white stripes, and has its legend entry.
    assert fill == "url(#oversight-derived-hatch)"
    pattern = re.search(r'<pattern id="oversight-derived-hatch".*?</pattern>', markup)
    assert pattern is not None
    assert f'fill="{theme.JUDGEMENT_COLOURS[vocab.INADEQUATE]}"' in pattern.group(0)
    assert f'fill="{theme.HATCH_LINE}"' in pattern.group(0)
    assert f'background:{theme.hatch_css()}"></span>{theme.DERIVED_KEY} (1)</li>' in markup
    assert "Inadequate (0)</li>" in markup
    assert f"Latest judgement: {DERIVED} (published 3 August 2026)" in label
    assert "Area judgements: Impact of leaders: Inadequate; Help and protection: Inadequate" in label
    liverpool = re.search(r'data-la="E08000012" aria-label="([^"]*)"><path [^>]*fill="([^"]*)"', markup)
    assert liverpool is not None and liverpool.group(2) == theme.NO_OVERALL_GRADE_COLOUR
    assert (
        "No overall grade, 2026 framework; 4 areas: 3 good, 1 requires improvement (published 7 July 2026). "
        "Area judgements:" in liverpool.group(1)
    )
    before = svg_map(_frame(post=False), _geojson(), "judgement", D(2024, 6, 30), None, "England")
    assert NO_OVERALL_GRADE not in before and "Area judgements" not in before
    assert theme.DERIVED_KEY not in before and "url(#" not in before


@pytest.mark.parametrize("drawer", ["geo", "tiles"])
def test_plotly_maps_have_the_legend_entry(drawer):
    frame = _frame()
    if drawer == "geo":
        fig = geo_figure(frame, _geojson(), "judgement", D(2026, 8, 31), None, "England")
    else:
        fig = tile_figure(frame, "judgement", D(2026, 8, 31), None, "England")
    named = {t.name: t for t in fig.data if t.showlegend}
    entry = named[f"{NO_OVERALL_GRADE} (1)"]
    colour = entry.colorscale[0][1] if drawer == "geo" else entry.marker.color
    assert colour == theme.NO_OVERALL_GRADE_COLOUR
    # The derived inadequate: its own legend entry, a square crossed by white lines.
    derived = named[f"{theme.DERIVED_KEY} (1)"]
    assert derived.marker.symbol == "square-x" and derived.marker.line.color == theme.HATCH_LINE
    assert derived.marker.color == theme.JUDGEMENT_COLOURS[vocab.INADEQUATE]
    assert "Inadequate (0)" in named
    group = [t for t in fig.data if t.legendgroup == theme.DERIVED_KEY]
    hovered = [t for t in group if t.customdata is not None]
    assert "derived from area judgements" in hovered[0].customdata[0][1]
    if drawer == "geo":  # white lines clipped to the shape: hatching, no hover of their own
        (hatch,) = [t for t in group if t.type == "scattergeo" and t.mode == "lines"]
        assert hatch.line.color == theme.HATCH_LINE and hatch.hoverinfo == "skip"
        lons = [x for x in hatch.lon if x is not None]
        assert len(lons) > 10 and min(lons) >= -2 - 1e-9 and max(lons) <= -1.9 + 1e-9  # Trafford's square


def test_deck_tooltip_has_the_words_and_areas_as_plain_text():
    chart = deck(_frame(), _geojson(), "judgement", None, (-1.6, 54.5, 8))
    props = {
        f["properties"]["code"]: f["properties"]
        for f in json.loads(chart.to_json())["layers"][0]["data"]["features"]
    }
    lines = props["E08000009"]["details"].splitlines()
    assert lines[1] == f"Latest judgement: {DERIVED} (published 3 August 2026)"
    assert lines[2].startswith("Area judgements: Impact of leaders: Inadequate")
    assert props["E08000012"]["fill"][:3] == [0x20, 0x73, 0xBC]  # no overall grade's mid blue
    assert props["E08000009"]["width"] > props["E08000012"]["width"]  # derived: a heavy outline
    assert props["E08000009"]["line"][:3] == [0x0B, 0x0C, 0x0C]


# the timeline


def _story() -> AuthorityStory:
    src = Source("Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool", None, None)
    authority = Authority(9, "E08000012", "341", "Liverpool", "E12000002", "MD", None, None, "North West")

    def inspection(published, grade, inspected, derived=False, areas=None):
        return Fact(
            "inspection",
            published,
            "ilacs_standard",
            "ILACS standard inspection",
            "day",
            src,
            inspection_date=inspected,
            publication_date=published,
            publication_estimated=False,
            overall_effectiveness=grade,
            overall_derived=derived,
            judgements=areas or {},
        )

    facts = (
        inspection(D(2023, 5, 25), vocab.INADEQUATE, D(2023, 3, 6)),
        inspection(D(2026, 7, 7), None, D(2026, 5, 11), areas=LIVERPOOL_AREAS),
        inspection(D(2026, 8, 20), vocab.INADEQUATE, D(2026, 6, 8), derived=True, areas=TRAFFORD_AREAS),
    )
    return AuthorityStory(authority, facts)


def test_timeline_draws_no_overall_grade_and_words_derived():
    fig = timeline_figure(_story(), D(2026, 8, 31))
    traces = {t.name: t for t in fig.data}
    assert NO_OVERALL_GRADE in traces and theme.NOT_INSPECTED not in traces
    assert traces[NO_OVERALL_GRADE].marker.color == theme.NO_OVERALL_GRADE_COLOUR
    # The derived inadequate: its own entry, a diamond crossed by white lines; graded ones plain.
    derived = traces[theme.DERIVED_KEY]
    assert derived.marker.symbol == "diamond-x" and derived.marker.line.color == "white"
    assert traces[vocab.INADEQUATE].marker.symbol == "diamond"
    hover = " ".join(derived.hovertext)
    assert (
        DERIVED in hover and "· Impact of leaders: Inadequate<br>· Help and protection: Inadequate" in hover
    )
    assert "4 areas: 3 good, 1 requires improvement" in " ".join(traces[NO_OVERALL_GRADE].hovertext)
    # The legend runs in rows and the source line sits above the lanes: they cannot overlap.
    assert fig.layout.legend.traceorder == "normal"
    (source,) = [a for a in fig.layout.annotations if a.text.startswith("Sources:")]
    assert source.y == 1 and source.yanchor == "bottom"


# freshness words


def test_months_before_clamps_to_the_month_end():
    assert months_before(D(2026, 8, 31), 6) == D(2026, 2, 28)
    assert months_before(D(2028, 8, 31), 6) == D(2028, 2, 29)
    assert months_before(D(2027, 2, 20), 6) == D(2026, 8, 20)
    assert months_before(D(2026, 3, 15), 6) == D(2025, 9, 15)


def test_stale_is_more_than_six_months_before_today():
    newest = D(2026, 8, 20)
    assert not is_stale(newest, D(2027, 2, 20))  # exactly six months: not stale yet
    assert is_stale(newest, D(2027, 2, 21))
    assert not is_stale(newest, newest)
    assert is_stale(None, newest)


SCRAPE = Publication(
    D(2026, 8, 20),
    "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool",
    "Ofsted (compiled by the Data to Insight ILACS scrape tool)",
    "https://files.ofsted.gov.uk/v1/file/50309857",
    "community_scrape",
)
RELEASE = Publication(D(2024, 5, 16), "Local Authority Inspection Outcomes", "Ofsted", None, "ofsted_release")


def test_freshness_line_names_the_date_and_the_source():
    assert freshness_line(SCRAPE) == (
        "Newest publication in the data: 20 August 2026 "
        "(Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool)"
    )
    assert source_words(RELEASE) == "Local Authority Inspection Outcomes, Ofsted"
    assert freshness_line(RELEASE, escape=str.upper).endswith("(LOCAL AUTHORITY INSPECTION OUTCOMES, OFSTED)")
    assert "none yet" in freshness_line(None)


def test_stale_notice_says_who_refreshes_and_tells_an_admin_how():
    assert stale_notice(SCRAPE, D(2026, 12, 1)) == ""
    notice = stale_notice(RELEASE, D(2026, 12, 1))
    assert notice.startswith(STALE_START)
    assert "16 May 2024" in notice and "1 December 2026" in notice
    assert notice.endswith("Whoever runs this service can bring it up to date.")
    assert "`oversight refresh`" in stale_notice(RELEASE, D(2026, 12, 1), command=True)
    assert "“oversight refresh”" in stale_notice(RELEASE, D(2026, 12, 1), code=False, command=True)
