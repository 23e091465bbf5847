"""Map colours, level rules and boundary handling, without Streamlit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oversight.components.figures import theme as palette
from oversight.components.figures.export import BASE_MAPS, empty_topology
from oversight.components.figures.map_plotly import tile_layout
from oversight.components.figures.theme import JUDGEMENT_COLOURS, LEVEL_COLOURS
from oversight.data.domain import register, vocab
from oversight.data.domain.levels import Intervention, level_on
from oversight.data.sources import boundaries

D = dt.date.fromisoformat


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("colours", [LEVEL_COLOURS, JUDGEMENT_COLOURS], ids=["levels", "judgements"])
def test_adjacent_legend_colours_contrast_at_least_3_to_1(colours):
    values = list(colours.values())
    for a, b in zip(values, values[1:], strict=False):
        assert contrast(a, b) >= 3.0, (a, b, round(contrast(a, b), 2))
    # The Analysis Function's categorical palette, its light grey, and one colour of its sequential
    # palette (mid blue: "no overall grade", a colour no other legend entry uses).
    assert set(values) <= set(palette.CATEGORICAL) | {palette.LIGHT_GREY, palette.MID_BLUE}


def test_legend_order_follows_domain_section_5():
    assert list(LEVEL_COLOURS) == list(vocab.LEVELS)
    assert list(vocab.LEVELS)[:4] == [
        vocab.ALTERNATIVE_DELIVERY,
        vocab.DIRECTION_COMMISSIONER,
        vocab.DIRECTION,
        vocab.IMPROVEMENT_NOTICE,
    ]


def test_every_authority_has_a_tile_and_tiles_do_not_collide():
    layout = tile_layout()
    codes = {c.code for c in register.load_codes()}
    assert codes <= set(layout)
    for day in (D("2014-01-01"), D("2019-06-01"), D("2021-06-01"), D("2024-01-01"), D("2025-06-01")):
        live = [c.code for c in register.load_codes() if c.valid_on(day)]
        cells = [layout[c][:2] for c in live]
        assert len(cells) == len(set(cells)), day
        labels = [layout[c][2] for c in live]
        assert len(labels) == len(set(labels)), day


def test_vintage_table():
    assert boundaries.vintage_for(D("2016-03-31")) == "2018"
    assert boundaries.vintage_for(D("2019-04-01")) == "2019"
    assert boundaries.vintage_for(D("2021-03-31")) == "2020"
    assert boundaries.vintage_for(D("2023-03-31")) == "2021"
    assert boundaries.vintage_for(D("2024-06-30")) == "2023"
    assert boundaries.vintage_for(D("2025-06-30")) == "2025"


def test_simplified_boundaries_are_small_valid_and_clockwise(data_dir):
    import json

    import shapely
    from shapely.geometry import shape

    for vintage in ("2018", "2023"):
        fc = boundaries.load_simplified(boundaries.boundary_file(data_dir, vintage))
        assert len(json.dumps(fc, separators=(",", ":"))) < 260_000
        geoms = [shape(f["geometry"]) for f in fc["features"]]
        assert all(g.is_valid and not g.is_empty for g in geoms)
        # plotly (d3-geo) needs clockwise exterior rings: shapely calls that "not ccw".
        for g in geoms:
            for poly in getattr(g, "geoms", [g]):
                assert not shapely.is_ccw(poly.exterior)


JUDGEMENTS = [(D("2015-09-01"), vocab.INADEQUATE), (D("2018-05-21"), vocab.RI)]


def test_level_rules():
    notice = Intervention(vocab.IMPROVEMENT_NOTICE, D("2015-10-01"), "month", None)
    assert level_on(D("2015-09-15"), [notice], JUDGEMENTS).level == vocab.INADEQUATE_NO_INTERVENTION
    assert level_on(D("2016-01-01"), [notice], JUDGEMENTS).level == vocab.IMPROVEMENT_NOTICE
    # No recorded end: presumed lifted 12 months after the better judgement.
    assert level_on(D("2019-05-01"), [notice], JUDGEMENTS).level == vocab.IMPROVEMENT_NOTICE
    assert level_on(D("2019-06-01"), [notice], JUDGEMENTS).level == vocab.NO_INTERVENTION
    trust = Intervention(vocab.ALTERNATIVE_DELIVERY, D("2016-01-01"), "day", None)
    both = level_on(D("2017-01-01"), [notice, trust], JUDGEMENTS)
    assert both.level == vocab.ALTERNATIVE_DELIVERY  # the most severe wins
    assert (
        level_on(D("2024-01-01"), [trust], JUDGEMENTS).level == vocab.ALTERNATIVE_DELIVERY
    )  # trusts persist
    observed = Intervention(vocab.DIRECTION, D("2018-05-17"), "observed", None)
    seen = level_on(D("2016-06-01"), [observed], JUDGEMENTS)
    assert seen.level == vocab.DIRECTION and seen.since == D("2015-09-01") and seen.since_precision == "spell"


@pytest.mark.browser
def test_map_exports_to_png_and_svg_offline(loaded_engine, data_dir, tmp_path):
    from oversight.components.figures.export import figure_image
    from oversight.components.figures.map_data import describe
    from oversight.components.figures.map_plotly import geo_figure
    from oversight.data.store import queries

    day = D("2018-05-17")
    frame = describe(queries.intervention_levels(loaded_engine, day)).assign(feature=lambda f: f["code"])
    fc = boundaries.load_simplified(boundaries.boundary_file(data_dir, boundaries.vintage_for(day)))
    fig = geo_figure(frame, fc, "intervention", day, None, "England")
    png = figure_image(fig, "png", width=900, height=700)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000  # a drawn map, not a blank canvas
    svg = figure_image(fig, "svg", width=900, height=700).decode()
    assert "17 May 2018" in svg and svg.count("<path") > 150
    (tmp_path / "map.png").write_bytes(png)


def test_served_base_maps_are_the_exported_ones():
    """The app serves static/topojson/; kaleido gets the same empty topologies written by export."""
    folder = Path(__file__).resolve().parents[1] / "static" / "topojson"
    for name in BASE_MAPS:
        assert (folder / f"{name}.json").read_text(encoding="utf-8").strip() == empty_topology()
