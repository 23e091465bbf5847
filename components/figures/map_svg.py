"""The NAO-style map as SVG markup written on the server: every authority a focusable link.

Why a second renderer beside plotly: markup paints as soon as it arrives (no chart library to
load and run), every authority is a keyboard-focusable link whose accessible name says its level,
since-date and latest judgement, and the map prints as it looks. Plotly stays for zoom, rich hover
and PNG/SVG export. Pure: frame and boundaries in, markup out; no Streamlit. Every word and
attribute value written into the markup passes through ``safe_text.html`` (``h``), so a name or a
title from the data is never read as a tag.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from oversight.components.figures import theme as p
from oversight.components.figures.map_data import LONDON, SOURCE_LINE, key_column, legend_counts, title_text
from oversight.components.figures.safe_text import html as h
from oversight.data.sources.boundaries import bounds

WIDTH = 760


def _merc_y(lat: float) -> float:
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


class _Projection:
    """Mercator fitted (and centred) to a lon/lat box inside a pixel box (x, y, w, h)."""

    def __init__(self, box: tuple[float, float, float, float], frame: tuple[float, float, float, float]):
        lon0, lat0, lon1, lat1 = box
        self.x0, self.y0, w, h = frame
        self.lon0, self.ym1 = lon0, _merc_y(lat1)
        span_x, span_y = lon1 - lon0, self.ym1 - _merc_y(lat0)
        self.k = min(w / span_x, h / span_y)
        self.dx, self.dy = (w - span_x * self.k) / 2, (h - span_y * self.k) / 2

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.x0 + self.dx + (lon - self.lon0) * self.k,
            self.y0 + self.dy + (self.ym1 - _merc_y(lat)) * self.k,
        )


def _path(geometry: dict[str, Any], proj: _Projection) -> str:
    """Relative path commands on a half-pixel grid, repeated points dropped: about a third of
    the bytes of absolute decimals, with no visible difference."""
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    parts = []
    for polygon in polygons:
        for ring in polygon:
            pts = [proj(lon, lat) for lon, lat in ring]
            grid = [(round(x * 2), round(y * 2)) for x, y in pts]
            x0, y0 = grid[0]
            steps = []
            px, py = x0, y0
            for x, y in grid[1:]:
                if (x, y) != (px, py):
                    steps.append(f"{x - px} {y - py}")
                    px, py = x, y
            if len(steps) >= 2:
                parts.append(f"M{x0} {y0}l" + " ".join(steps) + "z")
    return "".join(parts)


def _box(geojson: dict[str, Any], codes: set[str], pad: float = 0.04) -> tuple[float, float, float, float]:
    """The shapes' bounds with a margin, so strokes at the edge are not cut."""
    box = bounds(geojson, codes)
    assert box is not None, "no shapes to fit"
    x0, y0, x1, y1 = box
    px, py = (x1 - x0) * pad + 0.01, (y1 - y0) * pad + 0.01
    return x0 - px, y0 - py, x1 + px, y1 + py


def accessible_name(row: Any) -> str:
    """What a screen reader says for an authority (and the hover tooltip shows)."""
    since = f" {row.since_text}" if isinstance(row.since_text, str) and row.since_text else ""
    areas = getattr(row, "areas_text", "")
    areas = f". Area judgements: {areas}" if isinstance(areas, str) and areas else ""
    return f"{row.name}: {row.level_label}{since}. Latest judgement: {row.judgement_text}{areas}"


def svg_map(
    frame: pd.DataFrame,
    geojson: dict[str, Any],
    colour_by: str,
    as_at: dt.date,
    region: str | None,
    region_name: str,
    link_params: dict[str, str] | None = None,
    height: int = 680,
) -> str:
    """HTML: title, legend with counts, the SVG map (each authority an ``<a data-la>``), sources."""
    features = {f["properties"]["code"]: f for f in geojson["features"]}
    key = key_column(colour_by)
    colour_of = {cat.key: cat.colour for cat, _ in legend_counts(frame, colour_by)}
    rows = frame.dropna(subset=["feature"])
    in_region = rows["region_code"].eq(region) if region else pd.Series(True, index=rows.index)
    inset = not region and bool(rows["region_code"].eq(LONDON).any())
    main_w = WIDTH * (0.74 if inset else 1.0)
    proj = _Projection(_box(geojson, set(rows.loc[in_region, "feature"])), (4, 4, main_w - 8, height - 8))
    params = dict(link_params or {})

    def shapes(proj_: _Projection, subset: pd.DataFrame, links: bool) -> list[str]:
        out = []
        for row in subset.itertuples(index=False):
            feature = features.get(row.feature)
            if feature is None:
                continue
            inside = region is None or row.region_code == region
            fill = colour_of.get(getattr(row, key), p.LIGHT_GREY) if inside else p.WHITE
            stroke = p.WHITE if inside else p.OUTSIDE_LINE
            name = h(accessible_name(row))
            shape = (
                f'<path d="{_path(feature["geometry"], proj_)}" fill="{fill}" stroke="{stroke}" '
                f'stroke-width="1.2"><title>{name}</title></path>'
            )
            if links and inside:
                href = h("/authority?" + urlencode({**params, "la": row.code}))
                shape = f'<a href="{href}" data-la="{h(row.code)}" aria-label="{name}">{shape}</a>'
            out.append(shape)
        return out

    body = shapes(proj, rows, links=True)
    if inset:
        london = rows[rows["region_code"].eq(LONDON)]
        ix, iy, iw, ih = WIDTH * 0.70, height * 0.60, WIDTH * 0.30 - 4, height * 0.38
        lproj = _Projection(_box(geojson, set(london["feature"]), pad=0.02), (ix, iy + 20, iw, ih - 22))
        body.append(
            f'<rect x="{ix * 2:.0f}" y="{iy * 2:.0f}" width="{iw * 2:.0f}" height="{ih * 2:.0f}" fill="none" '
            f'stroke="{p.OUTSIDE_LINE}" stroke-width="2"/>'
            f'<text x="{ix * 2 + 12:.0f}" y="{iy * 2 + 30:.0f}" font-size="26" fill="{p.TEXT}">London</text>'
        )
        # The inset repeats London at a larger scale; its shapes are not links again (one tab stop
        # per authority), but show the same tooltip.
        body.extend(shapes(lproj, london, links=False))
    legend = "".join(
        f'<li><span class="sw" style="background:{cat.colour}"></span>{h(cat.label)} ({n})</li>'
        for cat, n in legend_counts(rows[in_region], colour_by, short=True)
    )
    title = h(title_text(as_at, colour_by, region_name))
    return (
        f'<figure class="oversight-map"><p class="t">{title}</p><ul aria-label="Legend">{legend}</ul>'
        f'<svg viewBox="0 0 {WIDTH * 2} {height * 2}" role="group" aria-label="{title}. Each authority links to its page."'
        f' xmlns="http://www.w3.org/2000/svg">{"".join(body)}</svg>'
        f"<figcaption>{h(SOURCE_LINE)} Each authority is a link: Tab to it, Enter to open."
        "</figcaption></figure>"
    )


CSS = f"""
.oversight-map {{ margin: 0; font-family: inherit; color: {p.TEXT}; }}
.oversight-map .t {{ font-weight: 600; margin: 0 0 .3rem 0; font-size: 1.05rem; }}
.oversight-map ul {{ list-style: none; padding: 0; margin: 0 0 .3rem 0; display: flex; flex-wrap: wrap;
  gap: .25rem 1rem; font-size: .9rem; }}
.oversight-map .sw {{ display: inline-block; width: .9rem; height: .9rem; margin-right: .35rem;
  vertical-align: -.1rem; border: 1px solid #BFBFBF; }}
.oversight-map svg {{ width: 100%; height: auto; display: block; }}
.oversight-map a:focus {{ outline: none; }}
.oversight-map a:focus path, .oversight-map a:hover path {{ stroke: {p.TEXT}; stroke-width: 5; }}
.oversight-map figcaption {{ font-size: .8rem; color: {p.DARK_GREY}; }}
"""

#: Draws the markup and turns a click (or Enter on a focused authority) into a trigger value,
#: so Python opens the authority page within the session instead of reloading the app.
JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let holder = parentElement.querySelector('.oversight-holder');
  if (!holder) {
    holder = document.createElement('div');
    holder.className = 'oversight-holder';
    parentElement.appendChild(holder);
  }
  if (holder.oversightMarkup !== data) {
    holder.innerHTML = data;
    holder.oversightMarkup = data;
  }
  holder.onclick = (event) => {
    const link = event.target.closest('a[data-la]');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    setTriggerValue('clicked', link.getAttribute('data-la'));
  };
}
"""
