"""What a run draws comes from one data version (``widgets.cache.unmoved``), on both backends.

An import that commits while a run draws would leave that page half old, half new (drill 4 of
issue 23, ``tests/test_deploy_drill_refresh.py``, saw it through the proxy); ``unmoved`` says so
at the run's end (``DataMoved``) and ``widgets.unavailable.guard`` draws the page again. Here the
import is a real one (a neighbours CSV) into a real database, during the block.
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


def test_a_run_with_no_import_meanwhile_ends_as_it_is(app_engine: Engine, data_dir: Path):
    import_paths(app_engine, [data_dir / NEIGHBOURS])  # before the run: its data, not a move
    with cache.unmoved():
        cache.data_version()


def test_an_import_committed_during_a_run_makes_it_draw_again(app_engine: Engine, data_dir: Path):
    with pytest.raises(cache.DataMoved), cache.unmoved():
        cache.data_version()
        import_paths(app_engine, [data_dir / NEIGHBOURS])  # committed before the run ends


def test_the_outer_run_decides_and_the_runs_own_errors_pass_unchanged(app_engine: Engine, data_dir: Path):
    inner_ended = []
    with pytest.raises(cache.DataMoved), cache.unmoved():
        with cache.unmoved():  # a guarded sidebar inside the guarded router: one run
            import_paths(app_engine, [data_dir / NEIGHBOURS])
        inner_ended.append(True)
    assert inner_ended
    with pytest.raises(ValueError), cache.unmoved():
        import_paths(app_engine, [data_dir / NEIGHBOURS_2021])  # the data moved, and then:
        raise ValueError("a bug stays a bug")
