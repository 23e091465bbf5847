"""Turn a raw ONS boundary download into the project's ``boundaries/utla_YYYY.geojson``.

ONS serves each vintage with its own field names (``CTYUA23CD``, ``ctyua18nm``, ``utla19_code``),
sometimes in British National Grid, with Wales and Scotland included and with rings in either
orientation. The app's maps need one form: England only, ``code`` and ``name``, longitude/latitude
rounded to 6 dp, valid geometry, clockwise exteriors, sorted by code. This module makes that form
from a raw file, following the steps of ``boundaries/PROVENANCE.md``, so that a downloaded file and
the team's shared copy are made the same way. It is pure geometry plus one file write; it knows
nothing of downloads or checksums.

shapely, numpy and pyproj are imported inside the functions that use them: they are heavy, and the
``oversight`` command line imports this module (through ``fetch``) for every command.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from oversight.data.downloads.registry import PART_SUFFIX, BoundaryFormatError

_CODE_FIELD = re.compile(r"^(?:ctyua|utla)(\d{2})_?(?:cd|code)$", re.IGNORECASE)
_NAME_FIELD = re.compile(r"^(?:ctyua|utla)(\d{2})_?(?:nm|name)$", re.IGNORECASE)
_CRS84_NAMES = ("crs84", "epsg:4326", "epsg::4326", "wgs84")
_BNG_NAMES = ("epsg:27700", "epsg::27700")
ROUND = 6  # about 0.1 m; what every boundaries/utla_*.geojson uses
#: A vintage made from an earlier ONS release: (that release's two-digit year, the codes changed
#: since). The 2025 vintage (in force from 1 April 2025) is downloaded as the December 2024
#: release, the newest the registry knows, with Barnsley's and Sheffield's April 2025 codes; their
#: boundary change was far below the 500 m of an ultra-generalised file.
EARLIER_RELEASE: dict[str, tuple[str, dict[str, str]]] = {
    "2025": ("24", {"E08000016": "E08000038", "E08000019": "E08000039"}),
}


def normalise_boundaries(raw: Path, out: Path, vintage: str) -> int:
    """Turn a raw ONS GeoJSON into the project's ``boundaries/utla_YYYY.geojson``; return the feature count.

    These are the steps of ``boundaries/PROVENANCE.md``, so that a downloaded file and the team's
    shared copy are made the same way:

    * keep England only (codes starting ``E``);
    * find the code and name fields by pattern, case-insensitively (``CTYUA23CD``, ``ctyua18nm``,
      ``utla19_code``), and keep only ``code`` and ``name``;
    * reproject to EPSG:4326 and round coordinates to 6 dp (about 0.1 m);
    * repair invalid geometry with ``make_valid``;
    * make exterior rings clockwise, as plotly's geo traces need;
    * sort by code.

    A vintage in ``EARLIER_RELEASE`` also takes that release's fields, and its recoded authorities
    get their new codes.

    The file is written through a temporary name, so a failure leaves any previous file in place.
    """
    raw, out = Path(raw), Path(out)
    collection = _read_collection(raw)
    features = collection["features"]
    code_field, name_field = _code_and_name_fields(raw, features, vintage)
    recodes = EARLIER_RELEASE.get(vintage, ("", {}))[1]
    rows, geoms = _english_features(raw, features, code_field, name_field, recodes)
    array = _clean_geometry(raw, geoms, rows, _crs_name(collection))
    _write_geojson(out, rows, array)
    return len(rows)


# Steps of normalise_boundaries ------------------------------------------------------------------


def _read_collection(raw: Path) -> dict[str, Any]:
    """The raw file as a complete, non-empty FeatureCollection; anything else is refused."""
    try:
        collection = json.loads(raw.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise BoundaryFormatError(f"{raw}: not a readable GeoJSON file ({exc})") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise BoundaryFormatError(f"{raw}: not a GeoJSON FeatureCollection")
    if collection.get("exceededTransferLimit") or (collection.get("properties") or {}).get(
        "exceededTransferLimit"
    ):
        raise BoundaryFormatError(
            f"{raw}: the service returned only part of the layer (exceededTransferLimit)"
        )
    if not collection.get("features"):
        raise BoundaryFormatError(f"{raw}: no features")
    return collection


def _code_and_name_fields(raw: Path, features: Sequence[dict[str, Any]], vintage: str) -> tuple[str, str]:
    """The code and name fields of the first feature, refused if they name another vintage."""
    keys = list((features[0].get("properties") or {}).keys())
    code_field, code_year = _find_field(keys, _CODE_FIELD, "code")
    name_field, name_year = _find_field(keys, _NAME_FIELD, "name")
    if not code_field or not name_field:
        raise BoundaryFormatError(
            f"{raw}: no code/name fields like CTYUA{vintage[-2:]}CD/CTYUA{vintage[-2:]}NM among {keys}"
        )
    years = {vintage[-2:], EARLIER_RELEASE.get(vintage, (vintage[-2:], {}))[0]}
    for year in (code_year, name_year):
        if year is not None and year not in years:
            raise BoundaryFormatError(
                f"{raw}: fields {code_field}/{name_field} are for 20{year}, "
                f"but this is the {vintage} vintage (utla_{vintage}.geojson)"
            )
    return code_field, name_field


def _english_features(
    raw: Path,
    features: Sequence[dict[str, Any]],
    code_field: str,
    name_field: str,
    recodes: dict[str, str] | None = None,
) -> tuple[list[tuple[str, str]], list[Any]]:
    """(code, name) rows and shapely geometries of the English features (codes starting ``E``),
    with an authority recoded since the release under its new code (``recodes``)."""
    from shapely.geometry import shape  # heavy: see the module docstring

    rows: list[tuple[str, str]] = []
    geoms = []
    for feature in features:
        props = feature.get("properties") or {}
        code = str(props.get(code_field) or "").strip()
        if not code.startswith("E"):
            continue
        if not feature.get("geometry"):
            raise BoundaryFormatError(f"{raw}: {code} has no geometry")
        rows.append(((recodes or {}).get(code, code), str(props.get(name_field) or "").strip()))
        geoms.append(shape(feature["geometry"]))
    if not rows:
        raise BoundaryFormatError(f"{raw}: no English features (codes starting E) in {code_field}")
    codes = [c for c, _ in rows]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise BoundaryFormatError(f"{raw}: duplicate codes {', '.join(duplicates)}")
    return rows, geoms


def _clean_geometry(raw: Path, geoms: list[Any], rows: list[tuple[str, str]], crs: str) -> Any:
    """Longitude/latitude, rounded, repaired, polygonal and clockwise: a numpy array of geometries."""
    import numpy as np  # heavy: see the module docstring
    import shapely

    array = _to_lonlat(np.array(geoms, dtype=object), crs, raw)
    bounds = shapely.total_bounds(array)
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise BoundaryFormatError(f"{raw}: coordinates are not longitude/latitude degrees (bounds {bounds})")
    array = shapely.transform(array, lambda xy: np.round(xy, ROUND))
    invalid = ~shapely.is_valid(array)
    array[invalid] = shapely.make_valid(array[invalid])
    array = np.array(
        [_polygonal(g, f"{raw}: {c}") for g, (c, _) in zip(array, rows, strict=True)], dtype=object
    )
    return shapely.orient_polygons(array, exterior_cw=True)


def _write_geojson(out: Path, rows: list[tuple[str, str]], array: Any) -> None:
    """Write the features sorted by code, one per line, through a temporary name."""
    from shapely.geometry import mapping  # heavy: see the module docstring

    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + PART_SUFFIX)
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write('{\n"type": "FeatureCollection",\n')
            fh.write('"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},\n')
            fh.write('"features": [\n')
            for n, i in enumerate(order):
                gj = mapping(array[i])
                feature = {
                    "type": "Feature",
                    "properties": {"code": rows[i][0], "name": rows[i][1]},
                    "geometry": {"type": gj["type"], "coordinates": _rounded(gj["coordinates"])},
                }
                fh.write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
                fh.write(",\n" if n < len(order) - 1 else "\n")
            fh.write("]\n}\n")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)  # moved into place, or a failed write: never left behind


# Geometry helpers -------------------------------------------------------------------------------


def _find_field(keys: Sequence[str], pattern: re.Pattern[str], plain: str) -> tuple[str | None, str | None]:
    """(field, two-digit year) by pattern, e.g. ``CTYUA23CD`` or ``ctyua18cd``; else a plain ``code``."""
    for key in keys:
        match = pattern.match(key)
        if match:
            return key, match.group(1)
    for key in keys:
        if key.lower() == plain:
            return key, None
    return None, None


def _crs_name(collection: dict[str, Any]) -> str:
    crs = collection.get("crs") or {}
    return str((crs.get("properties") or {}).get("name", "")).lower()


def _to_lonlat(geoms: Any, crs: str, raw: Path) -> Any:
    import numpy as np  # heavy: see the module docstring
    import shapely

    if not crs or any(name in crs for name in _CRS84_NAMES):
        return geoms
    if any(name in crs for name in _BNG_NAMES):
        from pyproj import Transformer

        to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        return shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    raise BoundaryFormatError(f"{raw}: unsupported CRS {crs!r}; download it with outSR=4326")


def _polygonal(geom: Any, where: str) -> Any:
    """Keep the polygon parts: ``make_valid`` can return a collection with stray lines or points."""
    import shapely  # heavy: see the module docstring
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polygons = [
        p for part in shapely.get_parts(geom) for p in shapely.get_parts(part) if p.geom_type == "Polygon"
    ]
    if not polygons:
        raise BoundaryFormatError(f"{where}: geometry has no polygon left after repair")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, ROUND)
    if isinstance(obj, list | tuple):
        return [_rounded(x) for x in obj]
    return obj
