"""The map page's controls without a browser (issue 22, item 9): play through time in step with
its heading, counts and table, in the view the person chose, with pause and a scrubber; the
council search atop the map page and in every page's sidebar; the table's printable twin."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.widgets.page_style import APP_PATHS
from tests.conftest import ROOT
from tests.router_pages import URL_PATHS

APP = str(ROOT / "app.py")
LATEST = dt.date(2025, 5, 14)  # the newest publication in the shared releases


@pytest.fixture
def app(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("OVERSIGHT_PLAY_DELAY", "0")

    def make(page: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=240)
        for key, value in params.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _heading(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("#### "))


def _svg(at: AppTest) -> str:
    components = [c for c in at.get("bidi_component") if "data-la=" in c.proto.json]
    assert components, "no SVG map drawn"
    return json.loads(components[0].proto.json)


def _grid(at: AppTest):
    return next(d.value for d in at.dataframe if "Intervention level" in d.value.columns)


def _shows(at: AppTest, day: dt.date, words: str) -> None:
    """Heading, counts' caption, SVG map, table, sidebar date and link all say the same date."""
    assert at.date_input(key="filters_as_at").value == day
    assert at.query_params["as_at"] in (day.isoformat(), [day.isoformat()])
    assert _heading(at) == f"#### Intervention level, England, as at {words}"
    assert f"Intervention level, England, as at {words}" in _svg(at)
    assert any(c.value.startswith(f"As at {words} · ") for c in at.caption)
    printed = at.table[0].value
    assert len(printed) == len(_grid(at))  # the printable twin holds every row of the grid


def test_play_pause_resume_and_the_scrubber_keep_the_page_in_step(app):
    at = app(as_at="2023-10-01")
    assert at.button(key="map_play").label == "Play through time"
    assert not at.get("select_slider")  # no scrubber until played
    at.button(key="map_play").click().run()
    assert not at.exception, [e.value for e in at.exception]
    _shows(at, dt.date(2023, 12, 31), "31 December 2023")  # the first frame, the whole page at it
    assert not at.get("plotly_chart")  # the SVG map, the view chosen: one map style while playing
    assert at.button(key="map_play").label == "Pause"
    scrubber = at.select_slider(key="map_scrub")
    assert scrubber.options[0] == "31 December 2023" and scrubber.options[-1] == "14 May 2025"
    assert scrubber.value == dt.date(2023, 12, 31)

    scrubber.set_value(dt.date(2024, 9, 30)).run()  # the scrubber shows that quarter, paused
    assert not at.exception, [e.value for e in at.exception]
    _shows(at, dt.date(2024, 9, 30), "30 September 2024")
    assert at.button(key="map_play").label == "Resume"

    at.button(key="map_play").click().run()  # resume where it is
    _shows(at, dt.date(2024, 9, 30), "30 September 2024")
    assert at.button(key="map_play").label == "Pause"
    at.button(key="map_play").click().run()  # pause
    assert at.button(key="map_play").label == "Resume"
    _shows(at, dt.date(2024, 9, 30), "30 September 2024")


def test_the_player_steps_a_frame_and_stops_at_the_last():
    from oversight.components.views.intervention_map import Player, quarter_ends

    player = Player(frames=quarter_ends(dt.date(2024, 10, 1), LATEST))
    assert player.frames == [dt.date(2024, 12, 31), dt.date(2025, 3, 31), LATEST]
    assert not player.at_end and player.day == dt.date(2024, 12, 31)
    player.index = 2
    assert player.at_end and player.day == LATEST


def test_play_keeps_the_chosen_view(app):
    at = app(as_at="2024-06-30", view="tiles")
    at.button(key="map_play").click().run()
    assert not at.exception, [e.value for e in at.exception]
    fig = json.loads(at.get("plotly_chart")[-1].proto.spec)
    assert fig["data"][0]["type"] == "scatter"  # still the tile map
    assert at.date_input(key="filters_as_at").value == dt.date(2024, 6, 30)  # a quarter end: frame one


def test_a_date_chosen_in_the_sidebar_closes_the_player(app):
    at = app(as_at="2024-06-30")
    at.button(key="map_play").click().run()
    at.date_input(key="filters_as_at").set_value(dt.date(2018, 5, 17)).run()
    assert not at.exception
    assert not at.get("select_slider")
    assert _heading(at) == "#### Intervention level, England, as at 17 May 2018"


def test_the_council_search_heads_the_map_page(app):
    at = app(as_at="2018-05-17")
    first = at.main.selectbox[0]
    assert first.label == "Find a council" and first.key == "map_la"
    assert "Find a council" in [s.label for s in at.sidebar.selectbox]
    first.set_value("E08000025").run()
    assert [t.value for t in at.title] == ["Birmingham"]


@pytest.mark.parametrize(
    ("page", "title"),
    [
        (None, "Intervention map"),
        ("pages/data_sources.py", "Data & sources"),
        ("pages/exit_page.py", "Time to exit"),
        ("pages/authority_page.py", "Authority"),
    ],
)
def test_the_sidebar_search_opens_the_council_from_every_page(app, page, title):
    at = app(page, as_at="2018-05-17", region="E12000005")
    assert at.title[0].value.startswith(title)
    box = at.selectbox(key="sidebar_find_council")
    assert box.label == "Find a council" and box.value is None
    box.set_value("E08000025").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Birmingham"]
    assert at.query_params["la"] in ("E08000025", ["E08000025"])
    assert at.query_params["as_at"] in ("2018-05-17", ["2018-05-17"])  # the view's date kept
    assert at.selectbox(key="sidebar_find_council").value is None  # empty for the next search


def test_the_dialog_script_knows_every_page_of_the_router():
    """``page_style`` closes a wrong "Page not found" only for the app's own url paths: the list
    must follow ``app.py`` (a page added there and not here would keep the wrong dialog)."""
    assert sorted(APP_PATHS) == sorted(URL_PATHS.values())
