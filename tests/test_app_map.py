"""The map page without a browser: every control, URL state, fallbacks, the 2018 picture."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.freshness import STALE_START
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def app(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("OVERSIGHT_PLAY_DELAY", "0")

    def make(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _figure(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert charts, "no plotly chart drawn"
    return json.loads(charts[-1].proto.spec)


def _table(at: AppTest):
    return next(d.value for d in at.dataframe if "Intervention level" in d.value.columns)


def _svg(at: AppTest) -> str:
    components = at.get("bidi_component")
    assert components, "no SVG map drawn"
    return json.loads(components[0].proto.json)


def test_default_view_is_the_svg_map_with_a_link_per_authority(app):
    at = app(as_at="2018-05-17")
    markup = _svg(at)
    assert len(markup.encode()) <= 300_000
    assert markup.count("data-la=") == 152  # every authority once (the London inset adds no links)
    assert 'aria-label="Doncaster: Alternative delivery (trust, company or another council) since' in markup
    assert "Alternative delivery (8)" in markup and "Intervention level, England, as at 17 May 2018" in markup
    assert "London</text>" in markup
    london = _svg(app(as_at="2024-06-30", region="E12000007"))
    assert london.count("data-la=") == 33 and "London</text>" not in london


def test_plotly_map_draws_england(app):
    at = app(as_at="2018-05-17", view="geo")
    fig = _figure(at)
    drawn = [
        c
        for t in fig["data"]
        if t["type"] == "choropleth" and t.get("geo", "geo") == "geo"
        for c in t["locations"]
    ]
    assert len(drawn) == 152
    assert len(at.get("plotly_chart")[-1].proto.spec.encode()) <= 300_000
    names = [t["name"] for t in fig["data"] if t.get("showlegend")]
    assert names[0].startswith("Alternative delivery (8)")
    assert any(t.get("geo") == "geo2" for t in fig["data"]), "London inset missing"
    assert "Intervention level, England, as at 17 May 2018" in fig["layout"]["title"]["text"]


def test_levels_as_at_the_blog_date(app):
    table = _table(app(as_at="2018-05-17")).set_index("Authority")
    assert table.loc["Doncaster", "Intervention level"].startswith("Alternative delivery")
    assert table.loc["Slough", "Intervention level"].startswith("Alternative delivery")
    assert table.loc["Kirklees", "Intervention level"].startswith("Alternative delivery")
    assert table.loc["Surrey", "Intervention level"] == "Improvement notice"
    assert (table["Latest judgement"] != "Not yet inspected").all()


def test_colour_view_region_and_selection_controls(app):
    at = app(as_at="2024-06-30", view="geo")
    at.radio(key="map_colour").set_value("judgement").run()
    assert not at.exception
    assert any(t["name"].startswith("Good") for t in _figure(at)["data"])
    assert at.query_params["colour"] in ("judgement", ["judgement"])
    at.radio(key="map_view").set_value("tiles").run()
    fig = _figure(at)
    assert fig["data"][0]["type"] == "scatter" and sum(len(t["x"]) for t in fig["data"]) == 153
    at.selectbox(key="filters_region").set_value("E12000007").run()
    assert set(_table(at)["Region"]) == {"London"}
    at.selectbox(key="map_la").set_value("E09000008").run()
    assert not at.exception
    # Selecting an authority opens its page.
    assert [t.value for t in at.title] == ["Croydon"]
    assert at.query_params["la"] in ("E09000008", ["E09000008"])


def test_link_with_an_authority_shows_its_facts(app):
    at = app(la="E06000005", as_at="2018-05-17")
    text = "\n".join(m.value for m in at.markdown)
    assert "### Darlington" in text and "Improvement notice" in text


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"colour": "purple"}, "is not a colouring of this map"),
        ({"view": "3d"}, "is not a view of this map"),
        ({"la": "E99999999"}, "not a known"),
    ],
)
def test_bad_map_parameters_fall_back_with_a_note(app, params, note):
    at = app(**params)
    assert any(note in w.value for w in at.warning)
    assert at.radio(key="map_colour").value == "intervention" and at.radio(key="map_view").value == "svg"


def test_play_starts_at_the_next_quarter_end(app):
    # The browser asks for each next frame (tests/test_browser_map_page.py plays to the end).
    at = app(as_at="2023-10-01")
    at.button(key="map_play").click().run()
    assert not at.exception
    assert at.date_input(key="filters_as_at").value == dt.date(2023, 12, 31)
    assert at.button(key="map_play").label == "Pause"


def test_tiles_are_used_without_boundary_files(monkeypatch, loaded_sqlite_url, tmp_path):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert any("Boundary files are not available" in i.value for i in at.info)
    assert _figure(at)["data"][0]["type"] == "scatter"


def test_webgl_view_draws_every_authority(app):
    at = app(as_at="2024-06-30", view="deck")
    decks = at.get("deck_gl_json_chart")
    assert decks, "no pydeck chart drawn"
    spec = json.loads(decks[-1].proto.json)
    layer = spec["layers"][0]
    assert layer["id"] == "authorities" and len(layer["data"]["features"]) == 153
    # No warning but the stale-data notice, which depends on the data's age (test_app_freshness).
    assert not [w.value for w in at.warning if not w.value.startswith(STALE_START)]


def test_a_corrected_publication_date_says_so_on_the_map(app):
    """Nottingham's report is dated 5 November 2022 (a Saturday) in two releases; the erratum's
    5 September 2022 stands, and the map's words for it say the date was corrected."""
    markup = _svg(app(as_at="2022-12-01", region="E12000004"))
    label = next(part for part in markup.split('aria-label="')[1:] if part.startswith("Nottingham:"))
    assert "published 5 September 2022, date corrected" in label.split('"')[0]


def test_a_corrected_date_says_so_in_the_slide_table():
    import pandas as pd

    from oversight.components.figures.map_data import slide_table

    frame = pd.DataFrame(
        {
            "name": ["Nottingham", "Derby"],
            "level": ["improvement_notice", "none"],
            "since": [None, None],
            "judgement_words": ["Inadequate", "Good"],
            "published": [dt.date(2022, 9, 5), dt.date(2023, 1, 9)],
            "date_corrected": [True, False],
        }
    )
    table = slide_table(frame).set_index("Authority")
    assert table.loc["Nottingham", "Published"] == "5 September 2022 (corrected)"
    assert table.loc["Derby", "Published"] == "9 January 2023"


def test_preparing_the_default_map_as_images_keeps_the_page(app):
    """Issue 22: the default (SVG) view's download button once reused the map component's key,
    and "Prepare the map as PNG and SVG" replaced the page with a red box."""
    at = app()
    at.button(key="map_export_prepare").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.proto.label for b in at.get("download_button")]
    assert "PNG" in labels and "SVG" in labels
    assert _svg(at)  # the map is still drawn beside its table
    assert any("Intervention level" in d.value.columns for d in at.dataframe)
