"""The time-to-exit page without a browser: every split, filters, an empty selection."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from oversight.data.domain import pathways
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def exit_page(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(**params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page("ui/exit_page.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


@pytest.mark.parametrize("split", ["none", "framework", "region", "level_reached", "era"])
def test_every_split_draws_curves_and_says_whether_it_matters(exit_page, split):
    at = exit_page()
    at.selectbox(key="exit_split").set_value(split).run()
    assert not at.exception
    km = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert km["data"] and all(t["type"] == "scatter" for t in km["data"])
    text = "\n".join(m.value for m in at.markdown)
    assert "Median time to exit: 38.7 months" in text
    assert "log-rank" in text or "Only one group" in text
    assert "censored" in text


def test_swimmer_and_table_list_every_spell(exit_page):
    at = exit_page()
    table = next(d.value for d in at.dataframe if "Exit grade" in d.value.columns)
    assert len(table) == 66 and table["Open"].sum() == 20
    swimmer = next(f for f in _figures(at) if any(t["type"] == "bar" for t in f["data"]))
    assert sum(len(t["y"]) for t in swimmer["data"] if t["type"] == "bar") == 66


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_pathways_sankey_and_table_count_every_spell(exit_page):
    at = exit_page()
    sankey = next(f for f in _figures(at) if f["data"][0]["type"] == "sankey")["data"][0]
    labels = sankey["node"]["label"]
    into_next = {}
    for s, t, v in zip(
        sankey["link"]["source"], sankey["link"]["target"], sankey["link"]["value"], strict=True
    ):
        if labels[s].split(" (")[0] in pathways.TRACKS.values():
            into_next[labels[t]] = into_next.get(labels[t], 0) + v
    # Every spell reaches the third stage exactly once, and nodes carry their counts as text.
    assert sum(into_next.values()) == 66
    assert all(label.endswith(f"({n})") for label, n in into_next.items())
    assert "Not yet re-inspected (" in " ".join(labels)
    counts = next(d.value for d in at.dataframe if list(d.value.columns) == ["Stage", "Node", "Spells"])
    assert counts.groupby("Stage")["Spells"].sum().eq(66).all()
    assert "spells went" in sankey_title(at)


def sankey_title(at: AppTest) -> str:
    return next(f for f in _figures(at) if f["data"][0]["type"] == "sankey")["layout"]["title"]["text"]


def test_empty_selection_gives_a_clear_message(exit_page):
    at = exit_page(region="E12000009")
    at.selectbox(key="exit_framework").set_value("sif").run()
    at.slider(key="exit_years").set_value((2023, 2023)).run()
    assert not at.exception
    assert any("No inadequate spells match" in i.value for i in at.info)
