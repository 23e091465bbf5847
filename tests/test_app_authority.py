"""The authority page without a browser: the story, the clocks, reorganisations, edge cases."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGE = "ui/authority_page.py"


@pytest.fixture
def open_page(monkeypatch, loaded_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(la: str, as_at: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params["la"] = la
        at.query_params["as_at"] = as_at
        at.switch_page(PAGE)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _text(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption] + [w.value for w in at.warning]
    )


def _timeline(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_darlington_in_its_spell_has_clocks(open_page):
    at = open_page("E06000005", "2017-06-30")
    assert [t.value for t in at.title] == ["Darlington"]
    text = _text(at)
    assert "Improvement notice" in text and "Inadequate" in text and "1 September 2015" in text
    assert "Improvement track" in text  # where it stands in the NAO flowchart
    clocks = next(d.value for d in at.dataframe if "Expected" in d.value.columns)
    assert "Action plan due (70 working days)" in set(clocks["Expected"])
    # Due in 2016, five years before Ofsted's lists of monitoring visits in the data start: the
    # table says the data could not show the visit, not that it is overdue.
    first = clocks[clocks["Expected"] == "First monitoring visit by"].iloc[0]["Status"]
    assert first == (
        "Not in the data: none in the tracker; Ofsted's lists of monitoring visits start on 20 April 2021"
    )
    names = {t.get("name") for t in _timeline(at)["data"]}
    assert "Inadequate" in names and "Expected (not a fact)" in names and "Monitoring visit" in names


def test_kirklees_story(open_page):
    at = open_page("E08000034", "2018-05-17")
    text = _text(at)
    assert "Alternative delivery" in text and "Direction track" in text
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    assert (history["What"] == "event").sum() >= 5


def test_birmingham_long_history(open_page):
    at = open_page("E08000025", "2024-06-30")
    assert "Good" in _text(at)
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    assert len(history) >= 8


def test_northamptonshire_and_its_successors_are_one_story(open_page):
    west = open_page("E06000062", "2024-06-30")
    history = next(d.value for d in west.dataframe if "Detail" in d.value.columns)
    assert {"Northamptonshire", "West Northamptonshire"} <= set(history["Authority"])
    assert "Created on 1 April 2021 from Northamptonshire" in _text(west)
    county = open_page("E10000021", "2024-06-30")
    assert "ceased on 31 March 2021" in _text(county)


def test_never_inspected_and_unknown(open_page):
    cumberland = open_page("E06000063", "2024-03-01")
    assert "Not yet inspected" in _text(cumberland)
    unknown = open_page("E99999999", "2024-03-01")
    assert "No authority has the code" in _text(unknown)


def test_statistical_neighbours_section(open_page):
    at = open_page("E06000005", "2024-06-30")
    table = next(d.value for d in at.dataframe if "Closeness" in d.value.columns)
    assert len(table) == 10 and table["Rank"].tolist() == list(range(1, 11))
    assert "DfE 2025 statistical neighbours" in _text(at)
    assert len(at.get("plotly_chart")) == 2  # the timeline and the neighbours' small multiple


def test_a_corrected_date_says_from_what_and_why(open_page):
    """Nottingham's inadequate report: 5 November 2022 in two releases, 5 September 2022 in fact
    (``data/seed/errata.csv``). The header, the history table and the timeline's hover say so."""
    at = open_page("E06000018", "2023-01-31")
    text = _text(at)
    assert "published 5 September 2022 (corrected: see the source)" in text
    assert "Source: Publication date corrected from 5 November 2022" in text
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    [row] = history[history["Detail"].str.contains("date corrected")].to_dict("records")
    assert row["Link"] == "https://files.ofsted.gov.uk/v1/file/50192198"
    assert row["Source"].startswith("Publication date corrected from 5 November 2022")
    hover = json.dumps(_timeline(at))
    assert "Published 5 September 2022 (corrected)" in hover
    assert "Source: Publication date corrected from 5 November 2022" in hover


def test_a_fact_with_two_sources_lists_both(open_page):
    """Bournemouth, Christchurch and Poole's April 2022 direction has two press sources in the
    seed (LocalGov, and the Bournemouth Echo's report of the adviser): the history table, the
    timeline's hover and the fact's history list both."""
    localgov = "Government intervenes over council's 'inadequate' children's services"
    echo = "First report of BCP Council children's services advisor"
    at = open_page("E06000058", "2023-01-31")
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    [row] = history[history["What"] == "intervention"].to_dict("records")
    assert row["Source"] == f"{localgov}; {echo}"
    assert row["Link"].startswith("https://www.localgov.co.uk/")
    hover = json.dumps(_timeline(at))
    assert "Source: Government intervenes over council" in hover
    assert "<br>Also: First report of BCP Council children" in hover

    ref = next(o for o in at.selectbox(key="authority_fact_history").options if "irection" in o)
    at.selectbox(key="authority_fact_history").set_value(ref).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "Sources of this fact:" for m in at.markdown)
    listed = next(m.value for m in at.markdown if m.value.startswith("- ") and "BCP Council" in m.value)
    assert listed.count("\n- ") == 1 and "LocalGov" in listed
    buttons = {b.proto.url for b in at.get("link_button")}
    assert any(u.startswith("https://bournemouthecho.co.uk/") for u in buttons)
    assert any(u.startswith("https://www.localgov.co.uk/") for u in buttons)
