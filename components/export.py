"""Figures to PNG/SVG for board packs, through kaleido and Debian's Chromium, offline.

Plotly's geo traces ask for a world base map even when every base layer is hidden; the
project serves empty base maps from ``static/topojson/``, and kaleido is pointed at the same
folder on disk, so exports never touch the network.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio

TOPOJSON_DIR = Path(__file__).resolve().parent.parent / "static" / "topojson"


def figure_image(
    fig: go.Figure, fmt: str = "png", width: int = 1400, height: int = 1000, scale: float = 1
) -> bytes:
    """The figure as PNG or SVG bytes."""
    if fmt not in {"png", "svg", "pdf"}:
        raise ValueError(f"unsupported image format: {fmt}")
    pio.defaults.topojson = TOPOJSON_DIR.as_uri() + "/"
    return fig.to_image(format=fmt, width=width, height=height, scale=scale)
