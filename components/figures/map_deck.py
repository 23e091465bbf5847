"""The same map in pydeck (WebGL): fast hover and click on every shape, no basemap.

pydeck draws the boundaries with no tiles behind them (``map_provider=None``), so it
needs no network. Colours, words and the region fading are the plotly map's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pydeck as pdk

from oversight.components.figures import theme as p
from oversight.components.figures.theme import JUDGEMENT_COLOURS, LEVEL_COLOURS, NOT_INSPECTED

LAYER_ID = "authorities"


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
        features.append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {
                    "code": row["code"],
                    "name": row["name"],
                    "hover": row["hover"],
                    "fill": _rgb(colour) if inside else [255, 255, 255, 255],
                    "line": [255, 255, 255, 255] if inside else [191, 191, 191, 255],
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
        line_width_min_pixels=0.5,
        auto_highlight=True,
        highlight_color=[255, 221, 0, 200],
    )
    lon, lat, zoom = view
    return pdk.Deck(
        layers=[layer],
        initial_view_state=pdk.ViewState(longitude=lon, latitude=lat, zoom=zoom),
        map_provider=None,
        map_style=None,
        tooltip={"html": "{hover}", "style": {"backgroundColor": "white", "color": p.TEXT}},
    )


def view_for(bounds: tuple[float, float, float, float] | None) -> tuple[float, float, float]:
    """Centre and zoom that frame the bounds (England or a region) in a ~700 px map."""
    if bounds is None:
        return -1.6, 52.8, 5.2
    west, south, east, north = bounds
    span = max(east - west, (north - south) * 1.6)
    import math

    zoom = max(4.5, min(9.5, math.log2(360 / max(span, 0.05)) - 0.2))
    return (west + east) / 2, (south + north) / 2, zoom
