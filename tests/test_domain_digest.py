"""The "what changed" digest's rules (issue 12), on plain records: no database.

The window holds both its days; judgements carry the grade before them (2026 framework words
included); spells start and end with their length; interventions start, are revised and are lifted
as the map sees them; the statutory clocks fall on ``clocks.deadlines``' dates unless a fact of the
matching kind came first; boundary changes and recodes come from the register's records.
"""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.data.domain import clocks, digest, framework, vocab
from oversight.data.domain.digest import (
    BOUNDARY,
    CLOCK,
    EVENT,
    GROUPS,
    INTERVENTION_LIFTED,
    INTERVENTION_REVISED,
    INTERVENTION_STARTED,
    JUDGEMENT,
    NEWLY_RECORDED,
    SPELL_ENDED,
    SPELL_STARTED,
    VISIT,
    Code,
    Event,
    Inspection,
    InterventionRecord,
    Link,
    Place,
    Source,
    Visit,
    build_digest,
)

D = dt.date.fromisoformat
SRC = Source.of("Ofsted report", "https://example.org/report", "Ofsted")
TRACKER = Source.of("Tracker note", "https://example.org/note", "Tracker")
TOWN = Place(
    1, "E06000099", "Testtown", "E12000005", None, None, (Code("E06000099", "Testtown", "UA", None, None),)
)
OTHER = Place(
    2, "E06000098", "Elsewhere", "E12000001", None, None, (Code("E06000098", "Elsewhere", "UA", None, None),)
)


def insp(
    published: str, grade: str | None, *, aid: int = 1, inspected: str | None = None, derived=False, **kw
):
    return Inspection(
        authority_id=aid,
        published=D(published),
        inspected=D(inspected) if inspected else None,
        kind="ilacs_standard",
        grade=grade,
        derived=derived,
        source=SRC,
        **kw,
    )


def iv(level: str, start: str, end: str | None = None, *, precision="day", kind=None, title=None, aid=1):
    return InterventionRecord(
        aid, level, kind, D(start), precision, D(end) if end else None, "day" if end else None, title, TRACKER
    )


def run(since: str, until: str, **kw) -> digest.Digest:
    kw.setdefault("places", [TOWN, OTHER])
    return build_digest(D(since), D(until), **kw)


def test_groups_are_fixed_in_order_and_always_present():
    d = run("2020-01-01", "2020-12-31")
    assert [g.kind for g in d.groups] == list(GROUPS)
    assert [g.label for g in d.groups] == list(GROUPS.values())
    assert d.total == 0 and all(g.count == 0 for g in d.groups)
    # What the board has not heard of first (issue 21), then judgements and spells.
    assert list(GROUPS)[:4] == [NEWLY_RECORDED, JUDGEMENT, SPELL_STARTED, SPELL_ENDED]
    assert list(GROUPS)[-1] == BOUNDARY
    assert set(d.as_dict()) == {
        "since",
        "until",
        "region",
        "region_name",
        "as_at",
        "newest_publication",
        "newest_publication_source",
        "counts",
        "total",
        "groups",
        "sources",
        "recorded_until",
    }
    with pytest.raises(ValueError, match="before its start"):
        run("2020-02-01", "2020-01-31")


def test_the_window_holds_both_its_days():
    events = [
        Event(1, "board", D(day), "day", f"Board on {day}", None, TRACKER)
        for day in ("2020-12-31", "2021-01-01", "2021-03-31", "2021-04-01")
    ]
    d = run("2021-01-01", "2021-03-31", events=events)
    assert [ln.date for ln in d.group(EVENT).lines] == [D("2021-01-01"), D("2021-03-31")]
    assert "from 1 January 2021 to 31 March 2021 (both days included)" in d.as_at_words


def test_judgements_with_the_grade_before_and_the_2026_words():
    history = [
        insp("2019-05-01", vocab.GOOD),
        insp("2022-06-01", vocab.RI),
        insp("2026-07-07", None, inspected="2026-05-11", areas=(("help_protection", vocab.GOOD),)),
        insp("2026-08-03", vocab.INADEQUATE, inspected="2026-06-08", derived=True),
    ]
    d = run("2019-01-01", "2026-08-20", inspections=history)
    lines = d.group(JUDGEMENT).lines
    assert [ln.words for ln in lines] == [
        "Judged good (first full inspection)",
        "Judged requires improvement to be good (was good)",
        "No overall grade (2026 framework; was requires improvement to be good)",
        "Judged inadequate (derived from area judgements; was no overall grade (2026 framework))",
    ]
    assert (lines[1].before, lines[1].after) == (vocab.GOOD, vocab.RI)
    assert (lines[2].before, lines[2].after) == (vocab.RI, framework.NO_OVERALL_GRADE)
    assert lines[2].areas == (("help_protection", vocab.GOOD),)
    assert lines[3].after == "Inadequate (derived from area judgements)" and lines[3].derived
    # A rule applied to published judgements, not an estimate: never flagged "estimated".
    assert not lines[3].estimated and lines[3].caveat.startswith("derived from the area judgements")
    assert not any(ln.derived for ln in lines[:3])
    (spell,) = d.group(digest.SPELL_STARTED).lines
    assert spell.derived and not spell.estimated
    assert lines[0].before == digest.NOT_INSPECTED
    assert all(ln.source == SRC and ln.code == "E06000099" for ln in lines)


def test_spells_start_and_end_with_their_length():
    history = [
        insp("2015-09-01", vocab.INADEQUATE),
        insp("2016-09-01", vocab.INADEQUATE),
        insp("2018-05-21", vocab.RI),
    ]
    d = run("2015-01-01", "2018-12-31", inspections=history)
    (started,) = d.group(SPELL_STARTED).lines
    (ended,) = d.group(SPELL_ENDED).lines
    assert started.date == D("2015-09-01") and started.words == "Inadequate spell started"
    assert ended.date == D("2018-05-21") and ended.months == 32.6
    assert ended.words == "Inadequate spell ended after 33 months; now requires improvement to be good"
    # A post-reform report with no overall grade ends a spell too (DOMAIN §2).
    d = run(
        "2026-01-01",
        "2026-12-31",
        inspections=[insp("2023-05-01", vocab.INADEQUATE), insp("2026-07-07", None, inspected="2026-05-11")],
    )
    assert d.group(SPELL_ENDED).lines[0].after == framework.NO_OVERALL_GRADE


def test_interventions_started_revised_lifted():
    records = [
        iv(vocab.DIRECTION_COMMISSIONER, "2015-12-01", precision="month"),
        iv(vocab.ALTERNATIVE_DELIVERY, "2018-04-01", title="Alternative delivery: Testtown Children's Trust"),
        iv(vocab.IMPROVEMENT_NOTICE, "2015-01-01", "2015-10-31", aid=2),
        iv(vocab.DIRECTION, "2016-01-01", aid=2),
        iv(vocab.DIRECTION, "2017-01-01", "2017-12-31", kind="revised", title="Revised direction", aid=2),
    ]
    d = run("2015-01-01", "2018-12-31", interventions=records)
    started = {(ln.name, ln.date): ln for ln in d.group(INTERVENTION_STARTED).lines}
    revised = {(ln.name, ln.date): ln for ln in d.group(INTERVENTION_REVISED).lines}
    lifted = {(ln.name, ln.date): ln for ln in d.group(INTERVENTION_LIFTED).lines}
    dc = started[("Testtown", D("2015-12-01"))]
    assert dc.words == "Statutory direction with commissioner issued" and dc.estimated  # month precision
    trust = revised[("Testtown", D("2018-04-01"))]
    assert trust.words == (
        "Moved to alternative delivery: Testtown Children's Trust (was statutory direction with commissioner)"
    )
    assert trust.before == "Statutory direction with commissioner" and trust.after.startswith(
        "Alternative delivery"
    )
    assert lifted[("Elsewhere", D("2015-10-31"))].words == "Improvement notice lifted"
    assert started[("Elsewhere", D("2016-01-01"))].words == "Statutory direction issued"
    assert revised[("Elsewhere", D("2017-01-01"))].words == "Statutory direction revised"
    # The revised direction ends; the first one (no end recorded, no better judgement) continues.
    assert (
        revised[("Elsewhere", D("2017-12-31"))].words
        == "Statutory direction lifted; statutory direction continues"
    )


def test_a_notice_with_no_end_is_presumed_lifted_after_a_better_judgement_and_flagged():
    records = [iv(vocab.IMPROVEMENT_NOTICE, "2019-06-01")]
    history = [insp("2019-05-01", vocab.INADEQUATE), insp("2021-03-01", vocab.RI)]
    d = run("2022-01-01", "2022-12-31", interventions=records, inspections=history)
    (line,) = d.group(INTERVENTION_LIFTED).lines
    assert line.date == D("2022-03-01") and line.words == "Improvement notice presumed lifted"
    assert line.estimated and "presumed lifted 12 months" in line.caveat


def test_an_end_with_the_authority_is_its_reorganisation_not_a_lift():
    gone = Place(
        3,
        "E10000099",
        "Oldshire",
        "E12000004",
        None,
        D("2021-03-31"),
        (Code("E10000099", "Oldshire", "Shire county", None, D("2021-03-31")),),
    )
    records = [iv(vocab.ALTERNATIVE_DELIVERY, "2020-11-01", "2021-03-31", aid=3)]
    d = run("2021-01-01", "2021-12-31", places=[gone], interventions=records)
    assert d.group(INTERVENTION_LIFTED).count == 0
    assert [ln.subkind for ln in d.group(BOUNDARY).lines] == [digest.CEASED]


def test_clocks_fall_on_the_deadlines_unless_a_matching_fact_came_first():
    published = D("2022-05-03")
    due = clocks.deadlines(published)
    history = [insp("2022-05-03", vocab.INADEQUATE)]
    d = run("2022-05-01", "2022-12-31", inspections=history)
    by_kind = {ln.subkind: ln for ln in d.group(CLOCK).lines}
    # Counted by hand: 70 working days after Tuesday 3 May 2022, past the jubilee (2 and 3 June).
    assert by_kind[digest.ACTION_PLAN_DUE].date == due.action_plan_due == D("2022-08-11")
    assert by_kind[digest.FIRST_VISIT_DUE].date == due.first_monitoring_visit_by == D("2022-09-08")
    assert all(ln.estimated and "expected date" in ln.caveat for ln in d.group(CLOCK).lines)
    assert "inadequate report of 3 May 2022" in by_kind[digest.ACTION_PLAN_DUE].words
    # A monitoring visit by the due date, an event naming the action plan: no line.
    visit = Visit(1, "monitoring", D("2022-09-01"), None, "day", "Front door", None, SRC)
    plan = Event(1, "other", D("2022-08-01"), "day", "Action plan submitted to Ofsted", None, TRACKER)
    d = run("2022-05-01", "2022-12-31", inspections=history, visits=[visit], events=[plan])
    assert d.group(CLOCK).count == 0
    # An event of the action_plan kind answers the clock whatever its words.
    statement = Event(1, "action_plan", D("2022-08-10"), "day", "Written statement sent", None, TRACKER)
    d = run("2022-05-01", "2022-12-31", inspections=history, visits=[visit], events=[statement])
    assert d.group(CLOCK).count == 0
    # Not an action plan: the clock is listed.
    board = Event(1, "board", D("2022-08-10"), "day", "Improvement board met", None, TRACKER)
    d = run("2022-05-01", "2022-12-31", inspections=history, visits=[visit], events=[board])
    assert [ln.subkind for ln in d.group(CLOCK).lines] == [digest.ACTION_PLAN_DUE]
    # A later full judgement stops the clocks; a clock after "today" has not passed.
    d = run("2022-05-01", "2022-12-31", inspections=[*history, insp("2022-08-01", vocab.RI)])
    assert d.group(CLOCK).count == 0
    d = run("2022-05-01", "2022-12-31", inspections=history, today=D("2022-08-31"))
    assert [ln.subkind for ln in d.group(CLOCK).lines] == [digest.ACTION_PLAN_DUE]
    # The re-inspection window opens (fourth quarterly visit) unless re-inspected by then.
    d = run("2023-01-01", "2025-12-31", inspections=history)
    opened = {ln.subkind: ln.date for ln in d.group(CLOCK).lines}
    assert opened[digest.REINSPECTION_WINDOW_OPENED] == due.reinspection_expected_from
    assert opened[digest.REINSPECTION_DUE] == due.reinspection_expected_by


def test_a_first_visit_clock_says_when_the_data_could_not_show_a_visit():
    """ "No monitoring visit recorded" is only evidence inside the span Ofsted's lists of visits
    cover; outside it, the line says where the lists start or end."""
    history = [insp("2022-05-03", vocab.INADEQUATE)]  # first visit due 8 September 2022

    def words(listed):
        d = run("2022-05-01", "2022-12-31", inspections=history, monitoring_listed=listed)
        return next(ln.words for ln in d.group(CLOCK).lines if ln.subkind == digest.FIRST_VISIT_DUE)

    assert words((D("2021-04-20"), D("2024-03-21"))).endswith("(no monitoring visit recorded)")
    assert words((D("2023-04-01"), D("2024-03-21"))).endswith(
        "(none in the tracker; Ofsted's lists of monitoring visits in the data start on 1 April 2023)"
    )
    assert words((D("2021-04-20"), D("2022-03-31"))).endswith(
        "(none in the tracker; Ofsted's lists of monitoring visits in the data end on 31 March 2022)"
    )
    assert words(None).endswith("(none in the tracker; the data holds no list of monitoring visits)")


def test_visits_events_region_and_links():
    visits = [
        Visit(1, "focused", D("2021-05-26"), None, "day", "Children in care", None, SRC),
        Visit(
            1,
            "monitoring",
            None,
            D("2021-06-01"),
            "month",
            None,
            "Monitoring visit: steady progress; details",
            TRACKER,
        ),
        Visit(
            2,
            "jtai",
            D("2021-06-02"),
            None,
            "day",
            None,
            None,
            Source.of("JTAI letter", "javascript:alert(1)"),
        ),
    ]
    d = run("2021-01-01", "2021-12-31", visits=visits)
    words = [ln.words for ln in d.group(VISIT).lines]
    assert words == [
        "Focused visit: Children in care",
        "Monitoring visit: steady progress",
        "Joint targeted area inspection",
    ]
    assert d.group(VISIT).lines[1].estimated and "letter's publication" in d.group(VISIT).lines[1].caveat
    assert d.group(VISIT).lines[2].source.url is None  # only http(s) addresses are links
    west = run("2021-01-01", "2021-12-31", visits=visits, region="E12000005", region_name="West Midlands")
    assert {ln.name for ln in west.lines} == {"Testtown"} and "West Midlands" in west.as_at_words
    assert {s.title for s in west.sources} == {"Ofsted report", "Tracker note"}


def test_boundary_changes_and_recodes():
    county = Place(
        10,
        "E10000050",
        "Bigshire",
        "E12000009",
        None,
        D("2019-03-31"),
        (Code("E10000050", "Bigshire", "Shire county", None, D("2019-03-31")),),
    )
    north = Place(
        11,
        "E06000090",
        "North Bigshire",
        "E12000009",
        D("2019-04-01"),
        None,
        (Code("E06000090", "North Bigshire", "Unitary authority", D("2019-04-01"), None),),
    )
    south = Place(
        12,
        "E06000091",
        "South Bigshire",
        "E12000009",
        D("2019-04-01"),
        None,
        (Code("E06000091", "South Bigshire", "Unitary authority", D("2019-04-01"), None),),
    )
    recoded = Place(
        13,
        "E06000092",
        "Smallshire",
        "E12000009",
        None,
        None,
        (
            Code("E10000051", "Smallshire", "Shire county", None, D("2019-03-31")),
            Code("E06000092", "Smallshire", "Unitary authority", D("2019-04-01"), None),
        ),
    )
    links = [Link(10, 11, D("2019-04-01"), "split"), Link(10, 12, D("2019-04-01"), "split")]
    d = run("2019-04-01", "2019-04-30", places=[county, north, south, recoded], reorganisations=links)
    lines = {ln.name: ln for ln in d.group(BOUNDARY).lines}
    assert lines["Bigshire"].words.startswith(
        "Ceased to exist (last day 31 March 2019); split into North Bigshire (E06000090)"
    )
    assert lines["Bigshire"].date == D("2019-04-01") and lines["Bigshire"].code == "E10000050"
    assert lines["North Bigshire"].words.startswith("New authority formed from Bigshire (E10000050)")
    assert (lines["Smallshire"].before, lines["Smallshire"].after) == ("E10000051", "E06000092")
    assert lines["Smallshire"].words.startswith("Recoded E10000051 → E06000092")
    assert all(ln.source.title == digest.REGISTER_SOURCE_TITLE for ln in lines.values())
    # A line names the authority by the code it had on the day.
    assert recoded.code_on(D("2018-01-01")).code == "E10000051"


# Newly recorded (issue 21) ------------------------------------------------------------------------
NOTICE = Source.of("Knowsley: improvement notice", "https://www.gov.uk/knowsley-notice", "DfE")


def test_a_fact_recorded_in_the_window_is_listed_once_whatever_its_own_date():
    old = InterventionRecord(
        1, vocab.IMPROVEMENT_NOTICE, None, D("2025-04-15"), "day", None, None, None, NOTICE
    )
    new = iv(vocab.IMPROVEMENT_NOTICE, "2026-11-20", aid=2)
    recorded = [
        digest.Recorded(old, D("2026-12-06"), digest.BY_IMPORT, "tracker.csv"),
        digest.Recorded(old, D("2026-12-07"), digest.BY_PROPOSAL),  # the later recording is listed
        digest.Recorded(new, D("2026-12-07"), digest.BY_PROPOSAL),
    ]
    d = run(
        "2026-11-01", "2026-11-30", interventions=[new], recorded=recorded, recorded_until=D("2026-12-07")
    )
    (line,) = d.group(NEWLY_RECORDED).lines  # the other one's own date is in the window: its line is there
    assert (line.date, line.dated, line.name, line.subkind) == (
        D("2026-12-07"),
        D("2025-04-15"),
        "Testtown",
        "intervention",
    )
    assert line.words == "Newly recorded: improvement notice, dated 15 April 2025 (an approved proposal)"
    assert line.source == NOTICE and line.after == "Improvement notice" and not line.estimated
    assert [ln.name for ln in d.group(INTERVENTION_STARTED).lines] == ["Elsewhere"]
    assert "Newly recorded: facts entered from 1 November 2026 to 7 December 2026" in d.as_at_words
    assert d.as_dict()["recorded_until"] == "2026-12-07" and line.as_dict()["dated"] == "2025-04-15"
    assert (
        run("2026-11-01", "2026-11-30", recorded=recorded, region="E12000001").group(NEWLY_RECORDED).count
        == 0
    )


def test_newly_recorded_words_for_each_kind_of_fact():
    day = D("2026-12-07")
    facts = [
        (insp("2019-05-03", vocab.INADEQUATE), "full inspection (inadequate), published 3 May 2019"),
        (
            Visit(1, "monitoring", D("2019-09-10"), None, "month", None, None, SRC),
            "monitoring visit, dated September 2019",
        ),
        (
            Event(1, "board", D("2020-02-01"), "day", "Improvement board met", None, TRACKER),
            "Improvement board met, dated 1 February 2020",
        ),
        (
            iv(vocab.DIRECTION, "2019-06-01", "2021-01-31"),
            "statutory direction, dated 1 June 2019, ended 31 January 2021",
        ),
    ]
    recorded = [digest.Recorded(f, day, digest.BY_CORRECTION) for f, _ in facts]
    d = run("2026-11-01", "2026-12-07", recorded=recorded)
    words = {ln.words for ln in d.group(NEWLY_RECORDED).lines}
    assert words == {f"Newly recorded: {w} (an approved correction)" for _, w in facts}
    by_kind = {ln.subkind: ln for ln in d.group(NEWLY_RECORDED).lines}
    assert by_kind["visit"].estimated and by_kind["visit"].caveat == "date known to the month"
