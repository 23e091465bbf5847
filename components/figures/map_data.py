"""One pipeline from the store to every map: the authorities on a date, in words, on a vintage's shapes.

The page, the PNG/SVG export, the presentation and the board pack all call ``map_data`` and then a
drawer (``map_plotly.map_figure``, ``map_svg.svg_map``, ``map_deck.deck``), so a slide and the
screen can never disagree. ``map_data`` reads through a ``MapSource`` (the app's cache, or the
queries with an engine for a report), so this module stays free of SQL and of Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from oversight.components.figures.judgements import (
    NO_OVERALL_GRADE,
    areas_summary,
    areas_text,
    flag,
    judgement_key,
    judgement_words,
    legend_key,
    ordered_areas,
)
from oversight.components.figures.safe_text import html
from oversight.components.figures.theme import (
    DERIVED_INADEQUATE,
    DERIVED_KEY,
    NOT_INSPECTED,
    SHORT_JUDGEMENTS,
    SHORT_LEVELS,
    Category,
    categories,
    long_date,
)
from oversight.data.domain import vocab
from oversight.data.sources.boundaries import vintage_for

LONDON = "E12000007"  # drawn again in an inset at England scale


class MapSource(Protocol):
    """Where a map's inputs come from: the app's cached store, or queries on an engine."""

    def levels(self, as_at: dt.date) -> pd.DataFrame:
        """Every authority existing on the date: level, since, latest judgement (all England)."""
        ...

    def code_owners(self) -> dict[str, int]:
        """ONS code -> authority id, for every code any authority has had."""
        ...

    def boundaries(self, vintage: str) -> dict[str, Any] | None:
        """The simplified boundaries of a vintage, or None when no boundary file is available."""
        ...


@dataclass(frozen=True)
class MapData:
    """The authorities on a date with their words and the shapes to draw them with.

    ``frame`` has one row per authority existing on ``as_at`` (level, since, judgement, the
    ``describe`` words and ``feature``: the boundary code it is drawn with); ``geojson`` is the
    vintage's boundaries, or None (then every map falls back to the equal-area tiles).
    """

    as_at: dt.date
    vintage: str
    geojson: dict[str, Any] | None
    frame: pd.DataFrame

    def in_region(self, region: str | None) -> pd.DataFrame:
        return self.frame if not region else self.frame[self.frame["region_code"] == region]


def map_data(source: MapSource, as_at: dt.date) -> MapData:
    """Levels and judgements on the date, described, joined to the date's boundary vintage."""
    vintage = vintage_for(as_at)
    geojson = source.boundaries(vintage)
    codes = {f["properties"]["code"] for f in geojson["features"]} if geojson else None
    owners = source.code_owners() if codes is not None else {}
    frame = with_features(describe(source.levels(as_at)), codes, owners)
    return MapData(as_at=as_at, vintage=vintage, geojson=geojson, frame=frame)


def _date_text(day: Any, precision: str = "day") -> str:
    if day is None or (isinstance(day, float) and pd.isna(day)) or day is pd.NaT:
        return ""
    if isinstance(day, pd.Timestamp):
        day = day.date()
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{day:%B %Y}"
    return long_date(day)


def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the words every view shows: level since when, judgement and its date."""
    out = frame.copy()
    since = []
    for day, precision, level in zip(out["since"], out["since_precision"], out["level"], strict=True):
        if level == vocab.NO_INTERVENTION or day is None:
            since.append("")
        elif precision == "spell":
            since.append(f"since the inadequate judgement of {_date_text(day)} (start not recorded)")
        else:
            since.append(f"since {_date_text(day, precision)}")
    out["since_text"] = since
    # The April 2026 framework (DOMAIN §2): absent columns (a frame built by hand) mean pre-reform.
    blank = pd.Series([None] * len(out), index=out.index, dtype=object)
    inspected = out["published"].notna()
    post = out.get("post_reform", blank)
    derived = out.get("overall_derived", blank)
    areas = out.get("areas", blank)
    out["judgement_key"] = [
        judgement_key(j, pr, ins) for j, pr, ins in zip(out["judgement"], post, inspected, strict=True)
    ]
    out["judgement_words"] = [
        judgement_words(j, dv, pr, ins)
        for j, dv, pr, ins in zip(out["judgement"], derived, post, inspected, strict=True)
    ]
    # What a map colours by: a derived inadequate has its own hatched legend entry.
    out["judgement_legend"] = [
        legend_key(j, dv, pr, ins)
        for j, dv, pr, ins in zip(out["judgement"], derived, post, inspected, strict=True)
    ]
    # "No overall grade" is one legend entry for very different councils: its words count the
    # area judgements ("4 areas: 3 good, 1 requires improvement") wherever they appear.
    summary = [
        areas_summary(a) if key == NO_OVERALL_GRADE else ""
        for a, key in zip(areas, out["judgement_key"], strict=True)
    ]
    out["judgement_summary"] = [
        f"{words}; {sm}" if sm else words for words, sm in zip(out["judgement_words"], summary, strict=True)
    ]
    corrected = out.get("date_corrected", blank)
    out["judgement_text"] = [
        _judgement_text(words, d, est, flag(cor), sm)
        for words, d, est, cor, sm in zip(
            out["judgement_words"],
            out["published"],
            out["publication_estimated"].eq(True),
            corrected,
            summary,
            strict=True,
        )
    ]
    # A post-reform inspection's four area judgements go wherever it appears (hover, table, words).
    out["areas_text"] = [
        areas_text(a) if ins and flag(pr) else "" for a, ins, pr in zip(areas, inspected, post, strict=True)
    ]
    # Plotly reads HTML in hover text: every value is escaped, only the <b>, <br> and <i> are ours.
    out["hover"] = [
        f"<b>{html(name)}</b><br>{html(label)} {html(since_text)}<br>Latest judgement: {_hover_words(jt)}"
        + _hover_areas(a if at else None)
        + (f"<br><i>{html(iv)}</i>" if isinstance(iv, str) and iv else "")
        for name, label, since_text, jt, iv, a, at in zip(
            out["name"],
            out["level_label"],
            out["since_text"],
            out["judgement_text"],
            out["intervention"],
            areas,
            out["areas_text"],
            strict=True,
        )
    ]
    return out


def _judgement_text(
    words: str, published: Any, estimated: bool, corrected: bool = False, summary: str = ""
) -> str:
    """The latest judgement and its date in words: "Good (published 2 December 2022)"; a date an
    erratum corrected says so ("…, date corrected": the authority page says from what and why); no
    overall grade with its areas counted ("No overall grade, 2026 framework; 4 areas: 3 good, 1
    requires improvement (published …)"). "estimated" here is only ever about the date."""
    if words == NOT_INSPECTED:
        return NOT_INSPECTED
    if words == NO_OVERALL_GRADE:
        words = "No overall grade, 2026 framework"  # DOMAIN §2's words, without nested brackets
        words += f"; {summary}" if summary else ""
    note = ", date estimated" if estimated else ", date corrected" if corrected else ""
    return f"{words} (published {_date_text(published)}{note})"


def _hover_words(text: str) -> str:
    """The judgement's words for plotly hover (escaped); a derived inadequate's on two lines, so
    that the hover box stays narrower than the map."""
    if text.startswith(DERIVED_INADEQUATE):
        head, _, tail = DERIVED_INADEQUATE.partition("; ")
        return f"{html(head)};<br>{html(tail + text[len(DERIVED_INADEQUATE) :])}"
    head, sep, tail = text.partition("; ")
    if sep and text.startswith("No overall grade"):  # its areas counted on the next line
        return f"{html(head)};<br>{html(tail)}"
    return html(text)


def _hover_areas(areas: Any) -> str:
    """A post-reform inspection's area judgements, one a line, for plotly hover (escaped)."""
    if not isinstance(areas, dict) or not areas:
        return ""
    return "<br>Area judgements:" + "".join(
        f"<br>· {html(words)}: {html(SHORT_JUDGEMENTS.get(g, g))}" for words, g in ordered_areas(areas)
    )


def with_features(
    frame: pd.DataFrame, vintage_codes: set[str] | None, owners: dict[str, int]
) -> pd.DataFrame:
    """Add ``feature``: the boundary code each authority is drawn with in a vintage (an authority
    recoded since keeps its shape under the old code; no vintage: its own code, for tiles)."""
    frame = frame.copy()
    if vintage_codes is not None:
        feature_of = {owners[c]: c for c in vintage_codes if c in owners}
        frame["feature"] = frame["authority_id"].map(feature_of)
    else:
        frame["feature"] = frame["code"]
    return frame


def by_severity(frame: pd.DataFrame) -> pd.DataFrame:
    """Authorities most severe intervention level first (the legend's order), then by name:
    the order of every table beside a map."""
    order = {k: i for i, k in enumerate(vocab.LEVELS)}
    return (
        frame.assign(_order=frame["level"].map(order)).sort_values(["_order", "name"]).drop(columns="_order")
    )


def key_column(colour_by: str) -> str:
    """The column a map colours by: the judgement's legend entry (a derived inadequate its own,
    hatched) or the intervention level."""
    return "judgement_legend" if colour_by == "judgement" else "level"


def legend_counts(frame: pd.DataFrame, colour_by: str, short: bool = False) -> list[tuple[Category, int]]:
    """Legend entries with their counts. "No overall grade (2026 framework)" and "Inadequate,
    derived from area judgements" are listed only when some authority has them: maps before April
    2026 keep the legend they always had. "Inadequate" counts the graded ones only, so the entries
    add up to the authorities shown."""
    col = key_column(colour_by)
    counts = frame[col].value_counts()
    only_when_present = {NO_OVERALL_GRADE, DERIVED_KEY}
    return [
        (cat, int(counts.get(cat.key, 0)))
        for cat in categories(colour_by, short)
        if cat.key not in only_when_present or counts.get(cat.key, 0)
    ]


def derived_count(frame: pd.DataFrame) -> int:
    """How many latest judgements are inadequate derived from area judgements (DOMAIN §2)."""
    if "judgement_words" not in frame:
        return 0
    return int(frame["judgement_words"].eq(DERIVED_INADEQUATE).sum())


def derived_note(frame: pd.DataFrame) -> str:
    """A sentence on the derived inadequates among ``frame`` (empty when there are none)."""
    n = derived_count(frame)
    if not n:
        return ""
    return (
        f"{n} inadequate {'is' if n == 1 else 'are'} derived from area judgements, hatched on the map and "
        "counted apart in the legend (the 2026 framework gives no overall grade; a practice area judged "
        "inadequate counts as inadequate)."
    )


def title_text(as_at: dt.date, colour_by: str, region_name: str) -> str:
    what = "Latest Ofsted judgement" if colour_by == "judgement" else "Intervention level"
    return f"{what}, {region_name}, as at {long_date(as_at)}"


SOURCE_LINE = (
    "Sources: Ofsted releases and inspection reports (Data to Insight ILACS scrape); DfE notices and directions "
    "as tracked (see Data & sources); ONS boundaries. OGL v3.0."
)


def screen_table(frame: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """The table beside the map on screen: sortable dates, full level words, ONS codes. What
    matters first (issue 22): level, since and judgement beside the name, on screen without a
    sideways scroll at 1,280 px; region and code after them."""
    rows = by_severity(frame if not region else frame[frame["region_code"] == region])
    table = pd.DataFrame(
        {
            "Authority": rows["name"],
            # Short words (the legend beside the map gives them in full): the columns that
            # matter then fit 1,280 px without a sideways scroll.
            "Intervention level": rows["level"].map(lambda lv: SHORT_LEVELS.get(lv, lv)),
            "Since": rows["since"],
            "Latest judgement": rows[_words_column(rows)],
            "Published": rows["published"],
            "Region": rows["region"],
            "ONS code": rows["code"],
        }
    )
    if _has_areas(rows):  # only once a post-reform inspection is among them
        table[AREAS_COLUMN] = rows["areas_text"]
    return table


#: The column (and notes) holding a post-reform inspection's four area judgements.
AREAS_COLUMN = "Area judgements (2026 framework)"


def _words_column(rows: pd.DataFrame) -> str:
    """The judgement's words in a table: no overall grade with its areas counted."""
    for column in ("judgement_summary", "judgement_words"):
        if column in rows:
            return column
    return "judgement_key"


def _has_areas(rows: pd.DataFrame) -> bool:
    return "areas_text" in rows and bool(rows["areas_text"].fillna("").astype(bool).any())


def area_notes(frame: pd.DataFrame) -> list[str]:
    """One line per authority whose latest inspection is post-reform, in the table's order:
    "Liverpool (no overall grade, 2026 framework): Impact of leaders: Good; …"."""
    if not _has_areas(frame):
        return []
    rows = by_severity(frame)
    notes = (
        area_note(name, words, text)
        for name, words, text in zip(rows["name"], rows[_words_column(rows)], rows["areas_text"], strict=True)
    )
    return [note for note in notes if note]


def area_note(name: str, words: str, areas: Any) -> str:
    """One authority's note: "Trafford (inadequate, derived): Impact of leaders: Inadequate; …"
    (empty when its latest inspection has no 2026-framework area judgements)."""
    if not isinstance(areas, str) or not areas:
        return ""
    what = "inadequate, derived" if words == DERIVED_INADEQUATE else "no overall grade"
    return f"{name} ({what}): {areas}"


def written_date(value: object) -> str:
    """A date cell as slide text (blank when missing): "21 May 2018"."""
    if value is None or not isinstance(value, dt.date) or pd.isna(value):
        return ""
    return long_date(value.date() if isinstance(value, dt.datetime) else value)


def slide_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The same authorities as slide text (board pack, presentation): short words, written dates."""
    rows = by_severity(frame)
    return pd.DataFrame(
        {
            "Authority": rows["name"],
            "Intervention level": rows["level"].map(lambda lv: SHORT_LEVELS.get(lv, lv)),
            "Since": [written_date(d) for d in rows["since"]],
            "Latest judgement": rows[_words_column(rows)].map(lambda j: SHORT_JUDGEMENTS.get(j, j)),
            "Published": [
                written_date(d) + (" (corrected)" if flag(c) else "")
                for d, c in zip(
                    rows["published"], rows.get("date_corrected", [None] * len(rows)), strict=True
                )
            ],
        }
    ).reset_index(drop=True)
