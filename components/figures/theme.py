"""The one theme: GOV.UK Analysis Function colours, every legend's colours and words, dates.

Colours are from the Analysis Function's accessible categorical palette, with at least 3:1
contrast between neighbouring legend entries; every figure (plotly, SVG, deck, slides) takes
them from here so that every picture in the app speaks the same visual language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from oversight.data.domain import dates, framework, vocab

DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
#: From the Analysis Function's sequential (blue) palette: the one colour no other legend entry uses.
MID_BLUE = "#2073BC"
TEXT = "#0B0C0C"
LIGHT_GREY = "#F3F2F1"

CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)
#: Chart text: the grey the app's charts have always shown (plotly.js's own default, which Streamlit's
#: chart template leaves alone). Without a template of their own, figures drawn outside Streamlit
#: (the command line's board pack) took plotly.py's default template and its navy text instead.
CHART_TEXT = "#444444"
CHART_FONT = '"Open Sans", verdana, arial, sans-serif'
#: The one plotly template every figure names explicitly (``layout.template``), so a figure looks
#: the same whichever default the process has: "plotly" on the command line, "streamlit" once
#: Streamlit is imported. A plain dict: this module is read by pages that draw no plotly figure.
PLOTLY_TEMPLATE: dict = {
    "layout": {
        "font": {"color": CHART_TEXT, "family": CHART_FONT},
        "colorway": list(CATEGORICAL),
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
    }
}
WHITE = "#FFFFFF"
#: Outside the chosen region: white shapes with light lines and grey labels, so the region stands out.
OUTSIDE_LINE = "#BFBFBF"
OUTSIDE_TILE_LINE = "#D9D9D9"
OUTSIDE_TEXT = "#8C8C8C"
NOT_INSPECTED = "Not yet inspected"

#: Legend order (most severe first) and colours; neighbours alternate dark and light.
LEVEL_COLOURS: dict[str, str] = {
    vocab.ALTERNATIVE_DELIVERY: DARK_PINK,
    vocab.DIRECTION_COMMISSIONER: ORANGE,
    vocab.DIRECTION: DARK_BLUE,
    vocab.IMPROVEMENT_NOTICE: TURQUOISE,
    vocab.INADEQUATE_NO_INTERVENTION: DARK_GREY,
    vocab.NO_INTERVENTION: LIGHT_GREY,
}
#: A 2026-framework inspection that is not inadequate has no overall grade (DOMAIN §2): its own
#: colour and legend entry, last, a colour no other legend (not even the levels' dark grey for
#: "inadequate, none recorded") uses. Mid blue from the Analysis Function's sequential palette:
#: 4.4:1 against its neighbour "not yet inspected" (light grey) and 4.9:1 against white borders and
#: labels. Light purple reaches only 2.8:1 against light grey and ~1:1 against turquoise and orange;
#: light blue 2.2:1 against light grey; so neither fits any order of the entries.
NO_OVERALL_GRADE_COLOUR = MID_BLUE
JUDGEMENT_COLOURS: dict[str, str] = {
    vocab.OUTSTANDING: TURQUOISE,
    vocab.GOOD: DARK_BLUE,
    vocab.RI: ORANGE,
    vocab.INADEQUATE: DARK_PINK,
    NOT_INSPECTED: LIGHT_GREY,
    framework.NO_OVERALL_GRADE: NO_OVERALL_GRADE_COLOUR,
}
DARK_FILLS = {DARK_PINK, DARK_BLUE, DARK_GREY, MID_BLUE}
#: How a derived inadequate is always written (DOMAIN §2): coloured inadequate, worded as derived.
DERIVED_INADEQUATE = "Inadequate — derived from area judgements; no overall grade since April 2026"
#: Its legend entry: inadequate's colour hatched with white stripes (a pattern, not a seventh
#: colour), right after "Inadequate", shown only once a map or timeline has one.
DERIVED_KEY = "Inadequate, derived from area judgements"
DERIVED_COLOUR = DARK_PINK
HATCH_LINE = WHITE


def hatch_css(colour: str = DERIVED_COLOUR) -> str:
    """A CSS background drawing the derived hatching (a legend swatch, a table's mark)."""
    return f"repeating-linear-gradient(45deg,{colour} 0 3px,{HATCH_LINE} 3px 5px)"


#: The four area judgements of the April 2026 framework, in DOMAIN §2's order, in short words.
AREAS_2026: dict[str, str] = {
    "impact_of_leaders": "Impact of leaders",
    "help_protection": "Help and protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
}


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    colour: str
    #: Drawn with the derived hatching (white stripes over ``colour``).
    hatched: bool = False


SHORT_LEVELS = {
    vocab.ALTERNATIVE_DELIVERY: "Alternative delivery",
    vocab.DIRECTION_COMMISSIONER: "Direction + commissioner",
    vocab.DIRECTION: "Statutory direction",
    vocab.IMPROVEMENT_NOTICE: "Improvement notice",
    vocab.INADEQUATE_NO_INTERVENTION: "Inadequate, none recorded",
    vocab.NO_INTERVENTION: "No intervention",
}
SHORT_JUDGEMENTS = {vocab.RI: "Requires improvement"}


def categories(colour_by: str, short: bool = False) -> list[Category]:
    """Legend entries in order for a colouring ('intervention' or 'judgement')."""
    if colour_by == "judgement":
        out = []
        for k, c in JUDGEMENT_COLOURS.items():
            out.append(Category(k, SHORT_JUDGEMENTS.get(k, k) if short else k, c))
            if k == vocab.INADEQUATE:
                out.append(Category(DERIVED_KEY, DERIVED_KEY, DERIVED_COLOUR, hatched=True))
        return out
    return [Category(k, (SHORT_LEVELS if short else vocab.LEVELS)[k], c) for k, c in LEVEL_COLOURS.items()]


def long_date(day: dt.date | None) -> str:
    """Dates as people read them in reports: '21 May 2018' (DOMAIN §6)."""
    return "not known" if day is None else dates.long_date(day)


def month_year(day: dt.date | None) -> str:
    return "not known" if day is None else f"{day:%B %Y}"
