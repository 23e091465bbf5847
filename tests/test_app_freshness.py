"""Freshness on every page (issue 14, item 6; issue 22, item 2), without a browser: the sidebar of
every page and the presentation say how far each layer runs (judgements, interventions, visits) and
its source; when the judgements are more than six months before today a visible notice says the
data is stale and who can refresh it; the default date is today, and the map dated after a layer's
end says so in one line under its heading. "Today" is injected (``widgets.freshness.today``), so
these tests do not age."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.freshness import AFTER_END, STALE_START, after_end_note, layers_line
from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import freshness
from oversight.components.widgets.filters import KEY_AS_AT
from oversight.data import bootstrap
from oversight.data.store.layers import layer_ends
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = [
    "pages/intervention_map.py",
    "pages/authority_page.py",
    "pages/exit_page.py",
    "pages/changes_page.py",
    "pages/data_sources.py",
    "pages/user_guide.py",
    "pages/accessibility_statement.py",
]


@pytest.fixture(scope="module")
def engine(loaded_sqlite_url):
    return bootstrap.ready_engine(loaded_sqlite_url)


@pytest.fixture(scope="module")
def newest(engine):
    """The newest judgement (the stale notice's date)."""
    pub = layer_ends(engine, dt.date.today()).judgements
    assert pub is not None
    return pub


def _line(engine, day: dt.date) -> str:
    return layers_line(layer_ends(engine, day), escape=markdown) + "."


@pytest.fixture
def app(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(today: dt.date, page: str | None = None, **params: str) -> AppTest:
        monkeypatch.setattr(freshness, "today", lambda: today)
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _stale(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith(STALE_START)]


@pytest.mark.parametrize("page", [None, *PAGES])
def test_every_page_says_how_far_each_layer_runs_and_its_source(app, engine, newest, page):
    today = newest.published + dt.timedelta(days=30)
    at = app(today, page)
    line = _line(engine, today)
    assert line in [c.value for c in at.sidebar.caption]
    assert line.startswith(f"Judgements to {newest.published.day} ")
    assert "; interventions recorded to " in line and "; visits to " in line
    assert markdown(newest.title) in line
    assert "Newest publication" not in line
    assert not _stale(at)


@pytest.mark.parametrize("page", [None, *PAGES])
def test_every_page_warns_when_the_data_is_over_six_months_old(app, newest, page):
    today = newest.published + dt.timedelta(days=200)
    at = app(today, page)
    (notice,) = _stale(at)
    assert f"more than 6 months before today ({today.day} {today:%B %Y})" in notice
    assert notice.endswith("Whoever runs this service can bring it up to date.")  # no command for the public
    assert "oversight" not in notice and "README" not in notice
    (warning,) = [w for w in at.warning if w.value == notice]
    assert warning.icon == ":material/update:"
    assert notice not in [w.value for w in at.sidebar.warning]  # on the page itself, not in the sidebar


def test_six_months_to_the_day_is_not_yet_stale(app, newest):
    day = newest.published
    six_months_later = dt.date(day.year + (day.month + 5) // 12, (day.month + 5) % 12 + 1, min(day.day, 28))
    assert not _stale(app(six_months_later))


def test_presentation_has_the_line_the_note_and_the_notice(app, engine, newest):
    today = newest.published + dt.timedelta(days=30)
    fresh = app(today, present="1")
    assert not fresh.sidebar.caption  # no sidebar in presentation mode
    captions = [c.value for c in fresh.caption]
    assert _line(engine, today) in captions
    # Dated today by default: the layers that end over a month before it are named.
    note = after_end_note(layer_ends(engine, today), today)
    assert note and any(note in c for c in captions)
    assert not _stale(fresh)
    later = newest.published + dt.timedelta(days=400)
    for step in ("1", "2", "3", "4"):  # map, what changed, authorities, time to exit
        stale = app(later, present="1", step=step)
        assert _line(engine, later) in [c.value for c in stale.caption] and len(_stale(stale)) == 1


# The default date is today (issue 22) -----------------------------------------------------------
TODAY = dt.date(2026, 12, 7)


def test_the_default_date_is_today_not_the_newest_judgement(app, newest):
    at = app(TODAY)
    assert newest.published < TODAY
    assert at.session_state[KEY_AS_AT] == TODAY
    assert any(f"As at {TODAY.day} December 2026" in c.value for c in at.caption)


def test_the_map_says_which_layers_end_before_its_date(app, engine):
    at = app(TODAY)
    note = after_end_note(layer_ends(engine, TODAY), TODAY)
    assert note.startswith("No judgements recorded after ") and note.endswith(AFTER_END)
    notes = [c.value for c in at.caption if AFTER_END in c.value]
    assert notes == [f":material/history: {note}"]  # once, one line
    # Dated within every layer: no note.
    ends = layer_ends(engine, TODAY)
    inside = min(e.published for e in (ends.judgements, ends.interventions, ends.visits))
    quiet = app(TODAY, as_at=inside.isoformat())
    assert not [c.value for c in quiet.caption if AFTER_END in c.value]
