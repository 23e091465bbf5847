"""The same map in pydeck (WebGL): fast hover and click on every shape, no basemap.

pydeck draws the boundaries with no tiles behind them, so it needs no network: no map provider
and pydeck's own "no style" (its default ``map_style``). ``map_style=None`` would not do: Streamlit
reads it as "pick a style from the theme" and every visitor's browser fetches a CARTO basemap from
cartocdn.com. Colours, words and the region fading are the plotly map's.

The tooltip is ``TOOLTIP``: the project's own markup with ``{name}`` and ``{details}`` holes.
Streamlit escapes every value it puts in a tooltip's holes (``&<>"'``), so the values are plain
text: an escaped or tagged value would show its tags. ``{details}`` is filled last, so nothing
it holds is read as another hole.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pydeck as pdk

from oversight.components.figures import theme as p
from oversight.components.figures.theme import JUDGEMENT_COLOURS, LEVEL_COLOURS, NOT_INSPECTED

LAYER_ID = "authorities"
TOOLTIP = '<b>{name}</b><div style="white-space: pre-line">{details}</div>'


def _rgb(hex_colour: str, alpha: int = 255) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i : i + 2], 16) for i in (0, 2, 4)] + [alpha]


def deck(
    frame: pd.DataFrame,
    geojson: dict[str, Any],
    colour_by: str,
    region: str | None,
    view: tuple[float, float, float],
) -> pdk.Deck:
    """A GeoJsonLayer of the authorities drawn on the date's boundaries."""
    colours = JUDGEMENT_COLOURS if colour_by == "judgement" else LEVEL_COLOURS
    key = "judgement_key" if colour_by == "judgement" else "level"
    rows = frame.set_index("feature")
    features = []
    for feature in geojson["features"]:
        code = feature["properties"]["code"]
        if code not in rows.index:
            continue
        row = rows.loc[code]
        inside = not region or row["region_code"] == region
        colour = colours.get(row[key], colours.get(NOT_INSPECTED, p.LIGHT_GREY))
        # A derived inadequate: inadequate's fill with a heavy dark outline (deck.gl cannot hatch).
        derived = colour_by == "judgement" and row.get("judgement_legend") == p.DERIVED_KEY and inside
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "details": tooltip_details(row),
                    "fill": _rgb(colour) if inside else [255, 255, 255, 255],
                    "line": _rgb(p.TEXT)
                    if derived
                    else [255, 255, 255, 255]
                    if inside
                    else [191, 191, 191, 255],
                    # Metres (deck.gl's default unit; "pixels" drew every outline across the
                    # canvas): about 3 px at a region's zoom, the others at the minimum.
                    "width": 1500 if derived else 0,
                },
            }
        )
    layer = pdk.Layer(
        "GeoJsonLayer",
        {"type": "FeatureCollection", "features": features},
        id=LAYER_ID,
        pickable=True,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        get_line_width="properties.width",
        line_width_min_pixels=0.5,
        auto_highlight=True,
        highlight_color=[255, 221, 0, 200],
    )
    lon, lat, zoom = view
    return pdk.Deck(
        layers=[layer],
        initial_view_state=pdk.ViewState(longitude=lon, latitude=lat, zoom=zoom),
        map_provider=None,  # and map_style left at pydeck's default: no basemap at all
        tooltip={"html": TOOLTIP, "style": {"backgroundColor": "white", "color": p.TEXT}},
    )


def tooltip_details(row: pd.Series) -> str:
    """The tooltip's lines under the name, as plain text (one fact a line)."""
    lines = [
        f"{row['level_label']} {row['since_text']}".strip(),
        f"Latest judgement: {row['judgement_text']}",
    ]
    areas = row.get("areas_text")
    if isinstance(areas, str) and areas:
        lines.append(f"Area judgements: {areas}")
    intervention = row.get("intervention")
    if isinstance(intervention, str) and intervention:
        lines.append(intervention)
    return "\n".join(" ".join(line.split()) for line in lines)


def view_for(bounds: tuple[float, float, float, float] | None) -> tuple[float, float, float]:
    """Centre and zoom that frame the bounds (England or a region) in a ~700 px map."""
    if bounds is None:
        return -1.6, 52.8, 5.2
    west, south, east, north = bounds
    span = max(east - west, (north - south) * 1.6)
    import math

    zoom = max(4.5, min(9.5, math.log2(360 / max(span, 0.05)) - 0.2))
    return (west + east) / 2, (south + north) / 2, zoom
