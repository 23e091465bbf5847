"""The NAO-style map as plotly figures: geographic (boundaries) and equal-area tiles.

Pure functions from a frame of authorities (level, judgement, dates) to a figure, so they
can be tested, exported through kaleido and drawn by Streamlit alike. Colours follow the
GOV.UK Analysis Function palette with at least 3:1 contrast between neighbouring legend
entries; colour is never alone: the legend carries counts, hover carries words and dates,
tiles carry labels, and a table stands beside every map.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from oversight.components.figures import theme as p
from oversight.components.figures.theme import long_date
from oversight.data.domain import vocab
from oversight.data.resources import reference_file

TOPOJSON_URL = "/app/static/topojson/"
LONDON = "E12000007"  # drawn again in an inset at England scale
TILES_CSV = reference_file("tiles.csv")
FADED_OPACITY = 0.25
NOT_INSPECTED = "Not yet inspected"

#: Legend order (most severe first) and colours; neighbours alternate dark and light.
LEVEL_COLOURS: dict[str, str] = {
    vocab.ALTERNATIVE_DELIVERY: p.DARK_PINK,
    vocab.DIRECTION_COMMISSIONER: p.ORANGE,
    vocab.DIRECTION: p.DARK_BLUE,
    vocab.IMPROVEMENT_NOTICE: p.TURQUOISE,
    vocab.INADEQUATE_NO_INTERVENTION: p.DARK_GREY,
    vocab.NO_INTERVENTION: p.LIGHT_GREY,
}
JUDGEMENT_COLOURS: dict[str, str] = {
    vocab.OUTSTANDING: p.TURQUOISE,
    vocab.GOOD: p.DARK_BLUE,
    vocab.RI: p.ORANGE,
    vocab.INADEQUATE: p.DARK_PINK,
    NOT_INSPECTED: p.LIGHT_GREY,
}
DARK_FILLS = {p.DARK_PINK, p.DARK_BLUE, p.DARK_GREY}


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    colour: str


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
        return [
            Category(k, SHORT_JUDGEMENTS.get(k, k) if short else k, c) for k, c in JUDGEMENT_COLOURS.items()
        ]
    return [Category(k, (SHORT_LEVELS if short else vocab.LEVELS)[k], c) for k, c in LEVEL_COLOURS.items()]


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
    out["hover"] = [
        f"<b>{name}</b><br>{label} {since_text}<br>Latest judgement: {jt}"
        + (f"<br><i>{iv}</i>" if isinstance(iv, str) and iv else "")
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


def _layout(fig: go.Figure, title: str, source: str, height: int) -> None:
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 0.995,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 18, "color": p.TEXT},
        },
        height=height,
        margin={"l": 0, "r": 0, "t": 120, "b": 40},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={
            "title": {"text": ""},
            "orientation": "h",
            "x": 0.0,
            "y": 1.01,
            "xanchor": "left",
            "yanchor": "bottom",
            "font": {"size": 13},
            "itemclick": False,
            "itemdoubleclick": False,
        },
        hoverlabel={"bgcolor": "white", "font": {"color": p.TEXT}},
    )
    fig.add_annotation(
        **{
            "text": source,
            "xref": "paper",
            "yref": "paper",
            "x": 0,
            "y": -0.02,
            "yanchor": "top",
            "showarrow": False,
            "font": {"size": 11, "color": p.DARK_GREY},
        }
    )


def geo_figure(
    frame: pd.DataFrame,
    geojson: dict[str, Any],
    colour_by: str,
    as_at: dt.date,
    region: str | None,
    region_name: str,
    height: int = 720,
) -> go.Figure:
    """England on its boundaries for the date, one choropleth trace per legend entry.

    ``frame`` must have ``feature`` (the boundary code to draw) and the ``describe`` words.
    Authorities outside the selected region fade; a London inset keeps London legible.
    """
    fig = go.Figure()
    key = key_column(colour_by)
    in_region = frame["region_code"].eq(region) if region else pd.Series(True, index=frame.index)
    london = frame["region_code"].eq(LONDON)
    show_inset = region in (None, "") and london.any()
    features = {f["properties"]["code"]: f for f in geojson["features"]}
    shown = frame[in_region]
    outside = frame[~in_region]
    if len(outside):
        # Authorities outside the chosen region fade to white: the region stands out.
        fig.add_trace(
            _choropleth(outside, features, "#FFFFFF", "Outside the region", False, "geo", "#BFBFBF")
        )
    for cat, count in legend_counts(shown, colour_by, short=True):
        rows = shown[shown[key] == cat.key]
        label = f"{cat.label} ({count})"
        fig.add_trace(_choropleth(rows, features, cat.colour, label, True, "geo", legendgroup=cat.key))
        if show_inset:
            lrows = rows[london[rows.index]]
            if len(lrows):
                fig.add_trace(
                    _choropleth(lrows, features, cat.colour, label, False, "geo2", legendgroup=cat.key)
                )
    geo_common = {
        "visible": False,
        "showframe": False,
        "bgcolor": "rgba(0,0,0,0)",
        "projection": {"type": "mercator"},
        "showland": False,
        "showcountries": False,
        "showcoastlines": False,
        "showlakes": False,
        "showocean": False,
        "showrivers": False,
        "showsubunits": False,
        "resolution": 110,
        "scope": "europe",
    }
    if region:
        codes = set(frame.loc[in_region, "feature"])
        box = _bbox(geojson, codes)
        fig.update_layout(geo={**geo_common, **_range(box)})
    else:
        fig.update_layout(geo={**geo_common, "fitbounds": "locations"})
    if show_inset:
        fig.update_layout(
            geo={**fig.layout.geo.to_plotly_json(), "domain": {"x": [0.0, 0.76], "y": [0.0, 1.0]}},
            geo2={
                **geo_common,
                "fitbounds": "locations",
                "domain": {"x": [0.72, 1.0], "y": [0.02, 0.38]},
            },
        )
        fig.add_annotation(
            text="London",
            xref="paper",
            yref="paper",
            x=0.86,
            y=0.39,
            showarrow=False,
            font={"size": 13, "color": p.TEXT},
        )
    _layout(fig, title_text(as_at, colour_by, region_name), SOURCE_LINE, height)
    return fig


def _choropleth(
    rows: pd.DataFrame,
    features: dict[str, dict],
    colour: str,
    name: str,
    showlegend: bool,
    geo: str,
    line: str = "white",
    legendgroup: str | None = None,
) -> go.Choropleth:
    """One colour's authorities; the trace carries only its own shapes, so the figure
    holds each boundary once."""
    own = {"type": "FeatureCollection", "features": [features[c] for c in rows["feature"] if c in features]}
    return go.Choropleth(
        geojson=own,
        featureidkey="properties.code",
        locations=rows["feature"],
        z=[1] * len(rows),
        colorscale=[[0, colour], [1, colour]],
        showscale=False,
        marker={"line": {"color": line, "width": 0.6}},
        customdata=rows[["code", "hover"]].values,
        hovertemplate="%{customdata[1]}<extra></extra>",
        name=name,
        showlegend=showlegend,
        legendgroup=legendgroup,
        geo=geo,
        # A click selects an authority (it opens its facts): the map itself is not dimmed.
        selected={"marker": {"opacity": 1}},
        unselected={"marker": {"opacity": 1}},
    )


def _bbox(geojson: dict[str, Any], codes: set[str]) -> tuple[float, float, float, float]:
    boxes = [f["properties"]["bbox"] for f in geojson["features"] if f["properties"]["code"] in codes]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _range(box: tuple[float, float, float, float]) -> dict[str, Any]:
    pad_x = (box[2] - box[0]) * 0.06 + 0.02
    pad_y = (box[3] - box[1]) * 0.06 + 0.02
    return {
        "lonaxis": {"range": [box[0] - pad_x, box[2] + pad_x]},
        "lataxis": {"range": [box[1] - pad_y, box[3] + pad_y]},
    }


# Tiles ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def tile_layout() -> dict[str, tuple[int, int, str]]:
    """code -> (column, row, label): the project's equal-area layout, one tile each."""
    with TILES_CSV.open(newline="", encoding="utf-8") as fh:
        return {r["code"]: (int(r["col"]), int(r["row"]), r["label"]) for r in csv.DictReader(fh)}


def tile_figure(
    frame: pd.DataFrame,
    colour_by: str,
    as_at: dt.date,
    region: str | None,
    region_name: str,
    height: int = 720,
) -> go.Figure:
    """One same-size square per authority, arranged to resemble England; London readable."""
    layout = tile_layout()
    key = key_column(colour_by)
    in_region = frame["region_code"].eq(region) if region else pd.Series(True, index=frame.index)
    fig = go.Figure()
    shown, outside = frame[in_region], frame[~in_region]

    def tiles(
        rows: pd.DataFrame, fill: str, text: str, line: str, name: str, legend: bool, group: str
    ) -> go.Scatter:
        pos = [layout.get(c, (0, 0, c[:3])) for c in rows["code"]]
        return go.Scatter(
            x=[q[0] for q in pos],
            y=[q[1] for q in pos],
            mode="markers+text",
            text=[q[2] for q in pos],
            textfont={"size": 10, "color": text},
            marker={"symbol": "square", "size": 30, "color": fill, "line": {"color": line, "width": 1}},
            customdata=rows[["code", "hover"]].values,
            hovertemplate="%{customdata[1]}<extra></extra>",
            name=name,
            showlegend=legend,
            legendgroup=group,
            # A click selects an authority (it opens its facts): the map itself is not dimmed.
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 1}},
        )

    if len(outside):
        # Outside the chosen region: white tiles, grey labels, so the region stands out.
        fig.add_trace(tiles(outside, "#FFFFFF", "#8C8C8C", "#D9D9D9", "Outside the region", False, "outside"))
    for cat, count in legend_counts(shown, colour_by, short=True):
        rows = shown[shown[key] == cat.key]
        text = "white" if cat.colour in DARK_FILLS else p.TEXT
        fig.add_trace(tiles(rows, cat.colour, text, "white", f"{cat.label} ({count})", True, cat.key))
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1, range=[-1.5, 19.5], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1, 19], fixedrange=True)
    _layout(
        fig,
        title_text(as_at, colour_by, region_name),
        SOURCE_LINE.replace("ONS boundaries", "equal-area tiles (one per authority)"),
        height,
    )
    return fig
