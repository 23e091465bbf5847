"""Issue 22, item 2 in real Chromium: the map opened with no date is dated today, the sidebar says how
far each layer runs with its source, and the line under the heading says which layers end before
today. The server runs on the real clock, so this test is about "today" on purpose."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.components.figures.freshness import after_end_note
from oversight.data import bootstrap
from oversight.data.store.layers import layer_ends

pytestmark = pytest.mark.browser


def test_the_map_today_says_which_layers_end_when(browser, server, loaded_sqlite_url, artifacts):
    today = dt.date.today()
    ends = layer_ends(bootstrap.ready_engine(loaded_sqlite_url), today)
    note = after_end_note(ends, today)
    assert note  # the shared releases end in 2025: every layer ends over a month before today
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server.base}/")
    page.get_by_role("heading", name="Intervention map").wait_for(timeout=60_000)
    page.get_by_text("later ones may be missing", exact=False).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "map_freshness_today.png"))
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    assert f"Judgements to {ends.judgements.published.day} {ends.judgements.published:%B %Y}" in sidebar
    assert "interventions recorded to" in sidebar and "visits to" in sidebar
    assert "Newest publication" not in sidebar
    main = page.locator("[data-testid='stMain']").inner_text()
    assert note in " ".join(main.split())
    # Under the heading, on the first screen.
    line = page.get_by_text("later ones may be missing", exact=False).first
    box = line.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720
    date_value = page.locator("[data-testid='stSidebar'] [data-testid='stDateInput'] input").input_value()
    assert date_value == today.strftime("%d/%m/%Y") or date_value == today.isoformat()
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_the_presentation_today_says_it_beside_the_map(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server.base}/?present=1")
    page.get_by_text("later ones may be missing", exact=False).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "present_map_today_1280x720.png"))
    note = page.get_by_text("later ones may be missing", exact=False).first
    box = note.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 720  # on the slide, no scrolling
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()
