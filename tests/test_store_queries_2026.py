"""The queries behind the April 2026 framework's display and the freshness line, on SQLite and
PostgreSQL: ``latest_judgements`` gives each latest inspection's area judgements and whether it is
post-reform; ``newest_publication`` gives the newest publication date among the facts (estimated
ones excluded) with its source; the levels see a post-reform "no overall grade" as the end of an
inadequate spell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oversight.data import bootstrap
from oversight.data.domain import vocab
from oversight.data.sources.importer import import_paths
from oversight.data.store import queries, story
from tests.conftest import BACKENDS, _new_url

D = dt.date.fromisoformat
SCRAPE_TITLE = "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool"
TRAFFORD, LIVERPOOL, DARLINGTON = "E08000009", "E08000012", "E06000005"


@pytest.fixture(scope="module", params=BACKENDS)
def scraped(request, tmp_path_factory, release_paths, data_dir: Path):
    """The shared releases and the community scrape, imported once per backend (read only)."""
    url = _new_url(request.param, request, tmp_path_factory.mktemp("scraped"))
    engine = bootstrap.ready_engine(url)
    import_paths(engine, [*release_paths, data_dir / "community" / "ofsted_csc_ilacs_history.csv"])
    yield engine
    bootstrap.forget(url)


def test_latest_judgements_give_post_reform_area_judgements(scraped):
    latest = queries.latest_judgements(scraped, D("2026-08-31")).set_index("code")
    trafford = latest.loc[TRAFFORD]
    assert trafford["judgement"] == vocab.INADEQUATE and bool(trafford["overall_derived"])
    assert bool(trafford["post_reform"])
    assert trafford["areas"] == {
        "care_leavers": vocab.RI,
        "children_in_care": vocab.GOOD,
        "help_protection": vocab.INADEQUATE,
        "impact_of_leaders": vocab.INADEQUATE,
    }
    liverpool = latest.loc[LIVERPOOL]
    assert liverpool["judgement"] is None and bool(liverpool["post_reform"])
    assert set(liverpool["areas"]) == {
        "impact_of_leaders",
        "help_protection",
        "children_in_care",
        "care_leavers",
    }
    assert int(latest["post_reform"].sum()) == 11  # snapshot: 10 no overall grade + 1 derived
    # Before the reform nothing is post-reform; area judgements are still given where stored.
    old = queries.latest_judgements(scraped, D("2024-03-31"))
    assert not old["post_reform"].any()
    assert old.set_index("code").loc[TRAFFORD, "areas"]  # ILACS 2023: its areas
    assert old["areas"].map(lambda a: isinstance(a, dict)).all()


def test_newest_publication_and_its_source(scraped):
    newest = queries.newest_publication(scraped, D("2026-12-01"))
    assert newest is not None
    assert newest.published == D("2026-08-20") and newest.title == SCRAPE_TITLE
    assert newest.kind == "community_scrape" and newest.url.startswith("https://files.ofsted.gov.uk/")
    # "Today" is a parameter: a later publication is not yet there.
    assert queries.newest_publication(scraped, D("2026-08-19")).published == D("2026-08-18")
    assert queries.newest_publication(scraped, D("1990-01-01")) is None


def test_levels_end_a_spell_at_a_post_reform_inspection_without_a_grade(scraped):
    levels = queries.intervention_levels(scraped, D("2026-08-31")).set_index("code")
    # Liverpool: inadequate May 2023, no overall grade July 2026 (no practice area inadequate).
    assert levels.loc[LIVERPOOL, "level"] == vocab.NO_INTERVENTION
    assert levels.loc[TRAFFORD, "level"] == vocab.INADEQUATE_NO_INTERVENTION  # derived inadequate
    before = queries.intervention_levels(scraped, D("2026-07-01")).set_index("code")
    assert before.loc[LIVERPOOL, "level"] == vocab.INADEQUATE_NO_INTERVENTION


TRACKER = (
    "record,authority_code,date,date_precision,published,kind,grade,title,source_url,source_title,"
    "source_publisher\n"
    # Known only by its inspection date: its publication date is estimated, and does not count.
    "inspection,{code},{inspected},day,,ilacs_standard,Good,Inspection,https://example.org/i,"
    "Inspection note,Tracker\n"
    "{visit}"
)
VISIT = (
    "visit,{code},{visited},day,{published},monitoring,,Monitoring visit,https://example.org/v,"
    "Monitoring visit letter,Ofsted\n"
)


def test_newest_publication_skips_estimated_dates_and_counts_visit_letters(fresh_engine, tmp_path):
    """Dates after everything else in the data (the seed, or a bundle), relative to the real today
    (a fact cannot be dated in the future); the freshness is then asked a year later."""
    real_today = dt.date.today()
    inspected, visited, published = (real_today - dt.timedelta(days=d) for d in (20, 15, 10))
    later = real_today + dt.timedelta(days=365)
    before = queries.newest_publication(fresh_engine, later)
    first = tmp_path / "estimated.csv"
    first.write_text(TRACKER.format(code=DARLINGTON, inspected=inspected, visit=""), encoding="utf-8")
    import_paths(fresh_engine, [first])
    (estimate,) = [
        f for f in story.authority_story(fresh_engine, DARLINGTON).own_facts if f.inspection_date == inspected
    ]
    assert estimate.publication_estimated and estimate.publication_date > published  # newer than the letter
    assert queries.newest_publication(fresh_engine, later) == before  # an estimate is not a publication
    second = tmp_path / "visit.csv"
    visit = VISIT.format(code=DARLINGTON, visited=visited, published=published)
    second.write_text(TRACKER.format(code=DARLINGTON, inspected=inspected, visit=visit), encoding="utf-8")
    import_paths(fresh_engine, [second])
    newest = queries.newest_publication(fresh_engine, later)
    assert newest.published == published and newest.title == "Monitoring visit letter"
    assert newest.publisher == "Ofsted"
