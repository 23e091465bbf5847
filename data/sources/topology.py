"""Boundaries as TopoJSON: each shared border stored once, coordinates as small integers.

The bundle carries every boundary vintage; as GeoJSON they would take several megabytes, mostly
because each border between two authorities is written twice. A topology stores each border
once (an *arc*) and each authority as a list of arc numbers, and writes coordinates as
integer steps on the 0.001° grid the simplified boundaries are already snapped to
(``boundaries.ROUND``), so encoding loses nothing: decoding gives back every vertex exactly.

Only what the app needs is implemented: Polygon and MultiPolygon features with ``code`` and
``name`` properties, one object per vintage; the output follows the TopoJSON 1.0 format, so
other tools (mapshaper, d3) read it too.
"""

from __future__ import annotations

from typing import Any

Point = tuple[int, int]
SCALE = 1000  # grid steps per degree: coordinates are rounded to 3 decimal places


class TopologyError(ValueError):
    """A topology that cannot be decoded (a truncated or hand-edited file)."""


# Encoding ---------------------------------------------------------------------------------------


def encode(collections: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One topology holding each named FeatureCollection as an object; arcs shared across all.

    Features must have ``properties.code`` and ``properties.name`` and coordinates on the
    0.001° grid. Rings are cut where the set of neighbours changes (junctions), so a border
    shared by two authorities becomes one arc, used forwards by one and backwards by the other.
    """
    rings_by_feature = {
        name: [(f["geometry"]["type"], _feature_props(f), _polygons(f)) for f in fc["features"]]
        for name, fc in collections.items()
    }
    all_rings = [
        ring
        for feats in rings_by_feature.values()
        for _, _, polys in feats
        for poly in polys
        for ring in poly
    ]
    junctions = _junctions(all_rings)
    arcs = _ArcTable()
    objects: dict[str, Any] = {}
    for name, feats in rings_by_feature.items():
        geometries = []
        for kind, props, polys in feats:
            arc_polys = [[arcs.ring(ring, junctions) for ring in poly] for poly in polys]
            geometries.append(
                {
                    "type": kind,
                    "id": props["code"],
                    "properties": props,
                    "arcs": arc_polys[0] if kind == "Polygon" else arc_polys,
                }
            )
        objects[name] = {"type": "GeometryCollection", "geometries": geometries}
    return arcs.topology(objects)


def _feature_props(feature: dict[str, Any]) -> dict[str, str]:
    props = feature["properties"]
    return {"code": str(props["code"]), "name": str(props["name"])}


def _polygons(feature: dict[str, Any]) -> list[list[list[Point]]]:
    """The feature's polygons as rings of grid points, without the closing point."""
    geom = feature["geometry"]
    if geom["type"] not in ("Polygon", "MultiPolygon"):
        raise TopologyError(f"{feature['properties'].get('code')}: unsupported geometry {geom['type']}")
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[[_grid(p) for p in ring[:-1]] for ring in poly] for poly in polys]


def _grid(position: list[float]) -> Point:
    return round(position[0] * SCALE), round(position[1] * SCALE)


def _junctions(rings: list[list[Point]]) -> set[Point]:
    """Points where a ring meets a different neighbour than another ring through the same point.

    Along a shared border both rings have the same two neighbours at each vertex (in opposite
    order); where the border ends, or three authorities meet, the neighbour pairs differ.
    """
    pairs: dict[Point, frozenset[Point] | None] = {}
    junctions: set[Point] = set()
    for ring in rings:
        n = len(ring)
        for i, point in enumerate(ring):
            pair = frozenset((ring[i - 1], ring[(i + 1) % n]))
            seen = pairs.get(point)
            if seen is None:
                pairs[point] = pair
            elif seen != pair:
                junctions.add(point)
    return junctions


class _ArcTable:
    """Arcs found so far, each once; a ring is stored as indices (``~i`` for arc i reversed)."""

    def __init__(self) -> None:
        self.arcs: list[tuple[Point, ...]] = []
        self.index: dict[tuple[Point, ...], int] = {}

    def ring(self, ring: list[Point], junctions: set[Point]) -> list[int]:
        cuts = [i for i, p in enumerate(ring) if p in junctions]
        if not cuts:
            start = ring.index(min(ring))  # a canonical start, so an identical ring elsewhere matches
            rotated = ring[start:] + ring[:start]
            return [self._arc(tuple(rotated + [rotated[0]]))]
        rotated = ring[cuts[0] :] + ring[: cuts[0]]
        offsets = [c - cuts[0] for c in cuts] + [len(ring)]
        closed = rotated + [rotated[0]]
        return [self._arc(tuple(closed[a : b + 1])) for a, b in zip(offsets, offsets[1:], strict=False)]

    def _arc(self, points: tuple[Point, ...]) -> int:
        if points in self.index:
            return self.index[points]
        backwards = points[::-1]
        if backwards in self.index:
            return ~self.index[backwards]
        self.index[points] = len(self.arcs)
        self.arcs.append(points)
        return self.index[points]

    def topology(self, objects: dict[str, Any]) -> dict[str, Any]:
        """The TopoJSON document: quantised, delta-encoded arcs from the grid's lower-left corner."""
        xs = [p[0] for arc in self.arcs for p in arc] or [0]
        ys = [p[1] for arc in self.arcs for p in arc] or [0]
        ox, oy = min(xs), min(ys)
        encoded = []
        for arc in self.arcs:
            px, py = ox, oy
            steps = []
            for x, y in arc:
                steps.append([x - px, y - py])
                px, py = x, y
            encoded.append(steps)
        return {
            "type": "Topology",
            "transform": {"scale": [1 / SCALE, 1 / SCALE], "translate": [ox / SCALE, oy / SCALE]},
            "objects": objects,
            "arcs": encoded,
        }


# Decoding ---------------------------------------------------------------------------------------


def decode(topology: dict[str, Any], name: str) -> dict[str, Any]:
    """The object ``name`` as a FeatureCollection shaped like ``boundaries.load_simplified``'s:
    ``id`` and ``properties`` (code, name, bbox), coordinates rounded to 3 decimal places."""
    try:
        arcs = _absolute_arcs(topology)
        geometries = topology["objects"][name]["geometries"]
        return {"type": "FeatureCollection", "features": [_feature(g, arcs) for g in geometries]}
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise TopologyError(f"object {name!r}: {type(exc).__name__}: {exc}") from None


def names(topology: dict[str, Any]) -> list[str]:
    """The objects (boundary vintages) the topology holds."""
    return sorted(topology.get("objects", {}))


def _absolute_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    transform = topology["transform"]
    if [round(s * SCALE, 9) for s in transform["scale"]] != [1, 1]:
        raise ValueError(f"expected a {1 / SCALE}° grid, found scale {transform['scale']}")
    ox, oy = (round(t * SCALE) for t in transform["translate"])
    out = []
    for steps in topology["arcs"]:
        x, y = ox, oy
        points = []
        for dx, dy in steps:
            x += int(dx)
            y += int(dy)
            points.append((x, y))
        out.append(points)
    return out


def _ring(indices: list[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    if len(points) < 4 or points[0] != points[-1]:
        raise ValueError(f"ring of arcs {indices[:5]} is not closed")
    return points


def _feature(geometry: dict[str, Any], arcs: list[list[Point]]) -> dict[str, Any]:
    if geometry["type"] == "Polygon":
        polys = [[_ring(r, arcs) for r in geometry["arcs"]]]
    elif geometry["type"] == "MultiPolygon":
        polys = [[_ring(r, arcs) for r in poly] for poly in geometry["arcs"]]
    else:
        raise ValueError(f"unsupported geometry {geometry['type']}")
    xs = [p[0] for poly in polys for ring in poly for p in ring]
    ys = [p[1] for poly in polys for ring in poly for p in ring]
    coords = [[[[x / SCALE, y / SCALE] for x, y in ring] for ring in poly] for poly in polys]
    props = geometry["properties"]
    return {
        "type": "Feature",
        "id": props["code"],
        "properties": {
            "code": props["code"],
            "name": props["name"],
            "bbox": [min(xs) / SCALE, min(ys) / SCALE, max(xs) / SCALE, max(ys) / SCALE],
        },
        "geometry": {
            "type": geometry["type"],
            "coordinates": coords[0] if geometry["type"] == "Polygon" else coords,
        },
    }
