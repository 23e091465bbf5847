"""Boundaries of upper-tier authorities for a date, simplified once and kept small.

Files come from the user's data directory (``OVERSIGHT_DATA_DIR/boundaries/utla_*.geojson``,
ONS generalised boundaries, exterior rings clockwise as plotly's geo traces need), else from
the project's data bundle, which holds every vintage already simplified this way. A view
"as at" D uses the vintage in force on D. Geometry is simplified as a coverage (shared
borders simplified once, so neighbours still meet) and coordinates rounded to 3 decimal
places (about 100 m, below a pixel at England scale): the England map stays under 300 KB.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from oversight.data import settings
from oversight.data.sources import bundle

#: (first day, vintage): PROVENANCE.md's table of which file serves which dates.
VINTAGES: tuple[tuple[dt.date, str], ...] = (
    (dt.date.min, "2018"),
    (dt.date(2019, 4, 1), "2019"),
    (dt.date(2020, 4, 1), "2020"),
    (dt.date(2021, 4, 1), "2021"),
    (dt.date(2023, 4, 1), "2023"),
    (dt.date(2025, 4, 1), "2025"),
)
TOLERANCE = 0.008  # degrees: ~500-900 m, the scale of ONS's ultra-generalised files
ROUND = 3  # ~100 m: below a pixel at England scale


def vintage_for(day: dt.date) -> str:
    """The boundary vintage in force on a date."""
    chosen = VINTAGES[0][1]
    for first, vintage in VINTAGES:
        if day >= first:
            chosen = vintage
    return chosen


def boundary_file(data_dir: Path | None, vintage: str) -> Path | None:
    """The vintage's file in the data directory, or None when it is not there."""
    if data_dir is None:
        return None
    path = Path(data_dir) / "boundaries" / f"utla_{vintage}.geojson"
    return path if path.is_file() else None


def load(data_dir: Path | None, vintage: str) -> dict[str, Any] | None:
    """A vintage's simplified boundaries: the data directory's file (it may be newer), else the
    bundle's copy (unless ``OVERSIGHT_BUNDLE=off``), else None (the maps fall back to tiles)."""
    path = boundary_file(data_dir, vintage)
    if path is not None:
        return load_simplified(path)
    return bundle.boundaries(vintage) if settings.bundle_enabled() else None


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, ROUND)
    if isinstance(obj, list | tuple):
        return [_round(x) for x in obj]
    return obj


def load_simplified(path: Path) -> dict[str, Any]:
    """A FeatureCollection (properties: code, name, bbox) simplified as a coverage."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    features = raw["features"]
    geoms = np.array([shape(f["geometry"]) for f in features])
    simplified = shapely.coverage_simplify(geoms, TOLERANCE)
    # Snap to a 0.001° grid keeping geometries valid (slivers that collapse are dropped;
    # neighbours snap their shared vertices identically, so borders still meet).
    simplified = shapely.set_precision(simplified, 10**-ROUND)
    # plotly's geo traces need clockwise exterior rings (d3-geo): simplification may flip them.
    simplified = shapely.orient_polygons(simplified, exterior_cw=True)
    out = []
    for feature, geom in zip(features, simplified, strict=True):
        if geom.is_empty:  # a very small island: keep the original rather than lose it
            geom = shape(feature["geometry"])
        gj = mapping(geom)
        out.append(
            {
                "type": "Feature",
                "id": feature["properties"]["code"],
                "properties": {
                    "code": feature["properties"]["code"],
                    "name": feature["properties"]["name"],
                    "bbox": [round(v, 3) for v in geom.bounds],
                },
                "geometry": {"type": gj["type"], "coordinates": _round(gj["coordinates"])},
            }
        )
    return {"type": "FeatureCollection", "features": out}


def bounds(
    collection: dict[str, Any], codes: set[str] | None = None
) -> tuple[float, float, float, float] | None:
    """(min lon, min lat, max lon, max lat) of the features with the given codes."""
    boxes = [
        f["properties"]["bbox"]
        for f in collection["features"]
        if codes is None or f["properties"]["code"] in codes
    ]
    if not boxes:
        return None
    arr = np.array(boxes)
    return float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max())
