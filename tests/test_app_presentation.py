"""Presentation mode without a browser: steps, arrow-key buttons, bad parameters, leaving."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def present(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["present"] = "1"
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_steps_map_changes_authorities_exit(present):
    at = present(region="E12000003", as_at="2018-05-17")
    assert _titles(at) == ["Intervention level, Yorkshire and The Humber"]
    assert not at.sidebar.selectbox  # no sidebar controls
    markup = _map(at)
    # The map sized to the screen by its CSS (wide layout), each authority of the region a link.
    assert "--aspect:" in markup and markup.count("data-la=") == 15
    assert "**2** · Alternative delivery" in " ".join(m.value for m in at.markdown)
    assert at.button(key="present_prev").disabled
    at.button(key="present_next").click().run()
    assert _titles(at) == ["Since the last meeting: 22 March 2018 to 17 May 2018"]
    at.button(key="present_next").click().run()
    assert _titles(at) == ["Authorities in intervention, Yorkshire and The Humber"]
    table = at.table[0].value
    assert {"Doncaster", "Kirklees", "Rotherham"} <= set(table.index)
    at.button(key="present_next").click().run()
    assert _titles(at) == ["Time to exit from inadequate"]
    assert at.button(key="present_next").disabled
    assert at.query_params["step"] in ("4", ["4"])
    at.button(key="present_prev").click().run()
    assert _titles(at)[0].startswith("Authorities")


def _map(at: AppTest) -> str:
    components = at.get("bidi_component")
    assert components, "no map drawn"
    return json.loads(components[0].proto.json)


def test_england_map_has_london_beside_it(present):
    markup = _map(present(as_at="2018-05-17"))
    assert markup.count("data-la=") == 152 and "London</text>" in markup and '<g class="leader"' in markup


def test_the_digest_step_takes_the_window_from_the_link(present):
    at = present(region="E12000005", as_at="2018-05-17", since="2018-01-01", step="2")
    assert _titles(at) == ["Since the last meeting: 1 January 2018 to 17 May 2018"]
    assert {"Birmingham", "Sandwell"} <= set(at.table[0].value["Authority"])


def test_authority_link_adds_a_timeline_step(present):
    at = present(la="E08000034", region="E12000003", as_at="2018-05-17", step="4")
    assert _titles(at) == ["Kirklees: timeline"]
    assert "4 of 5" in " ".join(m.value for m in at.markdown)


def test_bad_parameters_fall_back_with_a_note(present):
    at = present(region="E99", as_at="not-a-date", la="ZZZ", step="99")
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert "Unknown authority code" in notes
    assert _titles(at) == ["Intervention level, England"]


def test_leave_returns_to_the_dashboard(present):
    at = present()
    at.button(key="present_leave").click().run()
    assert not at.exception
    assert "present" not in at.query_params
    assert at.sidebar.selectbox  # the sidebar is back


def test_england_authorities_table_is_one_slide_per_page(present):
    """Issue 22: England's 32 authorities were one table of 1,647 px on a 720 px screen; now a
    page of at most eight rows per slide, "1 of 4", stepped through with Next like any slide."""
    at = present(as_at="2018-05-17", step="3")
    seen = []
    for page in range(1, 5):
        assert _titles(at) == [f"Authorities in intervention, England ({page} of 4)"]
        trail = " ".join(m.value for m in at.markdown)
        assert f"{page + 2} of 7:" in trail and f"**Authorities ({page} of 4)**" in trail
        table = at.table[0].value
        assert 1 <= len(table) <= 8
        seen += list(table.index)
        at.button(key="present_next").click().run()
        assert not at.exception
    assert _titles(at) == ["Time to exit from inadequate"]
    assert len(seen) == len(set(seen)) == 32 and {"Birmingham", "Torbay", "Kirklees"} <= set(seen)
    at.button(key="present_prev").click().run()
    assert _titles(at) == ["Authorities in intervention, England (4 of 4)"]
    assert "…and 120 other authorities with no intervention." in " ".join(m.value for m in at.markdown)


def _spec(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "one chart on a chart slide"
    return json.loads(charts[0].proto.spec)


def test_chart_slides_have_projector_text(present):
    """Ticks, legend and every annotation at 16 px or more, no fixed height (the slide sizes the
    chart to the screen) and no title (the slide's heading is the title)."""
    for params in ({"step": "7"}, {"la": "E08000034", "region": "E12000003", "step": "4"}):
        at = present(as_at="2018-05-17", **params)
        layout = _spec(at)["layout"]
        assert layout["font"]["size"] >= 16 and layout["legend"]["font"]["size"] >= 16
        assert layout["xaxis"]["tickfont"]["size"] >= 16 and layout["yaxis"]["tickfont"]["size"] >= 16
        assert all(note["font"]["size"] >= 16 for note in layout.get("annotations", []))
        assert "height" not in layout and not layout.get("title", {}).get("text")


def _authorities(n: int, with_areas: set[int] = frozenset()) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [f"Council {i:02d}" for i in range(n)],
            "level": ["notice"] * n,
            "judgement_key": ["Inadequate"] * n,
            "areas_text": ["Impact of leaders: Inadequate" if i in with_areas else "" for i in range(n)],
        }
    )


def test_table_pages_hold_eight_rows_an_area_note_taking_room():
    from oversight.components.views.presentation import table_pages

    assert [len(p) for p in table_pages(_authorities(20))] == [8, 8, 4]
    assert [len(p) for p in table_pages(_authorities(8))] == [8]
    assert [len(p) for p in table_pages(_authorities(0))] == [0]  # one page that says none
    # Two notes on the first page (1.5 rows each): five rows and their notes fill it.
    pages = table_pages(_authorities(12, with_areas={0, 1}))
    assert [len(p) for p in pages] == [5, 7]
    assert sum(len(p) for p in pages) == 12


def test_the_digest_slide_shows_fewer_lines_when_they_are_long():
    from oversight.components.views.presentation import CHANGE_LINES, _fitting
    from oversight.data.domain.digest import ChangeLine, Digest, Group, Source

    def digest(words: str, n: int = 8) -> Digest:
        lines = tuple(
            ChangeLine(
                dt.date(2018, 5, 1), "judgement", None, i, f"E0{i}", f"Council {i}", "E12", words, Source("s")
            )
            for i in range(n)
        )
        return Digest(
            dt.date(2018, 1, 1), dt.date(2018, 5, 17), None, None, (Group("judgement", "J", lines),)
        )

    shown, left_out = _fitting(digest("Judged inadequate"))
    assert len(shown) == CHANGE_LINES and left_out == 3
    shown, left_out = _fitting(digest("Moved to alternative delivery: " + "a trust's long name " * 6))
    assert len(shown) < CHANGE_LINES and len(shown) + left_out == 8
