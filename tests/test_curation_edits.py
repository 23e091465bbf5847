"""Recording facts on SQLite and PostgreSQL: proposals the public never sees until a second
person approves them, optimistic versioning, hostile text kept as typed, retraction and revert
losing nothing."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from oversight.data.curation import edits, history, users
from oversight.data.curation.edits import Conflict, EditRefused
from oversight.data.curation.roles import PermissionDenied
from oversight.data.domain.text import FIELD_LIMITS
from oversight.data.sources.importer import import_paths
from oversight.data.store import queries, story
from oversight.data.store import schema as s
from tests import curation_support as cs
from tests import hostile_data as hd
from tests.conftest import dump

D = dt.date.fromisoformat


@pytest.fixture
def engine(fresh_engine):
    cs.grant_everyone(fresh_engine)
    return fresh_engine


def _level(engine, code: str, day: str):
    frame = queries.intervention_levels(engine, D(day))
    return frame.loc[frame["code"] == code].iloc[0]


def test_devon_adviser_proposed_by_an_editor_is_public_once_a_reviewer_approves(engine):
    """Devon (E10000008), inadequate, with a DfE-appointed improvement adviser since April 2021:
    DOMAIN §5 puts a DfE adviser on the improvement-notice track, so it is recorded at that level."""
    assert _level(engine, cs.DEVON, "2021-06-01")["level"] == "none"
    recorded = [
        f for f in story.authority_story(engine, cs.DEVON).facts if f.type in ("intervention", "event")
    ]
    version = queries.data_version(engine)  # the public pages' cache key
    change_id = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER, comment="from their annual report")
    waiting = edits.propose(engine, cs.EDITOR2, cs.event_row("Improvement board chaired independently"))

    # A proposal is nowhere in the facts: not on the map, not on the authority's page.
    assert _level(engine, cs.DEVON, "2021-06-01")["level"] == "none"
    devon = story.authority_story(engine, cs.DEVON)
    assert [f for f in devon.facts if f.type in ("intervention", "event")] == recorded
    assert [c.id for c in history.open_proposals(engine, devon.authority.id)] == [change_id, waiting]
    proposal = history.change(engine, change_id)
    assert (proposal.state, proposal.who, proposal.fact_id) == ("proposed", "Eddie Editor", None)
    assert proposal.after["level"] == "improvement_notice" and proposal.source.url.startswith("https://")

    assert queries.data_version(engine) == version, "a proposal leaves the public caches warm"
    fact_id = edits.approve(engine, cs.REVIEWER, change_id, "source checked")
    assert queries.data_version(engine) > version, "an applied edit moves the cache key"

    level = _level(engine, cs.DEVON, "2021-06-01")
    assert (level["level"], level["since"]) == ("improvement_notice", D("2021-04-01"))
    assert level["intervention_source"] == cs.DEVON_ADVISER["source_title"]
    assert _level(engine, cs.DEVON, "2021-03-31")["level"] == "none"
    facts = story.authority_story(engine, cs.DEVON).facts
    [fact] = [f for f in facts if f.type == "intervention" and f not in recorded]
    assert (fact.fact_id, fact.version, fact.fact_table) == (fact_id, 1, "interventions")
    assert fact.label == "DfE-appointed improvement adviser" and fact.precision == "month"
    assert fact.source.title == cs.DEVON_ADVISER["source_title"]
    events = [f for f in facts if f.type == "event" and f not in recorded]
    assert not events, "the other proposal is still waiting"

    entries = history.fact_history(engine, "interventions", fact_id)
    assert [(e.kind, e.action, e.who) for e in entries] == [
        ("change", "create", "Eddie Editor"),
        ("review", "approved", "Bob Reviewer"),
        ("review", "applied", "Bob Reviewer"),
    ]
    assert entries[0].comment == "from their annual report" and entries[1].comment == "source checked"
    assert all(isinstance(e.at, dt.datetime) and e.at.tzinfo is None for e in entries)
    assert history.change(engine, change_id).state == "applied"
    assert [c.id for c in history.recent_changes(engine, 5, actions=["create", "correct"])] == [change_id]
    assert waiting in [c.id for c in history.recent_changes(engine, 5, include_proposals=True)]


def test_the_two_person_rule_and_its_setting(engine):
    change_id = edits.propose(engine, cs.REVIEWER, cs.event_row())
    before = dump(engine)
    with pytest.raises(PermissionDenied, match="a different reviewer must approve"):
        edits.approve(engine, cs.REVIEWER, change_id)
    with pytest.raises(PermissionDenied):
        edits.set_allow_self_approval(engine, cs.REVIEWER, True)
    assert dump(engine) == before
    edits.set_allow_self_approval(engine, cs.ADMIN, True)
    assert edits.allow_self_approval(engine)
    assert edits.approve(engine, cs.REVIEWER, change_id) is not None
    # Self-approval lets a reviewer approve their own; an editor still reviews nothing.
    own = edits.propose(engine, cs.EDITOR, cs.event_row("Second board"))
    with pytest.raises(PermissionDenied, match="needs the reviewer role"):
        edits.approve(engine, cs.EDITOR, own)
    edits.set_allow_self_approval(engine, cs.ADMIN, False)
    settings_changes = history.recent_changes(engine, 10, actions=["settings"])
    assert [c.after for c in settings_changes] == [
        {"allow_self_approval": False},
        {"allow_self_approval": True},
    ]


def test_two_people_editing_one_fact_the_second_is_refused_with_the_first_change(engine):
    fact = cs.seed_fact(engine, "interventions", 3)
    assert fact["version"] == 1
    first = edits.propose_correction(
        engine, cs.EDITOR, "interventions", fact["id"], cs.citation(end_date="2025-03-31"), 1
    )
    before = dump(engine)
    with pytest.raises(Conflict) as info:  # both opened version 1; the first is waiting for review
        edits.propose_correction(engine, cs.EDITOR2, "interventions", fact["id"], cs.citation(details="x"), 1)
    message = str(info.value)
    assert message.startswith("Eddie Editor proposed a change to this intervention at ")
    assert "end date none → 2025-03-31" in message and "your change was not saved" in message
    assert info.value.other_change_id == first and "\n" not in message
    assert dump(engine) == before

    edits.approve(engine, cs.REVIEWER, first)
    with pytest.raises(Conflict) as info:  # and once it is applied, version 1 is gone
        edits.propose_correction(engine, cs.EDITOR2, "interventions", fact["id"], cs.citation(details="x"), 1)
    assert str(info.value).startswith("Eddie Editor changed this intervention at ")
    assert "(end date none → 2025-03-31" in str(info.value) and "reload to see it" in str(info.value)
    again = edits.propose_correction(
        engine, cs.EDITOR2, "interventions", fact["id"], cs.citation(details="x"), 2
    )
    assert edits.approve(engine, cs.REVIEWER, again) == fact["id"]
    assert history.current_fact(engine, "interventions", fact["id"]).version == 3


def test_at_the_same_moment_one_save_wins_and_the_other_is_told(engine):
    fact = cs.seed_fact(engine, "events", 2)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def save(actor, details):
        barrier.wait()
        try:
            results[actor.email] = edits.propose_correction(
                engine, actor, "events", fact["id"], cs.citation(details=details), fact["version"]
            )
        except Conflict as exc:
            results[actor.email] = exc

    threads = [threading.Thread(target=save, args=(a, a.name)) for a in (cs.EDITOR, cs.EDITOR2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    saved = [v for v in results.values() if isinstance(v, int)]
    refused = [v for v in results.values() if isinstance(v, Conflict)]
    assert len(saved) == 1 and len(refused) == 1, results
    assert refused[0].other_change_id == saved[0] and "still waiting for review" in str(refused[0])


def test_an_import_after_the_proposal_makes_its_approval_a_recorded_conflict(engine, tmp_path):
    fact = cs.seed_fact(engine, "interventions", 5)
    code = history.current_fact(engine, "interventions", fact["id"]).row["authority_code"]
    change_id = edits.propose_correction(
        engine, cs.EDITOR, "interventions", fact["id"], cs.citation(people="An adviser"), 1
    )
    row = {
        **history.current_fact(engine, "interventions", fact["id"]).row,
        "details": "From the DfE's letter",
    }
    row.update(source_url="https://www.gov.uk/letter", source_title="DfE letter", authority_code=code)
    import_paths(engine, [hd.write_tracker(tmp_path, [row], name="letters.csv")])
    assert history.current_fact(engine, "interventions", fact["id"]).version == 2  # the import moved it
    with pytest.raises(Conflict, match="An import of letters.csv changed this intervention"):
        edits.approve(engine, cs.REVIEWER, change_id)
    proposal = history.change(engine, change_id)
    assert proposal.state == "conflict" and proposal.reviews[-1].by == cs.REVIEWER.key
    assert proposal.before is not None and proposal.after["people"] == "An adviser"  # nothing lost
    stored = history.current_fact(engine, "interventions", fact["id"])
    assert stored.row["people"] == "" and stored.row["details"] == "From the DfE's letter"
    with pytest.raises(EditRefused, match="no longer waiting for review: it was conflict"):
        edits.approve(engine, cs.REVIEWER2, change_id)


def test_the_same_new_fact_proposed_twice_is_applied_once(engine):
    one = edits.propose(engine, cs.EDITOR, cs.event_row("Ofsted focused visit letter"))
    two = edits.propose(engine, cs.EDITOR2, cs.event_row("Ofsted focused visit letter"))
    edits.approve(engine, cs.REVIEWER, one)
    with pytest.raises(Conflict, match="already has this event"):
        edits.approve(engine, cs.REVIEWER, two)
    with pytest.raises(EditRefused, match="already in the tracker"):
        edits.propose(engine, cs.EDITOR2, cs.event_row("Ofsted focused visit letter"))


HOSTILE = {
    "record": "intervention",
    "authority_code": cs.DEVON,
    "date": "2022-01-01",
    "level": "direction",
    "kind": "<i>x</i>",
    "title": "<script>alert(1)</script>",
    "details": "[Session expired - sign in](javascript:alert(1)) **bold** :red[x] $x$",
    "people": "A" * FIELD_LIMITS["people"],
    "source_url": "https://www.example.org/?q=<script>",
    "source_title": hd.LINK + " " + hd.FORMULA,
    "source_publisher": hd.IMG_TAG,
}


def test_hostile_values_are_stored_exactly_as_typed(engine):
    change_id = edits.propose(engine, cs.EDITOR, HOSTILE, comment=hd.SCRIPT)
    fact_id = edits.approve(engine, cs.REVIEWER, change_id, hd.LINK)
    with engine.connect() as conn:
        row = conn.execute(select(s.interventions).where(s.interventions.c.id == fact_id)).mappings().one()
        source = conn.execute(select(s.sources).where(s.sources.c.id == row["source_id"])).mappings().one()
    for column in ("kind", "title", "details", "people"):
        assert row[column] == HOSTILE[column]
    assert (source["url"], source["title"], source["publisher"]) == (
        HOSTILE["source_url"],
        HOSTILE["source_title"],
        HOSTILE["source_publisher"],
    )
    change = history.change(engine, change_id)
    assert change.comment == hd.SCRIPT and change.reviews[0].comment == hd.LINK
    assert change.after["people"] == "A" * FIELD_LIMITS["people"]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"source_url": "javascript:alert(1)"}, {"source_url"}),
        ({"source_url": ""}, {"source_url"}),
        ({"source_title": ""}, {"source_title"}),
        ({"level": "special_measures"}, {"level"}),
        ({"date": "2021-02-30"}, {"date"}),
        ({"authority_code": "E99999999"}, {"authority_code"}),
        ({"kind": "k" * 33, "end_date": "2020-01-01"}, {"kind", "end_date"}),
        ({"details": "nul \x00 byte"}, {"details"}),
        ({"record": "inspection"}, {"record"}),
        ({"colour": "red"}, {""}),
    ],
)
def test_invalid_input_is_refused_field_by_field_and_writes_nothing(engine, changes, fields):
    before = dump(engine)
    with pytest.raises(EditRefused) as info:
        edits.propose(engine, cs.EDITOR, {**cs.DEVON_ADVISER, **changes})
    assert not isinstance(info.value, Conflict)
    assert set(info.value.fields) == fields, info.value.problems
    assert "\n" not in str(info.value)
    assert dump(engine) == before


def test_a_retraction_removes_the_fact_and_a_revert_puts_it_back_exactly(engine):
    inspection = cs.seed_fact(engine, "inspections", 0)
    fid = inspection["id"]
    before_row = dump(engine)
    with pytest.raises(EditRefused) as info:
        edits.propose_retraction(engine, cs.EDITOR, "inspections", fid, 1, "", "javascript:x", "")
    assert set(info.value.fields) == {"comment", "source_url", "source_title"}
    assert dump(engine) == before_row
    change_id = edits.propose_retraction(
        engine, cs.EDITOR, "inspections", fid, 1, "recorded twice", "https://www.example.org/dup", "Duplicate"
    )
    assert history.current_fact(engine, "inspections", fid) is not None  # a proposal changes nothing
    assert edits.approve(engine, cs.REVIEWER, change_id) is None
    assert history.current_fact(engine, "inspections", fid) is None
    retraction = history.change(engine, change_id)
    assert retraction.before["record"] == "inspection" and retraction.after is None
    assert retraction.source.title == "Duplicate"
    with pytest.raises(Conflict, match="Eddie Editor retracted this inspection"):
        edits.propose_correction(engine, cs.EDITOR2, "inspections", fid, cs.citation(grade="Good"), 1)

    with pytest.raises(PermissionDenied):
        edits.revert(engine, cs.REVIEWER, change_id, "it was not a duplicate")
    revert_id = edits.revert(engine, cs.ADMIN, change_id, "it was not a duplicate")
    restored = history.current_fact(engine, "inspections", fid)
    assert restored is not None and restored.version == 2
    with engine.connect() as conn:
        row = dict(conn.execute(select(s.inspections).where(s.inspections.c.id == fid)).mappings().one())
    assert {**row, "version": 1} == inspection
    assert history.change(engine, revert_id).reverts_change_id == change_id
    actions = [(e.action, e.kind) for e in history.fact_history(engine, "inspections", fid)]
    assert actions[0] == ("import", "import") and ("revert", "change") in actions
    with pytest.raises(EditRefused, match="only a change to a fact"):
        edits.revert(engine, cs.ADMIN, 1, "the register")


def test_revert_undoes_a_correction_and_retracts_a_created_fact(engine):
    fact = cs.seed_fact(engine, "visits", 1)
    original = history.current_fact(engine, "visits", fact["id"]).row
    correction = edits.propose_correction(
        engine, cs.EDITOR, "visits", fact["id"], cs.citation(details="Letter re-read"), 1
    )
    edits.approve(engine, cs.REVIEWER, correction)
    later = edits.propose_correction(engine, cs.EDITOR, "visits", fact["id"], cs.citation(details="Again"), 2)
    edits.approve(engine, cs.REVIEWER, later)
    with pytest.raises(Conflict, match="revert that first"):
        edits.revert(engine, cs.ADMIN, correction, "wrong letter")
    edits.revert(engine, cs.ADMIN, later, "undo")
    edits.revert(engine, cs.ADMIN, correction, "wrong letter")
    back = history.current_fact(engine, "visits", fact["id"])
    assert back.row == original and back.version == 5

    created = edits.propose(engine, cs.EDITOR, cs.event_row("A board that never met"))
    event_id = edits.approve(engine, cs.REVIEWER, created)
    edits.revert(engine, cs.ADMIN, created, "never happened")
    assert history.current_fact(engine, "events", event_id) is None
    # The next new fact never takes the id of the one retracted (SQLite reuses the largest id).
    again = edits.approve(engine, cs.REVIEWER, edits.propose(engine, cs.EDITOR, cs.event_row("Real board")))
    assert again != event_id
    assert [e.action for e in history.fact_history(engine, "events", again)][0] == "create"


def test_withdraw_and_reject_close_a_proposal_without_touching_the_facts(engine):
    facts_before = {t.name: dump(engine)[t.name] for t in s.FACT_TABLES}
    mine = edits.propose(engine, cs.EDITOR, cs.event_row("Mine"))
    theirs = edits.propose(engine, cs.EDITOR2, cs.event_row("Theirs"))
    with pytest.raises(PermissionDenied, match="Only the person who proposed"):
        edits.withdraw(engine, cs.EDITOR2, mine)
    edits.withdraw(engine, cs.EDITOR, mine, "typo")
    edits.reject(engine, cs.REVIEWER, theirs, "no source for this")
    assert [history.change(engine, c).state for c in (mine, theirs)] == ["withdrawn", "rejected"]
    with pytest.raises(EditRefused, match="no longer waiting"):
        edits.approve(engine, cs.REVIEWER, theirs)
    with pytest.raises(EditRefused, match="There is no change"):
        edits.approve(engine, cs.REVIEWER, 10_000)
    assert {t.name: dump(engine)[t.name] for t in s.FACT_TABLES} == facts_before
    assert history.open_proposals(engine) == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.changes)).scalar_one() >= 2
    assert users.role_of(engine, cs.EDITOR) == "editor"


@pytest.mark.parametrize("reason", ["", "   ", "\n\t \u00a0"])
def test_a_rejection_without_a_reason_is_refused_and_writes_nothing(engine, reason):
    """Its proposer sees the reason (``curation/inbox``): a rejection without one is refused."""
    change = edits.propose(engine, cs.EDITOR, cs.event_row())
    before = dump(engine)
    with pytest.raises(EditRefused) as info:
        edits.reject(engine, cs.REVIEWER, change, reason)
    assert str(info.value) == "comment: a rejection needs a reason, which the person who proposed it sees"
    assert set(info.value.fields) == {"comment"}
    assert dump(engine) == before and history.change(engine, change).state == "proposed"
    edits.reject(engine, cs.REVIEWER, change, "  No source says so  ")
    assert history.change(engine, change).reviews[-1].comment == "  No source says so  "  # as typed


def test_a_20_mb_title_or_a_long_comment_is_refused_at_once_and_writes_nothing(engine):
    """Every typed field has a limit (``domain.text.FIELD_LIMITS``), checked before anything else
    reads the value: the message names the field."""
    huge = "x" * (20 << 20)
    before = dump(engine)
    started = time.perf_counter()
    with pytest.raises(EditRefused) as info:
        edits.propose(engine, cs.EDITOR, cs.event_row(huge))
    assert time.perf_counter() - started < 2
    assert info.value.problems == ["title: longer than 500 characters (this has 20,971,520)"]
    assert set(info.value.fields) == {"title"}
    long_comment = "c" * (FIELD_LIMITS["comment"] + 1)
    with pytest.raises(EditRefused, match=r"^comment: longer than 2,000 characters \(this has 2,001\)$"):
        edits.propose(engine, cs.EDITOR, cs.event_row(), comment=long_comment)
    seed = cs.seed_fact(engine, "events", 0)
    with pytest.raises(EditRefused) as info:
        edits.propose_correction(
            engine, cs.EDITOR, "events", seed["id"], cs.citation(details=huge), seed["version"]
        )
    assert info.value.problems == ["details: longer than 5,000 characters (this has 20,971,520)"]
    with pytest.raises(EditRefused) as info:
        edits.propose_retraction(
            engine, cs.EDITOR, "events", seed["id"], seed["version"], long_comment, "https://x.org/", huge
        )
    assert set(info.value.fields) == {"comment", "source_title"}
    assert dump(engine) == before

    change = edits.propose(engine, cs.EDITOR, cs.event_row())
    for decide in (edits.approve, edits.reject):
        with pytest.raises(EditRefused, match="^comment: longer than 2,000 characters"):
            decide(engine, cs.REVIEWER, change, long_comment)
    with pytest.raises(EditRefused, match="^comment: longer than 2,000 characters"):
        edits.withdraw(engine, cs.EDITOR, change, long_comment)
    assert history.change(engine, change).state == "proposed"
