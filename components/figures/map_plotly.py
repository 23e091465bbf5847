"""The NAO-style map as plotly figures: geographic (boundaries) and equal-area tiles.

Pure functions from ``map_data.MapData`` to a figure, so they can be tested, exported through
kaleido and drawn by Streamlit alike. Colour is never alone: the legend carries counts, hover
carries words and dates, tiles carry labels, and a table stands beside every map.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from functools import lru_cache
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import shape

from oversight.components.figures import theme as p
from oversight.components.figures.map_data import (
    LONDON,
    SOURCE_LINE,
    MapData,
    key_column,
    legend_counts,
    title_text,
)
from oversight.data.resources import reference_file

TOPOJSON_URL = "/app/static/topojson/"
TILES_CSV = reference_file("tiles.csv")


def legend_frame(data: MapData, region: str | None, view: str = "geo") -> pd.DataFrame:
    """The authorities ``map_figure`` counts in its legend: the region's (all England's with no
    region) that the map draws (on boundaries: those with a shape on the date's vintage). A slide's
    counts beside the map come from here, so they never count other authorities than the legend."""
    frame = data.frame
    if view == "geo" and data.geojson is not None:
        frame = frame.dropna(subset=["feature"])
    return frame[frame["region_code"].eq(region)] if region else frame


def map_figure(
    data: MapData, colour_by: str, region: str | None, region_name: str, view: str = "geo", height: int = 720
) -> go.Figure:
    """The map for a view: on the vintage's boundaries when there are any (``view="geo"``), else tiles."""
    if view == "geo" and data.geojson is not None:
        return geo_figure(
            data.frame.dropna(subset=["feature"]),
            data.geojson,
            colour_by,
            data.as_at,
            region,
            region_name,
            height,
        )
    return tile_figure(data.frame, colour_by, data.as_at, region, region_name, height)


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


GEO_COMMON: dict[str, Any] = {
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
    fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
    in_region = frame["region_code"].eq(region) if region else pd.Series(True, index=frame.index)
    show_inset = region in (None, "") and frame["region_code"].eq(LONDON).any()
    _add_choropleths(fig, frame, in_region, geojson, colour_by, show_inset)
    if region:
        box = _bbox(geojson, set(frame.loc[in_region, "feature"]))
        fig.update_layout(geo={**GEO_COMMON, **_range(box)})
    else:
        fig.update_layout(geo={**GEO_COMMON, "fitbounds": "locations"})
    if show_inset:
        _london_inset(fig)
    _layout(fig, title_text(as_at, colour_by, region_name), SOURCE_LINE, height)
    return fig


def _add_choropleths(
    fig: go.Figure,
    frame: pd.DataFrame,
    in_region: pd.Series,
    geojson: dict[str, Any],
    colour_by: str,
    show_inset: bool,
) -> None:
    """The faded outside first, then one trace per legend entry (and again in the London inset)."""
    key = key_column(colour_by)
    london = frame["region_code"].eq(LONDON)
    features = {f["properties"]["code"]: f for f in geojson["features"]}
    shown = frame[in_region]
    outside = frame[~in_region]
    if len(outside):
        # Authorities outside the chosen region fade to white: the region stands out.
        fig.add_trace(
            _choropleth(outside, features, p.WHITE, "Outside the region", False, "geo", p.OUTSIDE_LINE)
        )
    spacing = _hatch_spacing(features, set(shown["feature"]))
    for cat, count in legend_counts(shown, colour_by, short=True):
        rows = shown[shown[key] == cat.key]
        label = f"{cat.label} ({count})"
        # A hatched entry's legend mark is its own (a plain choropleth swatch cannot be hatched).
        fig.add_trace(
            _choropleth(rows, features, cat.colour, label, not cat.hatched, "geo", legendgroup=cat.key)
        )
        if cat.hatched:
            fig.add_trace(_hatching(rows, features, spacing, "geo", cat.key))
            fig.add_trace(_hatch_legend(cat.colour, label, "geo", cat.key))
        if show_inset:
            lrows = rows[london[rows.index]]
            if len(lrows):
                fig.add_trace(
                    _choropleth(lrows, features, cat.colour, label, False, "geo2", legendgroup=cat.key)
                )
                if cat.hatched:
                    london_spacing = _hatch_spacing(features, set(frame.loc[london, "feature"]))
                    fig.add_trace(_hatching(lrows, features, london_spacing, "geo2", cat.key))


#: Hatch lines across the shown area: about this many from one side to the other (sparse enough that
#: the stripes stay thinner than the colour between them on a slide's small map).
HATCH_LINES = 70


def _hatch_spacing(features: dict[str, dict], codes: set[str]) -> float:
    """Degrees between hatch lines, so a map of England and one of a region look alike."""
    boxes = [features[c]["properties"]["bbox"] for c in codes if c in features]
    if not boxes:
        return 0.05
    span = max(
        max(b[2] for b in boxes) - min(b[0] for b in boxes),
        max(b[3] for b in boxes) - min(b[1] for b in boxes),
    )
    return max(span / HATCH_LINES, 0.002)


def _hatching(
    rows: pd.DataFrame, features: dict[str, dict], spacing: float, geo: str, group: str
) -> go.Scattergeo:
    """White diagonal lines clipped to the rows' shapes: the derived inadequate's hatching (no
    hover of its own: the shape beneath answers)."""
    lons: list[float | None] = []
    lats: list[float | None] = []
    for code in rows["feature"]:
        if code not in features:
            continue
        geom = shape(features[code]["geometry"])
        x0, y0, x1, y1 = geom.bounds
        n = int((x1 - x0 + y1 - y0) / spacing) + 2
        lines = shapely.MultiLineString(
            [[(x0 + i * spacing - (y1 - y0), y0), (x0 + i * spacing, y1)] for i in range(n)]
        )
        cut = geom.intersection(lines)
        for part in getattr(cut, "geoms", [cut]):
            if part.geom_type != "LineString" or part.is_empty:
                continue
            for lon, lat in part.coords:
                lons.append(lon)
                lats.append(lat)
            lons.append(None)
            lats.append(None)
    return go.Scattergeo(
        lon=lons,
        lat=lats,
        mode="lines",
        line={"color": p.HATCH_LINE, "width": 1.2},
        hoverinfo="skip",
        showlegend=False,
        legendgroup=group,
        geo=geo,
    )


def _hatch_legend(colour: str, label: str, geo: str, group: str) -> go.Scattergeo:
    """The hatched entry's legend mark: a square of its colour crossed by white lines."""
    return go.Scattergeo(
        lon=[None],
        lat=[None],
        mode="markers",
        marker=hatched_marker(colour, 16),
        name=label,
        showlegend=True,
        legendgroup=group,
        hoverinfo="skip",
        geo=geo,
    )


def hatched_marker(colour: str, size: int, symbol: str = "square-x") -> dict[str, Any]:
    """A plotly marker drawing the derived mark: ``colour`` crossed by white lines."""
    return {"symbol": symbol, "size": size, "color": colour, "line": {"color": p.HATCH_LINE, "width": 1.5}}


def _london_inset(fig: go.Figure) -> None:
    """England on the left three quarters; London again, larger, at the bottom right."""
    fig.update_layout(
        geo={**fig.layout.geo.to_plotly_json(), "domain": {"x": [0.0, 0.76], "y": [0.0, 1.0]}},
        geo2={
            **GEO_COMMON,
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
    fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
    shown, outside = frame[in_region], frame[~in_region]

    def tiles(
        rows: pd.DataFrame,
        fill: str,
        text: str,
        line: str,
        name: str,
        legend: bool,
        group: str,
        hatched: bool = False,
    ) -> go.Scatter:
        pos = [layout.get(c, (0, 0, c[:3])) for c in rows["code"]]
        marker = {"symbol": "square", "size": 30, "color": fill, "line": {"color": line, "width": 1}}
        return go.Scatter(
            x=[q[0] for q in pos],
            y=[q[1] for q in pos],
            mode="markers+text",
            text=[q[2] for q in pos],
            textfont={"size": 10, "color": text},
            # A derived inadequate's tile is crossed by white lines (its legend mark too).
            marker=hatched_marker(fill, 30) if hatched else marker,
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
        fig.add_trace(
            tiles(
                outside, p.WHITE, p.OUTSIDE_TEXT, p.OUTSIDE_TILE_LINE, "Outside the region", False, "outside"
            )
        )
    for cat, count in legend_counts(shown, colour_by, short=True):
        rows = shown[shown[key] == cat.key]
        text = "white" if cat.colour in p.DARK_FILLS else p.TEXT
        fig.add_trace(
            tiles(rows, cat.colour, text, "white", f"{cat.label} ({count})", True, cat.key, cat.hatched)
        )
    fig.update_xaxes(visible=False, scaleanchor="y", scaleratio=1, range=[-1.5, 19.5], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-1, 19], fixedrange=True)
    _layout(
        fig,
        title_text(as_at, colour_by, region_name),
        SOURCE_LINE.replace("ONS boundaries", "equal-area tiles (one per authority)"),
        height,
    )
    return fig


# A map for a slide ---------------------------------------------------------------------------

#: A slide's map picture: its height in pixels, and the narrowest and widest it is drawn.
SLIDE_MAP_H, SLIDE_MAP_MIN_W, SLIDE_MAP_MAX_W = 600, 480, 1000
#: Pixels of one legend entry's mark and of one character of its words at the legend's 13 px.
_ENTRY_MARK, _LEGEND_CHAR, _SOURCE_CHAR = 46, 7.4, 6.3


def slide_map(data: MapData, colour_by: str, region: str | None, region_name: str) -> go.Figure:
    """The map as a slide draws it: no title of its own (the slide's title says it and the footer
    gives the date), the legend above it in as many rows as its width needs, the source line wrapped
    to the picture's width (a single line was cut at the picture's edge: "…(see Data & sources"),
    and a region's picture shaped like the region, its lon/lat ranges widened to the picture's
    shape so that the region fills the picture and no neighbour is cut along a straight edge
    (issue 22: the North West drew as a thin strip in a third of the slide, beside a frame line).
    ``layout.width`` and ``layout.height`` are the picture's size in pixels."""
    fig = map_figure(data, colour_by, region, region_name, height=SLIDE_MAP_H)
    geo = data.geojson is not None
    width = 760
    frame = legend_frame(data, region, "geo" if geo else "tiles")
    if geo and region and len(frame):
        box = _bbox(data.geojson, set(frame["feature"]))
        plot_h = SLIDE_MAP_H - 140  # the legend's rows and the source line, about
        width = int(min(SLIDE_MAP_MAX_W, max(SLIDE_MAP_MIN_W, plot_h * _aspect(box) * 1.15)))
    labels = [t.name for t in fig.data if t.showlegend]
    widest = _ENTRY_MARK + _LEGEND_CHAR * max((len(n) for n in labels), default=0)
    legend_rows = -(-len(labels) // max(1, int(width // widest))) if labels else 0
    source = wrap_source(fig, width)
    top, bottom = 14 + 24 * legend_rows, 12 + 15 * (source.count("<br>") + 1)
    fig.update_layout(
        title_text="",
        width=width,
        height=SLIDE_MAP_H,
        margin={"l": 0, "r": 0, "t": top, "b": bottom},
        legend={"y": 1.0, "yanchor": "bottom"},
    )
    next(a for a in fig.layout.annotations if str(a.text).startswith("Sources: ")).update(y=0, yshift=-6)
    if geo and region and len(frame):
        fig.update_layout(
            geo=_range_to(_bbox(data.geojson, set(frame["feature"])), width / (SLIDE_MAP_H - top - bottom))
        )
    return fig


def wrap_source(fig: go.Figure, width: int) -> str:
    """The figure's source line broken to fit ``width`` pixels, left-aligned; returns the text."""
    note = next(a for a in fig.layout.annotations if str(a.text).startswith("Sources: "))
    note.update(text=_wrapped(note.text, width), align="left", xanchor="left")
    return note.text


def _wrapped(text: str, width: int) -> str:
    """A line of source words broken with <br> at spaces to fit ``width`` pixels at 11 px."""
    per_line = max(20, int(width / _SOURCE_CHAR))
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _aspect(box: tuple[float, float, float, float]) -> float:
    """Width over height of a lon/lat box as the Mercator projection draws it."""
    return math.radians(box[2] - box[0]) / (_mercator_y(box[3]) - _mercator_y(box[1]))


def _range_to(box: tuple[float, float, float, float], aspect: float) -> dict[str, Any]:
    """Lon/lat ranges around ``box`` (padded as ``_range`` pads) widened in one direction to the
    plot area's ``aspect``: the projection then fills the area, and what it clips is at its edge."""
    ranges = _range(box)
    x0, x1 = (math.radians(v) for v in ranges["lonaxis"]["range"])
    y0, y1 = (_mercator_y(v) for v in ranges["lataxis"]["range"])
    if (x1 - x0) / (y1 - y0) < aspect:  # too narrow: widen the longitudes
        grow = ((y1 - y0) * aspect - (x1 - x0)) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:  # too wide: more latitude
        grow = ((x1 - x0) / aspect - (y1 - y0)) / 2
        y0, y1 = y0 - grow, y1 + grow

    def lat(y: float) -> float:
        return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)

    return {
        "lonaxis": {"range": [math.degrees(x0), math.degrees(x1)]},
        "lataxis": {"range": [lat(y0), lat(y1)]},
    }
