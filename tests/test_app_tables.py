"""Issue 22 item 6 on the map, Tracker and Data & sources pages: every table shows
an empty cell as "—" (Streamlit's "None" read as a value), and Data & sources' latest judgements
put the judgement and its date beside the name."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def open_page(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(page: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


@pytest.mark.parametrize(
    "page", ["pages/tracker_page.py", "pages/data_sources.py", "pages/intervention_map.py"]
)
def test_every_table_shows_an_empty_cell_as_a_dash(open_page, page):
    at = open_page(page)
    assert at.dataframe and all(d.proto.placeholder == "—" for d in at.dataframe)


def test_the_tracker_lists_an_import_without_an_authority_as_empty(open_page):
    at = open_page("pages/tracker_page.py")
    recent = next(d.value for d in at.dataframe if "Approved by" in d.value.columns)
    imports = recent[recent["By"] == "Import"]
    assert len(imports) and imports["Authority"].isna().all()  # drawn as "—", not a blank


def test_latest_judgements_lead_with_the_judgement(open_page):
    at = open_page("pages/data_sources.py")
    table = next(d for d in at.dataframe if "Latest judgement" in d.value.columns)
    assert list(table.proto.column_order)[:3] == ["Authority", "Latest judgement", "Published"]
    assert set(table.proto.column_order) == set(table.value.columns)  # nothing left out
