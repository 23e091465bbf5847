"""``changes_between``: the "what changed" digest read from the store, on SQLite and PostgreSQL.

The issue's cases: the West Midlands' two children's trusts of April 2018 from the seed tracker
(seed only, and with the releases); England since the April 2026 framework with the community
scrape; the statutory clocks after an inadequate report; the register's reorganisations of 2019
and 2023; and the time England 2013-2026 takes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from oversight.data import bootstrap
from oversight.data.curation import edits
from oversight.data.domain import clocks, digest, framework, vocab
from oversight.data.sources import bundle
from oversight.data.sources.importer import import_paths
from oversight.data.sources.seed import load_bundle
from oversight.data.store import changes, queries, story
from oversight.data.store.changes import changes_between, default_until
from tests import curation_support as cs
from tests.conftest import BACKENDS, _new_url

D = dt.date.fromisoformat
WEST_MIDLANDS = "E12000005"
TRAFFORD, SANDWELL = "E08000009", "E08000028"


def _trusts(d: digest.Digest) -> dict[str, digest.ChangeLine]:
    return {
        ln.name: ln
        for ln in d.lines
        if ln.kind in (digest.INTERVENTION_STARTED, digest.INTERVENTION_REVISED)
        and ln.after == vocab.LEVELS[vocab.ALTERNATIVE_DELIVERY]
    }


def test_west_midlands_trusts_of_april_2018_from_the_seed(fresh_engine):
    _check_west_midlands_trusts(fresh_engine)


def test_west_midlands_trusts_of_april_2018_with_the_releases(loaded_engine):
    d = _check_west_midlands_trusts(loaded_engine)
    (sandwell,) = [ln for ln in d.group(digest.JUDGEMENT).lines if ln.code == SANDWELL]
    assert sandwell.date == D("2018-01-29") and sandwell.words == "Judged inadequate (was inadequate)"


def _check_west_midlands_trusts(engine) -> digest.Digest:
    d = changes_between(engine, D("2018-01-01"), D("2018-05-17"), WEST_MIDLANDS)
    assert d.region == WEST_MIDLANDS and d.region_name == "West Midlands"
    assert all(ln.region_code == WEST_MIDLANDS for ln in d.lines)
    trusts = _trusts(d)
    assert set(trusts) == {"Birmingham", "Sandwell"}
    for name, line in trusts.items():
        assert line.date == D("2018-04-01")
        assert line.words.startswith(f"Moved to alternative delivery: {name} Children's Trust")
        assert line.source.title and line.source.url.startswith("https://")
    assert trusts["Sandwell"].code == SANDWELL
    assert all(ln.source.title for ln in d.lines)
    assert all(ln.source.url is None or ln.source.url.startswith(("http://", "https://")) for ln in d.lines)
    return d


def test_the_register_is_the_source_of_boundary_changes(fresh_engine):
    d = changes_between(fresh_engine, D("2019-03-01"), D("2019-04-30"))
    lines = {(ln.code, ln.subkind): ln for ln in d.group(digest.BOUNDARY).lines}
    assert set(lines) == {
        ("E06000058", digest.CREATED),  # Bournemouth, Christchurch and Poole
        ("E06000059", digest.CREATED),  # Dorset (unitary)
        ("E06000028", digest.CEASED),  # Bournemouth
        ("E06000029", digest.CEASED),  # Poole
        ("E10000009", digest.CEASED),  # Dorset (county)
    }
    assert all(ln.date == D("2019-04-01") for ln in lines.values())
    bcp = lines[("E06000058", digest.CREATED)]
    assert bcp.name == "Bournemouth, Christchurch and Poole"
    assert bcp.before == "E06000028, E06000029, E10000009" and bcp.after == "E06000058"
    assert "Dorset (E10000009)" in bcp.words
    assert lines[("E10000009", digest.CEASED)].after == "E06000058, E06000059"

    d = changes_between(fresh_engine, D("2023-03-01"), D("2023-04-30"))
    lines = {(ln.code, ln.subkind): ln for ln in d.group(digest.BOUNDARY).lines}
    assert set(lines) == {
        ("E06000063", digest.CREATED),  # Cumberland
        ("E06000064", digest.CREATED),  # Westmorland and Furness
        ("E10000006", digest.CEASED),  # Cumbria
        ("E06000065", digest.RECODED),  # North Yorkshire
        ("E06000066", digest.RECODED),  # Somerset
    }
    north_yorkshire = lines[("E06000065", digest.RECODED)]
    assert (north_yorkshire.before, north_yorkshire.after) == ("E10000023", "E06000065")
    assert north_yorkshire.name == "North Yorkshire" and north_yorkshire.date == D("2023-04-01")
    assert lines[("E10000006", digest.CEASED)].words.startswith(
        "Ceased to exist (last day 31 March 2023); split into Cumberland (E06000063) and "
        "Westmorland and Furness (E06000064)"
    )
    # One day outside the window: nothing.
    assert changes_between(fresh_engine, D("2023-04-02"), D("2023-04-30")).group(digest.BOUNDARY).count == 0


def test_clocks_after_an_inadequate_report_in_the_window(loaded_engine):
    # Sandwell, inadequate published 29 January 2018; no monitoring visit recorded before 2021.
    d = changes_between(loaded_engine, D("2018-01-01"), D("2018-06-30"), WEST_MIDLANDS, today=D("2026-12-01"))
    sandwell = {ln.subkind: ln for ln in d.group(digest.CLOCK).lines if ln.code == SANDWELL}
    due = clocks.deadlines(D("2018-01-29"))
    assert sandwell[digest.ACTION_PLAN_DUE].date == due.action_plan_due == D("2018-05-10")
    assert sandwell[digest.FIRST_VISIT_DUE].date == due.first_monitoring_visit_by == D("2018-06-07")
    # The releases list monitoring visits from April 2021: before, only the tracker could show one.
    assert sandwell[digest.FIRST_VISIT_DUE].words.endswith(
        "(none in the tracker; Ofsted's lists of monitoring visits in the data start on 20 April 2021)"
    )
    assert all(ln.estimated for ln in sandwell.values())


TRACKER = (
    "record,authority_code,date,date_precision,published,kind,grade,title,source_url,source_title,"
    "source_publisher\n"
    "inspection,E06000001,2022-03-21,day,2022-05-03,ilacs_standard,Inadequate,Inspection,"
    "https://example.org/i,Inspection report,Ofsted\n"
    "visit,{code},2022-09-01,day,2022-10-01,monitoring,,Monitoring visit,https://example.org/v,"
    "Monitoring visit letter,Ofsted\n"
)


@pytest.mark.parametrize("visited", [False, True])
def test_a_monitoring_visit_by_the_due_date_stops_its_clock(fresh_engine, tmp_path, visited):
    path = tmp_path / "tracker.csv"
    # Hartlepool's visit, or one to another authority (which stops nothing here).
    path.write_text(TRACKER.format(code="E06000001" if visited else "E06000002"), encoding="utf-8")
    import_paths(fresh_engine, [path])
    d = changes_between(fresh_engine, D("2022-05-01"), D("2022-12-31"), today=D("2026-12-01"))
    hartlepool = {ln.subkind: ln.date for ln in d.group(digest.CLOCK).lines if ln.code == "E06000001"}
    due = clocks.deadlines(D("2022-05-03"))
    assert hartlepool.get(digest.ACTION_PLAN_DUE) == due.action_plan_due
    assert hartlepool.get(digest.FIRST_VISIT_DUE) == (None if visited else due.first_monitoring_visit_by)
    (judged,) = [ln for ln in d.group(digest.JUDGEMENT).lines if ln.code == "E06000001"]
    assert judged.words == "Judged inadequate (first full inspection)"
    assert [ln.code for ln in d.group(digest.SPELL_STARTED).lines] == ["E06000001"]


@pytest.fixture(scope="module", params=BACKENDS)
def scraped(request, tmp_path_factory, release_paths, data_dir: Path):
    """The shared releases, then the community scrape, imported once per backend (read only)."""
    url = _new_url(request.param, request, tmp_path_factory.mktemp("changes"))
    engine = bootstrap.ready_engine(url)
    import_paths(engine, release_paths)
    import_paths(engine, [data_dir / "community" / "ofsted_csc_ilacs_history.csv"])
    yield engine
    bootstrap.forget(url)


def test_england_since_the_2026_framework(scraped):
    newest = queries.data_as_at(scraped)
    assert newest == D("2026-08-20")
    # The window ends today by default (issue 22), whatever the data's end.
    assert default_until(scraped, today=D("2026-12-07")) == D("2026-12-07")
    d = changes_between(scraped, D("2026-04-01"), None, today=D("2026-12-07"))
    assert d.until == D("2026-12-07") and d.newest_publication == newest
    assert d.newest_publication_source.url.startswith("https://files.ofsted.gov.uk/")
    judged = d.group(digest.JUDGEMENT).lines
    no_grade = [ln for ln in judged if ln.after == framework.NO_OVERALL_GRADE]
    assert len(no_grade) == 10
    assert all(ln.words.startswith("No overall grade (2026 framework; was ") for ln in no_grade)
    assert all(len(ln.areas) == 4 for ln in no_grade)  # the four area judgements
    (trafford,) = [ln for ln in judged if ln.code == TRAFFORD]
    assert trafford.date == D("2026-08-03")
    assert trafford.after == "Inadequate (derived from area judgements)" and trafford.before == vocab.RI
    assert (
        trafford.words
        == "Judged inadequate (derived from area judgements; was requires improvement to be good)"
    )
    assert trafford.derived and not trafford.estimated  # a rule on published judgements, not an estimate
    assert dict(trafford.areas)["help_protection"] == vocab.INADEQUATE
    assert trafford.source.url.startswith("https://files.ofsted.gov.uk/")
    (spell,) = [ln for ln in d.group(digest.SPELL_STARTED).lines if ln.code == TRAFFORD]
    assert spell.date == D("2026-08-03")
    # Liverpool's spell ended with its post-reform report (no practice judgement inadequate).
    ended = {ln.name: ln for ln in d.group(digest.SPELL_ENDED).lines}
    assert ended["Liverpool"].after == framework.NO_OVERALL_GRADE and ended["Liverpool"].months > 30
    # Pre-reform inspections published after 1 April keep their grade.
    assert any(ln.after == vocab.OUTSTANDING for ln in judged)
    assert d.as_dict()["counts"][digest.JUDGEMENT] == len(judged)


def test_england_2013_to_2026_whole_history(scraped):
    """The widest window (its speed is measured in benchmarks/changes.py, not asserted here)."""
    d = changes_between(scraped, D("2013-01-01"), None, today=D("2026-12-07"))
    assert d.until == D("2026-12-07") and d.total > 1000 and d.group(digest.JUDGEMENT).count > 450


def test_until_before_since_is_refused(fresh_engine):
    with pytest.raises(ValueError, match="before its start"):
        changes_between(fresh_engine, D("2020-01-02"), D("2020-01-01"))


# Newly recorded (issue 21 item 5) ---------------------------------------------------------------
KNOWSLEY = "E08000011"
KNOWSLEY_NOTICE = (
    "record,authority_code,date,date_precision,level,title,source_url,source_title,source_publisher\n"
    "intervention,E08000011,2025-04-15,day,improvement_notice,Improvement notice,"
    "https://www.gov.uk/government/publications/knowsley-improvement-notice,"
    "Knowsley: improvement notice,Department for Education\n"
)


def _newly(d: digest.Digest) -> list[digest.ChangeLine]:
    return list(d.group(digest.NEWLY_RECORDED).lines)


def test_the_starting_record_is_not_news(fresh_engine):
    """The register and the seed tracker were recorded today too: they are not listed."""
    today = dt.date.today()
    d = changes_between(fresh_engine, today - dt.timedelta(days=1))
    assert d.until == today and d.recorded_until == today
    assert _newly(d) == []


def test_the_data_bundle_is_the_starting_record_too(fresh_engine):
    """A fresh clone loads the bundle on first use: its hundreds of facts are not news."""
    load_bundle(fresh_engine)
    assert changes.FROM_BUNDLE == bundle.FROM_BUNDLE  # how the store knows a bundle run
    d = changes_between(fresh_engine, dt.date.today() - dt.timedelta(days=1))
    assert _newly(d) == [] and d.recorded_until == dt.date.today()


def test_a_notice_imported_today_with_an_old_date_is_newly_recorded(fresh_engine, tmp_path):
    path = tmp_path / "knowsley.csv"
    path.write_text(KNOWSLEY_NOTICE, encoding="utf-8")
    import_paths(fresh_engine, [path])
    today = dt.date.today()
    (line,) = _newly(changes_between(fresh_engine, today - dt.timedelta(days=1)))
    assert (line.date, line.dated, line.code, line.subkind) == (
        today,
        D("2025-04-15"),
        KNOWSLEY,
        "intervention",
    )
    assert line.words == (
        "Newly recorded: improvement notice, dated 15 April 2025 (imported from knowsley.csv)"
    )
    assert line.source.title == "Knowsley: improvement notice"
    assert line.source.url == "https://www.gov.uk/government/publications/knowsley-improvement-notice"
    assert line.as_dict()["dated"] == "2025-04-15"
    # Another region's digest leaves it out; the North West's has it.
    assert _newly(changes_between(fresh_engine, today - dt.timedelta(days=1), region=WEST_MIDLANDS)) == []
    assert len(_newly(changes_between(fresh_engine, today - dt.timedelta(days=1), region="E12000002"))) == 1
    # A window that holds its own date lists it once, as an intervention started.
    d = changes_between(fresh_engine, D("2025-04-01"), today)
    assert _newly(d) == []
    assert [ln.code for ln in d.group(digest.INTERVENTION_STARTED).lines if ln.date == D("2025-04-15")] == [
        KNOWSLEY
    ]
    # A window before the newest data ends its recording window with it: nothing recorded then.
    past = changes_between(fresh_engine, D("2018-01-01"), D("2018-03-31"))  # the seed's newest: May 2018
    assert past.recorded_until == D("2018-03-31") and _newly(past) == []


def test_an_approved_proposal_is_newly_recorded_on_the_day_it_was_applied(fresh_engine):
    cs.grant_everyone(fresh_engine)
    today = dt.date.today()
    since = today - dt.timedelta(days=1)
    change_id = edits.propose(fresh_engine, cs.EDITOR, cs.DEVON_ADVISER)
    assert _newly(changes_between(fresh_engine, since)) == [], "a proposal is not yet a fact"
    cs.approved(fresh_engine, change_id)
    (line,) = _newly(changes_between(fresh_engine, since))
    assert (line.date, line.dated, line.code) == (today, D("2021-04-01"), cs.DEVON)
    assert line.words == (
        "Newly recorded: improvement notice: DfE-appointed improvement adviser, dated April 2021 "
        "(an approved proposal)"
    )
    assert line.estimated and line.caveat == "start known to the month"
    assert line.source.title == cs.DEVON_ADVISER["source_title"]
    # A correction approved later is listed once, as the correction.
    fact = next(
        f for f in story.authority_story(fresh_engine, cs.DEVON).facts if f.label == cs.DEVON_ADVISER["title"]
    )
    row = {"date": "2021-05", **cs.citation()}
    fix = edits.propose_correction(fresh_engine, cs.EDITOR, "interventions", fact.fact_id, row, fact.version)
    cs.approved(fresh_engine, fix)
    (line,) = _newly(changes_between(fresh_engine, since))
    assert line.words.endswith("dated May 2021 (an approved correction)")
    assert line.source.title == "A correction's source"
