"""The app without a browser (Streamlit AppTest): router, sidebar, URL state, Data & sources."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.freshness import STALE_START
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def app(monkeypatch, loaded_sqlite_url):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)

    def make(page: str = "ui/data_sources.py", **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _authorities(at: AppTest):
    """The authorities table (the one with a 'Latest judgement' column)."""
    return next(d.value for d in at.dataframe if "Latest judgement" in d.value.columns)


def _texts(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    )


def test_data_and_sources_renders_with_freshness_and_licences(app):
    at = app()
    text = _texts(at)
    assert "Data & sources" in text
    assert "Judgements published up to 14 May 2025" in text
    assert "Open Government Licence" in text and "Office for National Statistics" in text
    assert at.date_input(key="filters_as_at").value == dt.date(2025, 5, 14)
    assert at.selectbox(key="filters_region").value == "all"
    table = _authorities(at)
    assert len(table) == 153 and set(table.columns) >= {"Authority", "Latest judgement", "Published"}
    # No warning but the stale-data notice, which depends on the data's age (test_app_freshness).
    assert not [w.value for w in at.warning if not w.value.startswith(STALE_START)]


def test_url_parameters_set_the_view(app):
    at = app(region="E12000004", as_at="2018-05-17")
    assert at.selectbox(key="filters_region").value == "E12000004"
    assert at.date_input(key="filters_as_at").value == dt.date(2018, 5, 17)
    table = _authorities(at)
    assert len(table) == 9  # the East Midlands' upper-tier authorities in May 2018
    assert "as at 17 May 2018" in _texts(at) and "East Midlands" in _texts(at)


@pytest.mark.parametrize(
    ("params", "note"),
    [
        ({"region": "E99"}, "not an English region code"),
        ({"as_at": "17/05/2018"}, "is not a date"),
        ({"as_at": "1999-01-01"}, "outside the data"),
    ],
)
def test_bad_url_parameters_fall_back_with_a_visible_note(app, params, note):
    at = app(**params)
    assert any(note in w.value for w in at.warning)
    assert at.selectbox(key="filters_region").value == "all"


def test_changing_the_filters_updates_the_table_and_the_url(app):
    at = app()
    at.selectbox(key="filters_region").set_value("E12000007").run()
    assert len(_authorities(at)) == 33
    assert at.query_params["region"] == ["E12000007"] or at.query_params["region"] == "E12000007"
    at.date_input(key="filters_as_at").set_value(dt.date(2017, 12, 8)).run()
    table = _authorities(at)
    assert (table["Latest judgement"] == "Inadequate").sum() >= 1
    assert "as at 8 December 2017" in _texts(at)


def test_empty_database_still_renders(monkeypatch, tmp_path):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception  # the map page, on the seed tracker alone
    at.switch_page("ui/data_sources.py").run()
    assert not at.exception
    assert "only the built-in seed tracker is loaded" in _texts(at)
