"""Freshness on every page (issue 14, item 6), without a browser: the sidebar of every page and the
presentation say the newest publication date in the data and its source; when that is more than six
months before today a visible notice says the data is stale and how to refresh it. "Today" is
injected (``widgets.freshness.today``), so these tests do not age."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.freshness import STALE_START, freshness_line
from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import freshness
from oversight.data import bootstrap
from oversight.data.store import queries
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGES = [
    "ui/intervention_map.py",
    "ui/authority_page.py",
    "ui/exit_page.py",
    "ui/changes_page.py",
    "ui/data_sources.py",
    "ui/user_guide.py",
    "ui/accessibility_statement.py",
]


@pytest.fixture(scope="module")
def newest(loaded_sqlite_url):
    pub = queries.newest_publication(bootstrap.ready_engine(loaded_sqlite_url), dt.date.today())
    assert pub is not None
    return pub


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
def test_every_page_says_the_newest_publication_and_its_source(app, newest, page):
    at = app(newest.published + dt.timedelta(days=30), page)
    line = freshness_line(newest, escape=markdown) + "."
    assert line in [c.value for c in at.sidebar.caption]
    assert line.startswith(f"Newest publication in the data: {newest.published.day} ")
    assert markdown(newest.title) in line
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


def test_presentation_has_the_line_and_the_notice(app, newest):
    line = freshness_line(newest, escape=markdown) + "."
    fresh = app(newest.published + dt.timedelta(days=30), present="1")
    assert not fresh.sidebar.caption  # no sidebar in presentation mode
    assert line in [c.value for c in fresh.caption]
    assert not _stale(fresh)
    for step in ("1", "2", "3", "4"):  # map, what changed, authorities, time to exit
        stale = app(newest.published + dt.timedelta(days=400), present="1", step=step)
        assert line in [c.value for c in stale.caption] and len(_stale(stale)) == 1
