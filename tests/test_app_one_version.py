"""A run draws its page from one data version (``widgets.cache.one_version``), on both backends.

An import that commits while a run draws would leave that page half old, half new (drill 4 of
issue 23, ``tests/test_deploy_drill_refresh.py``, saw it through the proxy); ``one_version`` says
so at the run's end (``DataMoved``) and ``widgets.unavailable.guard`` draws the page again. Here
the import is a real one (the 2025 neighbours CSV) into a real database, between the reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from oversight.components.widgets import cache
from oversight.data.sources.importer import import_paths

NEIGHBOURS = "reference/sn_model_2025_wide.csv"
NEIGHBOURS_2021 = "reference/New_Statistical_Neighbour_Groupings_April_2021.csv"


@pytest.fixture
def app_engine(fresh_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The app's cached engine on a fresh database (as ``OVERSIGHT_DATABASE_URL`` names it)."""
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    cache._engine.clear()
    yield cache.engine()
    cache._engine.clear()


def test_a_run_with_no_import_meanwhile_ends_as_it_is(app_engine: Engine):
    with cache.one_version():
        first = cache.data_version()
        assert cache.data_version() == first


def test_an_import_committed_during_a_run_makes_it_draw_again(app_engine: Engine, data_dir: Path):
    with pytest.raises(cache.DataMoved), cache.one_version():
        cache.data_version()
        import_paths(app_engine, [data_dir / NEIGHBOURS])  # committed before the run ends


def test_a_run_that_read_two_versions_draws_again(app_engine: Engine, data_dir: Path):
    with pytest.raises(cache.DataMoved), cache.one_version():
        cache.data_version()
        import_paths(app_engine, [data_dir / NEIGHBOURS])
        cache.data_version()  # the new one: this run has drawn from both


def test_a_run_that_read_no_data_is_not_checked(app_engine: Engine, data_dir: Path):
    with cache.one_version():
        import_paths(app_engine, [data_dir / NEIGHBOURS])


def test_the_outer_run_decides_and_the_runs_own_errors_pass_unchanged(app_engine: Engine, data_dir: Path):
    inner_ended = []
    with pytest.raises(cache.DataMoved), cache.one_version():
        with cache.one_version():  # a guarded sidebar inside the guarded router: one run
            cache.data_version()
            import_paths(app_engine, [data_dir / NEIGHBOURS])
        inner_ended.append(True)
    assert inner_ended
    with pytest.raises(ValueError), cache.one_version():
        cache.data_version()
        import_paths(app_engine, [data_dir / NEIGHBOURS_2021])  # the data moved, and then:
        raise ValueError("a bug stays a bug")
