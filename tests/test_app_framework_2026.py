"""The April 2026 framework in the app, without a browser, with the community scrape imported: the
judgement map's legend and table have "No overall grade (2026 framework)" and the area judgements;
Trafford (published 3 August 2026, help and protection inadequate) is worded as derived wherever it
appears; the authority page shows a post-reform inspection's four area judgements."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.map_data import AREAS_COLUMN
from oversight.data import bootstrap
from oversight.data.domain.framework import NO_OVERALL_GRADE
from oversight.data.sources.importer import import_paths
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
AS_AT = "2026-08-31"
NORTH_WEST = "E12000002"
DERIVED = "Inadequate — derived from area judgements; no overall grade since April 2026"


@pytest.fixture(scope="module")
def scraped_sqlite_url(tmp_path_factory, release_paths, data_dir) -> str:
    """A SQLite file with the releases, DfE's neighbours and the community scrape imported."""
    url = f"sqlite:///{tmp_path_factory.mktemp('scraped') / 'app.sqlite'}"
    paths = [
        *release_paths,
        data_dir / "reference" / "sn_model_2025_wide.csv",
        data_dir / "community" / "ofsted_csc_ilacs_history.csv",
    ]
    import_paths(bootstrap.ready_engine(url), paths)
    return url


@pytest.fixture
def app(monkeypatch, scraped_sqlite_url, data_dir):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", scraped_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))

    def make(page: str | None = None, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in params.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _svg(at: AppTest) -> str:
    return json.loads(at.get("bidi_component")[0].proto.json)


def _map_table(at: AppTest):
    return next(d.value for d in at.dataframe if "Intervention level" in d.value.columns)


def _texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_judgement_map_legend_has_no_overall_grade(app):
    at = app(as_at=AS_AT, colour="judgement")
    markup = _svg(at)
    assert f"{NO_OVERALL_GRADE} (10)</li>" in markup and "Inadequate (11)</li>" in markup
    # The derived one is its own hatched entry, and its shape is hatched.
    assert "Inadequate, derived from area judgements (1)</li>" in markup
    assert markup.count('fill="url(#oversight-derived-hatch)"') >= 1
    trafford = markup.split('data-la="E08000009" aria-label="')[1].split('"')[0]
    assert f"Latest judgement: {DERIVED} (published 3 August 2026)" in trafford
    assert (
        "Area judgements: Impact of leaders: Inadequate; Help and protection: Inadequate; Children in care: Good"
        in trafford
    )
    liverpool = markup.split('data-la="E08000012" aria-label="')[1].split('"')[0]
    assert "No overall grade, 2026 framework; 4 areas: " in liverpool
    assert "(published 7 July 2026). Area judgements:" in liverpool
    assert "estimated" not in markup
    # The counts beside the table, and the derived one said in words.
    text = _texts(at)
    assert f"{NO_OVERALL_GRADE}: **10**" in text
    assert "1 inadequate is derived from area judgements, hatched on the map" in text


def test_judgement_map_table_has_the_area_judgements(app):
    at = app(as_at=AS_AT, colour="judgement", region=NORTH_WEST)
    table = _map_table(at).set_index("Authority")
    assert table.loc["Trafford", "Latest judgement"] == DERIVED
    assert table.loc["Trafford", AREAS_COLUMN].startswith(
        "Impact of leaders: Inadequate; Help and protection"
    )
    for name in ("Liverpool", "Blackpool", "Lancashire"):
        # One legend entry for different councils: the table counts each one's areas.
        assert table.loc[name, "Latest judgement"].startswith(f"{NO_OVERALL_GRADE}; 4 areas: ")
        assert table.loc[name, AREAS_COLUMN].count(";") == 3  # all four areas
    assert table.loc["Manchester", AREAS_COLUMN] == ""  # inspected before the reform
    assert f"{NO_OVERALL_GRADE} (3)" in _svg(at)


def test_zoomable_map_hover_and_legend(app):
    at = app(as_at=AS_AT, colour="judgement", view="geo", region=NORTH_WEST)
    fig = json.loads(at.get("plotly_chart")[-1].proto.spec)
    names = [t["name"] for t in fig["data"] if t.get("showlegend")]
    assert f"{NO_OVERALL_GRADE} (3)" in names
    hovers = {row[0]: row[1] for t in fig["data"] for row in t.get("customdata", [])}
    assert "derived from area judgements;<br>no overall grade since April 2026" in hovers["E08000009"]
    assert "<br>· Care leavers: Requires improvement" in hovers["E08000012"]


def test_a_map_before_the_reform_is_unchanged(app):
    at = app(as_at="2024-06-30", colour="judgement")
    assert NO_OVERALL_GRADE not in _svg(at) and "Area judgements" not in _svg(at)
    assert AREAS_COLUMN not in _map_table(at).columns


def test_authority_page_shows_the_area_judgements(app):
    at = app("pages/authority_page.py", la="E08000009", as_at=AS_AT)
    text = _texts(at)
    assert f"**{DERIVED}**" in text.replace("\\", "")
    for area, grade in (
        ("Impact of leaders", "Inadequate"),
        ("Help and protection", "Inadequate"),
        ("Children in care", "Good"),
        ("Care leavers", "Requires improvement to be good"),
    ):
        assert f"- {area}: **{grade}**" in text
    assert "Since 1 April 2026 Ofsted gives no overall effectiveness grade" in text
    history = next(d.value for d in at.dataframe if "Detail" in d.value.columns)
    assert any(DERIVED in d and "Impact of leaders: Inadequate" in d for d in history["Detail"])
    names = {t.get("name") for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    assert "Inadequate" in names

    liverpool = app("pages/authority_page.py", la="E08000012", as_at=AS_AT)
    text = _texts(liverpool)
    assert f"**{NO_OVERALL_GRADE}**" in text.replace("\\", "")
    assert "- Care leavers: **Requires improvement to be good**" in text
    assert "**No intervention**" in text  # the no-overall-grade inspection ended the inadequate spell
    timeline = json.loads(liverpool.get("plotly_chart")[0].proto.spec)
    assert NO_OVERALL_GRADE in {t.get("name") for t in timeline["data"]}


def test_presentation_table_words_derived_and_gives_areas(app):
    at = app(present="1", as_at=AS_AT, region=NORTH_WEST, step="3")  # map, what changed, authorities
    cells = [c for t in at.table for c in t.value.to_numpy().ravel().tolist()]
    assert any("derived from area judgements" in str(c) for c in cells)
    assert any(c.value.startswith("Trafford \\(inadequate, derived\\)") for c in at.caption)


def test_traffords_clocks_are_judged_today_by_default(app, monkeypatch):
    """Issue 22: with no date in the link the page is dated today, so Trafford's action plan, due
    10 November 2026, is no longer "Ahead" on 6 December 2026 (it was, judged at 20 August)."""
    import datetime as dt

    from oversight.components.widgets import freshness

    today = dt.date(2026, 12, 6)
    monkeypatch.setattr(freshness, "today", lambda: today)
    at = app("pages/authority_page.py", la="E08000009")
    assert at.session_state["filters_as_at"] == today
    assert any("No judgements recorded after 20 August 2026" in c.value for c in at.caption)
    clocks = next(d.value for d in at.dataframe if "Expected" in d.value.columns)
    plan = clocks[clocks["Expected"].str.contains("action plan", case=False)].iloc[0]
    assert plan["Date"] == dt.date(2026, 11, 10)
    assert plan["Status"] != "Ahead" and not plan["Status"].startswith("Ahead")
    later = clocks[[d > today for d in clocks["Date"]]]
    assert all(s.startswith(("Due ", "From ")) for s in later["Status"]), list(later["Status"])
