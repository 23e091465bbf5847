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

from oversight.components.figures.safe_text import html
from oversight.components.figures.theme import (
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
    out["judgement_text"] = [
        f"{j} (published {_date_text(d)}{', estimated' if est else ''})"
        if isinstance(j, str)
        else NOT_INSPECTED
        for j, d, est in zip(
            out["judgement"], out["published"], out["publication_estimated"].eq(True), strict=True
        )
    ]
    out["judgement_key"] = out["judgement"].where(out["judgement"].notna(), NOT_INSPECTED)
    # Plotly reads HTML in hover text: every value is escaped, only the <b>, <br> and <i> are ours.
    out["hover"] = [
        f"<b>{html(name)}</b><br>{html(label)} {html(since_text)}<br>Latest judgement: {html(jt)}"
        + (f"<br><i>{html(iv)}</i>" if isinstance(iv, str) and iv else "")
        for name, label, since_text, jt, iv in zip(
            out["name"],
            out["level_label"],
            out["since_text"],
            out["judgement_text"],
            out["intervention"],
            strict=True,
        )
    ]
    return out


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
    return "judgement_key" if colour_by == "judgement" else "level"


def legend_counts(frame: pd.DataFrame, colour_by: str, short: bool = False) -> list[tuple[Category, int]]:
    col = key_column(colour_by)
    counts = frame[col].value_counts()
    return [(cat, int(counts.get(cat.key, 0))) for cat in categories(colour_by, short)]


def title_text(as_at: dt.date, colour_by: str, region_name: str) -> str:
    what = "Latest Ofsted judgement" if colour_by == "judgement" else "Intervention level"
    return f"{what}, {region_name}, as at {long_date(as_at)}"


SOURCE_LINE = (
    "Sources: Ofsted children's social care releases; DfE notices and directions as tracked (see Data & sources); "
    "ONS boundaries. OGL v3.0."
)


def screen_table(frame: pd.DataFrame, region: str | None) -> pd.DataFrame:
    """The table beside the map on screen: sortable dates, full level words, ONS codes."""
    rows = by_severity(frame if not region else frame[frame["region_code"] == region])
    return pd.DataFrame(
        {
            "Authority": rows["name"],
            "ONS code": rows["code"],
            "Region": rows["region"],
            "Intervention level": rows["level_label"],
            "Since": rows["since"],
            "Latest judgement": rows["judgement_key"],
            "Published": rows["published"],
        }
    )


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
            "Latest judgement": rows["judgement_key"].map(lambda j: SHORT_JUDGEMENTS.get(j, j)),
            "Published": [written_date(d) for d in rows["published"]],
        }
    ).reset_index(drop=True)
