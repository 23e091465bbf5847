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
#: The derived hatching's pattern (white stripes over inadequate's colour). One id for every map:
#: each map defines it identically, so whichever definition a page's reference finds draws the same.
HATCH_ID = "oversight-derived-hatch"
HATCH_DEFS = (
    f'<defs><pattern id="{HATCH_ID}" patternUnits="userSpaceOnUse" width="10" height="10" '
    f'patternTransform="rotate(45)"><rect width="10" height="10" fill="{p.DERIVED_COLOUR}"/>'
    f'<rect width="3.5" height="10" fill="{p.HATCH_LINE}"/></pattern></defs>'
)


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
    *,
    links: bool = True,
    outlined: frozenset[int] | set[int] | None = None,
    outline_label: str = "Changed in the window",
    wide: bool = False,
) -> str:
    """HTML: title, legend with counts, the SVG map (each authority an ``<a data-la>``), sources.

    ``links=False`` draws a picture (``role="img"``, no tab stop per authority) for where a list
    beside it carries the links. ``outlined``: authority ids drawn with a heavy dark outline (what
    changed in a window: a weight, not a colour), with ``outline_label`` and their count in the
    legend. ``wide``: the presentation's layout, as wide as England and a legible London side by
    side need (``WIDE`` in a page sized to the screen's height), instead of ``WIDTH`` wide with
    London in the corner."""
    features = {f["properties"]["code"]: f for f in geojson["features"]}
    key = key_column(colour_by)
    colour_of = {
        cat.key: f"url(#{HATCH_ID})" if cat.hatched else cat.colour
        for cat, _ in legend_counts(frame, colour_by)
    }
    rows = frame.dropna(subset=["feature"])
    in_region = rows["region_code"].eq(region) if region else pd.Series(True, index=rows.index)
    inset = not region and bool(rows["region_code"].eq(LONDON).any())
    main_box = _box(geojson, set(rows.loc[in_region, "feature"]))
    london = rows[rows["region_code"].eq(LONDON)] if inset else rows.iloc[0:0]
    if wide:
        width, proj, inset_frame = _wide_frames(geojson, main_box, london, height)
    else:
        width = WIDTH
        main_w = WIDTH * (0.74 if inset else 1.0)
        proj = _Projection(main_box, (4, 4, main_w - 8, height - 8))
        inset_frame = (WIDTH * 0.70, height * 0.60, WIDTH * 0.30 - 4, height * 0.38) if inset else None
    params = dict(link_params or {})
    changed = set(outlined or ())

    def shapes(proj_: _Projection, subset: pd.DataFrame, as_links: bool) -> list[str]:
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
            if as_links and inside:
                href = h("/authority?" + urlencode({**params, "la": row.code}))
                shape = f'<a href="{href}" data-la="{h(row.code)}" aria-label="{name}">{shape}</a>'
            out.append(shape)
        return out

    def outlines(proj_: _Projection, subset: pd.DataFrame) -> list[str]:
        """The changed authorities' borders, heavy and dark, above every fill (no pointer events:
        hover and clicks reach the shape beneath)."""
        return [
            f'<path d="{_path(features[row.feature]["geometry"], proj_)}" fill="none" stroke="{p.TEXT}" '
            'stroke-width="5" stroke-linejoin="round" pointer-events="none"/>'
            for row in subset.itertuples(index=False)
            if row.authority_id in changed
            and row.feature in features
            and (region is None or row.region_code == region)
        ]

    body = ['<g class="main">', *shapes(proj, rows, links), *outlines(proj, rows), "</g>"]
    if inset_frame is not None:
        ix, iy, iw, ih = inset_frame
        # The inset's label in the picture's units: the page's map is drawn ~0.24 of its size on a
        # phone, ~0.31 at 1,280 px, and "London" stays at 12 px or more (the walk's test).
        label = 40 if wide else 58
        lproj = _Projection(
            _box(geojson, set(london["feature"]), pad=0.02), (ix, iy + label * 0.7, iw, ih - label * 0.75)
        )
        if wide:
            body.append(_inset_leader(proj, geojson, set(london["feature"]), inset_frame))
        body.append(
            f'<g class="inset"><rect x="{ix * 2:.0f}" y="{iy * 2:.0f}" width="{iw * 2:.0f}" '
            f'height="{ih * 2:.0f}" fill="none" stroke="{p.OUTSIDE_LINE}" stroke-width="2"/>'
            f'<text x="{ix * 2 + 12:.0f}" y="{iy * 2 + label:.0f}" font-size="{label - 4}" '
            f'fill="{p.TEXT}">London</text>'
        )
        # The inset repeats London at a larger scale; its shapes are not links again (one tab stop
        # per authority), but show the same tooltip.
        body.extend([*shapes(lproj, london, False), *outlines(lproj, london), "</g>"])
    legend = "".join(
        f'<li><span class="sw" style="background:{p.hatch_css(cat.colour) if cat.hatched else cat.colour}">'
        f"</span>{h(cat.label)} ({n})</li>"
        for cat, n in legend_counts(rows[in_region], colour_by, short=True)
    )
    if outlined is not None:
        n_changed = int(rows.loc[in_region, "authority_id"].isin(changed).sum())
        legend += (
            f'<li><span class="sw" style="background:{p.WHITE};border:3px solid {p.TEXT}"></span>'
            f"{h(outline_label)}: heavy outline ({n_changed})</li>"
        )
    title = h(title_text(as_at, colour_by, region_name))
    # Wide: the drawing keeps to the left of a box sized to the screen, its legend beside it.
    # (its width over its height in ``--aspect``, so the page's CSS can size it to the screen).
    fit = f' preserveAspectRatio="xMinYMid meet" style="--aspect:{width / height:.3f}"' if wide else ""
    if links:
        role = f'role="group" aria-label="{title}. Each authority links to its page."'
        how = " Each authority is a link: Tab to it, Enter to open."
    else:
        role = f'role="img" aria-label="{title}"'
        how = ""
    return (
        f'<figure class="oversight-map{" wide" if wide else ""}"><p class="t">{title}</p>'
        f'<ul aria-label="Legend">{legend}</ul>'
        f'<svg viewBox="0 0 {width * 2:.0f} {height * 2}" {role}{fit}'
        f' xmlns="http://www.w3.org/2000/svg">{HATCH_DEFS}{"".join(body)}</svg>'
        f"<figcaption>{h(SOURCE_LINE)}{how}</figcaption></figure>"
    )


#: The wide layout: London's inset as wide as this share of the map's height (England is about
#: 0.85 of its height wide), a gap between them, and how wide a region's map may be.
INSET_SHARE = 0.42
INSET_GAP = 0.04
WIDE_ASPECT = (0.6, 2.2)


def _aspect(box: tuple[float, float, float, float]) -> float:
    """Width over height of a lon/lat box on the Mercator map."""
    lon0, lat0, lon1, lat1 = box
    return (lon1 - lon0) / (_merc_y(lat1) - _merc_y(lat0))


def _wide_frames(
    geojson: dict[str, Any], main_box: tuple[float, float, float, float], london: pd.DataFrame, height: int
) -> tuple[float, _Projection, tuple[float, float, float, float] | None]:
    """(width, the main map's projection, London's inset frame or None) of the wide layout: the
    main map as tall as the picture, London beside it at the height of London on the main map."""
    lo, hi = WIDE_ASPECT
    main_w = height * min(max(_aspect(main_box), lo), hi)
    proj = _Projection(main_box, (4, 4, main_w - 8, height - 8))
    if london.empty:
        return main_w, proj, None
    lbox = _box(geojson, set(london["feature"]), pad=0.02)
    iw = height * INSET_SHARE
    ih = iw / _aspect(lbox) + 30
    x0, y0, x1, y1 = bounds(geojson, set(london["feature"])) or lbox
    centre = proj((x0 + x1) / 2, (y0 + y1) / 2)[1]
    iy = min(max(centre - ih / 2, 4), height - ih - 4)
    ix = main_w + height * INSET_GAP
    return ix + iw + 4, proj, (ix, iy, iw, ih)


def _inset_leader(
    proj: _Projection, geojson: dict[str, Any], codes: set[str], frame: tuple[float, float, float, float]
) -> str:
    """A box round London on the main map and a line from it to the inset: the two read as one."""
    x0, y0, x1, y1 = bounds(geojson, codes) or (0, 0, 0, 0)
    (ax, ay), (bx, by) = proj(x0, y1), proj(x1, y0)
    ix, iy, _iw, ih = frame
    return (
        f'<g class="leader" fill="none" stroke="{p.DARK_GREY}" stroke-width="2">'
        f'<rect x="{ax * 2 - 4:.0f}" y="{ay * 2 - 4:.0f}" width="{(bx - ax) * 2 + 8:.0f}" '
        f'height="{(by - ay) * 2 + 8:.0f}"/>'
        f'<line x1="{bx * 2 + 4:.0f}" y1="{(ay + by):.0f}" x2="{ix * 2:.0f}" y2="{(iy + ih / 2) * 2:.0f}"/></g>'
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
