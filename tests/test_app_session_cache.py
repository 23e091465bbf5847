"""Less work per session (issue 23 item 1): the data version is read once per run, what every
visitor of a view gets alike is cached per data version, and an import through another process
(here: another engine) still shows on the next rerun, cached figures and tables included."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import queries
from oversight.data.store.engine import make_engine
from tests import hostile_data as hd
from tests.conftest import ROOT
from tests.router_pages import switch_page

APP = str(ROOT / "app.py")
PAGES = {
    "map": (None, {}),
    "authority": ("pages/authority_page.py", {"la": "E08000025"}),
    "exit": ("pages/exit_page.py", {}),
}
DRILL = "Session cache drill: board met"


def _open(page: str | None, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    if page:
        switch_page(at, page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def counted(monkeypatch):
    """How many times the store's data version is read (the app's threads call the same module)."""
    calls: list[int] = []
    original = queries.data_version

    def counting(engine):
        calls.append(1)
        return original(engine)

    monkeypatch.setattr(queries, "data_version", counting)
    return calls


@pytest.mark.parametrize("name", list(PAGES))
def test_a_run_reads_the_data_version_once(name, counted, monkeypatch, loaded_sqlite_url):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    page, params = PAGES[name]
    # One read at the run's start, shared by every cached call, and one at its end: the check that
    # no import committed while the page was drawn (``cache.unmoved``). 16–17 before issue 23.
    at = _open(page, params)  # a new session (caches warm or not: the same reads either way)
    assert len(counted) == 2, f"{name}: {len(counted)} reads in the first run"
    counted.clear()
    at.run()
    assert not at.exception
    assert len(counted) == 2, f"{name}: {len(counted)} reads in a rerun"


def _charts(at: AppTest) -> list[str]:
    return [chart.proto.spec for chart in at.get("plotly_chart")]


@pytest.mark.parametrize("name", ["authority", "exit"])
def test_a_cached_chart_draws_alike_for_every_session(name, monkeypatch, loaded_sqlite_url):
    """The second session draws the first one's cached ``Chart``: the same figure, its title
    still above it and its margin trimmed once (a shared spec changed by a render would drift)."""
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    page, params = PAGES[name]
    first, second = _open(page, params), _open(page, params)
    assert _charts(first) and _charts(first) == _charts(second)
    for spec in map(json.loads, _charts(second)):
        assert not (spec["layout"].get("title") or {}).get("text"), "the title is above the chart"
    assert [h.value for h in first.markdown if h.value.startswith("#####")] == [
        h.value for h in second.markdown if h.value.startswith("#####")
    ]


def _history(at: AppTest):
    return next(d.value for d in at.dataframe if "Detail" in d.value.columns)


def test_an_import_through_another_engine_shows_on_the_next_rerun(empty_url, monkeypatch, tmp_path):
    """Another process's import moves the data version: the open session's next rerun shows the
    new fact in the (cached) history table and timeline, and so does a new session; on SQLite and
    PostgreSQL."""
    bootstrap.ready_engine(empty_url)
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", empty_url)
    page, _ = PAGES["authority"]
    at = _open(page, {"la": "E06000005", "as_at": "2024-06-30"})
    assert not _history(at)["Detail"].str.contains(DRILL, regex=False).any()
    before = queries.data_version(bootstrap.ready_engine(empty_url))

    row = {
        "record": "event",
        "authority_code": "E06000005",
        "date": "2024-03-01",
        "kind": "other",
        "title": DRILL,
        "source_url": "https://www.gov.uk/drill",
        "source_title": "A page",
    }
    other = make_engine(empty_url)  # another process's engine: nothing in this one's caches knows
    try:
        import_paths(other, [hd.write_tracker(tmp_path, [row], name="drill.csv")])
    finally:
        other.dispose()
    assert queries.data_version(bootstrap.ready_engine(empty_url)) > before

    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert _history(at)["Detail"].str.contains(DRILL, regex=False).any()
    assert any(DRILL in spec for spec in _charts(at)), "the cached timeline is drawn again"
    fresh = _open(page, {"la": "E06000005", "as_at": "2024-06-30"})
    assert _history(fresh)["Detail"].str.contains(DRILL, regex=False).any()
