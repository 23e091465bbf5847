"""Figures to PNG/SVG for board packs, through kaleido and Debian's Chromium, offline.

Plotly's geo traces ask for a world base map even when every base layer is hidden. The app
serves empty base maps from ``static/topojson/`` (Streamlit static serving); for kaleido the
same empty topologies are written once per process to a temporary folder, so exports never
touch the network and an installed copy needs no checkout beside it.
"""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

#: The files plotly asks for (``<scope>_<resolution>m.json``) and the layers each must hold.
BASE_MAPS = ("world_110m", "world_50m", "europe_110m", "europe_50m")
LAYERS = ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")


def empty_topology() -> str:
    """An empty base map: every layer plotly reads, with no geometry (what static/topojson holds)."""
    objects = {name: {"type": "GeometryCollection", "geometries": []} for name in LAYERS}
    return json.dumps({"type": "Topology", "objects": objects, "arcs": []}, separators=(",", ":"))


def start_renderer() -> None:
    """Start kaleido's persistent browser (once per process) without waiting for it.

    Without it every image launches and closes its own Chromium (~0.45 s each; a board pack
    draws six). Started early (the board pack calls this before its queries), the browser's
    start-up overlaps the work before the first image; later images reuse it (~0.1 s each).
    """
    import kaleido  # Lazy: kaleido is only needed by exports, not by the app's pages.

    kaleido.start_sync_server(silence_warnings=True)


@lru_cache(maxsize=1)
def _base_map_dir() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="oversight-topojson-"))
    for name in BASE_MAPS:
        (folder / f"{name}.json").write_text(empty_topology(), encoding="utf-8")
    return folder


def figure_image(
    fig: go.Figure, fmt: str = "png", width: int = 1400, height: int = 1000, scale: float = 1
) -> bytes:
    """The figure as PNG or SVG bytes."""
    if fmt not in {"png", "svg", "pdf"}:
        raise ValueError(f"unsupported image format: {fmt}")
    pio.defaults.topojson = _base_map_dir().as_uri() + "/"
    start_renderer()
    return fig.to_image(format=fmt, width=width, height=height, scale=scale)
