"""The time-to-exit page without a browser: every split, filters, an empty selection."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.safe_text import markdown
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
        at.switch_page("pages/exit_page.py")
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
    # Northamptonshire's spell ended with the council (2021): not open, its exit "Council ceased".
    assert len(table) == 66 and table["Open"].sum() == 19
    northants = table[table["Authority"] == "Northamptonshire"].iloc[-1]
    assert northants["Exit grade"] == "Council ceased" and not northants["Open"]
    headline = next(m.value for m in at.markdown if "Median time to exit" in m.value)
    assert "19 still open, 1 ended when the council ceased" in headline
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
    """The Sankey's title as the page shows it: a heading above the chart, which wraps (plotly's
    one-line title ran off a phone's screen); the chart itself draws none."""
    sankey = next(f for f in _figures(at) if f["data"][0]["type"] == "sankey")
    assert not (sankey["layout"].get("title") or {}).get("text")
    return next(m.value for m in at.markdown if m.value.startswith("##### Where "))


def test_empty_selection_gives_a_clear_message(exit_page):
    at = exit_page(region="E12000009")
    at.selectbox(key="exit_framework").set_value("sif").run()
    at.slider(key="exit_years").set_value((2023, 2023)).run()
    assert not at.exception
    assert any("No inadequate spells match" in i.value for i in at.info)


# the controls in the link (issue 22 item 9)


def _param(at: AppTest, key: str):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def _link_notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "The link's" in w.value]


def test_a_link_sets_the_controls(exit_page):
    at = exit_page(split="region", framework="ilacs", years="2016-2020")
    assert at.selectbox(key="exit_split").value == "region"
    assert at.selectbox(key="exit_framework").value == "ilacs"
    assert at.slider(key="exit_years").value == (2016, 2020)
    assert not _link_notes(at)
    table = next(d.value for d in at.dataframe if "Exit grade" in d.value.columns)
    assert set(table["Framework"]) == {"ILACS"}
    assert all(2016 <= d.year <= 2020 for d in table["Inadequate published"])
    # Birmingham's spell began in 2014 under the SIF: outside this selection, so none highlighted
    # and the link says so by leaving it out.
    at = exit_page(highlight="E08000025")
    assert at.selectbox(key="exit_highlight").value == "E08000025" and not _link_notes(at)
    assert _param(at, "highlight") == "E08000025"
    at.selectbox(key="exit_framework").set_value("ilacs").run()
    assert at.selectbox(key="exit_highlight").value == "" and _param(at, "highlight") is None


def test_changing_a_control_writes_the_link(exit_page):
    at = exit_page()
    assert _param(at, "split") is None and _param(at, "years") is None  # defaults stay out
    at.selectbox(key="exit_split").set_value("era").run()
    assert _param(at, "split") == "era"
    at.selectbox(key="exit_framework").set_value("sif").run()
    at.slider(key="exit_years").set_value((2015, 2019)).run()
    assert not at.exception
    assert _param(at, "framework") == "sif" and _param(at, "years") == "2015-2019"
    at.selectbox(key="exit_split").set_value("none").run()
    assert _param(at, "split") is None and _param(at, "framework") == "sif"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"split": "colour"}, "The link's split 'colour' is not a split of this chart; showing no split."),
        ({"framework": "[x](http://e.invalid)"}, "is not one of all, sif or ilacs; showing all."),
        ({"years": "2020-2010"}, "are not a span of years from"),
        ({"years": "soon"}, "'soon'"),
        ({"highlight": "E99999999"}, "has no inadequate spell in the data; none highlighted."),
    ],
)
def test_a_bad_link_value_falls_back_with_a_note(exit_page, params, words):
    at = exit_page(**params)
    notes = " ".join(_link_notes(at))
    assert words in notes.replace("\\", ""), notes
    assert at.selectbox(key="exit_split").value == "none" or "split" not in params
    assert "](http" not in notes  # quoted as text, never a link


def test_every_table_shows_what_matters_first_and_a_dash_when_empty(exit_page):
    """Issue 22 item 6: at 1,280 px the pathways' count and the spells' dates and grades are in
    sight; an empty cell is "—", not "None"."""
    at = exit_page()
    assert len(at.dataframe) == 3 and all(d.proto.placeholder == "—" for d in at.dataframe)
    counts = next(d for d in at.dataframe if list(d.value.columns) == ["Stage", "Node", "Spells"])
    assert list(counts.proto.column_order) == ["Node", "Spells", "Stage"]
    spells = next(d for d in at.dataframe if "Exit grade" in d.value.columns)
    assert list(spells.proto.column_order)[:4] == [
        "Authority",
        "Inadequate published",
        "Months",
        "Exit grade",
    ]
    assert list(spells.proto.column_order)[-1] == "ONS code"
    assert spells.value["Exit published"].isna().sum() == 20  # the open spells: "—"


def test_on_a_phone_the_pathways_are_a_list_with_the_chart_numbers(exit_page):
    """Both are drawn; the page's media query shows the list under 640 px and the Sankey above."""
    at = exit_page()
    lines = next(m.value for m in at.markdown if m.value.startswith("- **Inadequate judgement**"))
    assert "- **Intervention track reached**" in lines and "- **Next full judgement**" in lines
    counts = next(d.value for d in at.dataframe if list(d.value.columns) == ["Stage", "Node", "Spells"])
    for node, n in zip(counts["Node"], counts["Spells"], strict=True):
        assert f"{markdown(node)}: **{n}**" in lines, node
    styles = " ".join(h.proto.body for h in at.get("html"))
    assert ".st-key-exit_pathways_wide" in styles and ".st-key-exit_pathways_narrow" in styles
