"""The inbox on SQLite and PostgreSQL: a reviewer's proposals to decide (never their own), a
proposer's decisions of the last 30 days with the reviewer's reason, names as recorded."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.data.curation import edits, inbox, ledger, users
from oversight.data.curation.edits import Conflict
from oversight.data.curation.roles import OPERATOR
from oversight.data.store.transactions import write_transaction
from tests import curation_support as cs


@pytest.fixture
def engine(fresh_engine):
    cs.grant_everyone(fresh_engine)
    return fresh_engine


def test_a_reviewer_sees_what_others_proposed_and_a_proposer_the_decisions_with_reasons(engine):
    adviser = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER, comment="from their annual report")
    board = edits.propose(engine, cs.EDITOR2, cs.event_row("Improvement board met"))
    own = edits.propose(engine, cs.REVIEWER, cs.event_row("A board the reviewer saw"))

    box = inbox.inbox(engine, cs.REVIEWER)
    assert box.role == "reviewer" and not box.decided
    assert [w.change_id for w in box.to_review] == [adviser, board]  # oldest first, never their own
    first = box.to_review[0]
    assert (first.kind, first.authority_code, first.authority_name) == ("new intervention", cs.DEVON, "Devon")
    assert first.proposed_by_name == "Eddie Editor"
    assert isinstance(first.proposed_at, dt.datetime) and first.proposed_at.tzinfo is None
    assert [w.change_id for w in inbox.inbox(engine, cs.ADMIN).to_review] == [adviser, board, own]
    assert inbox.inbox(engine, cs.EDITOR).to_review == ()  # an editor decides nothing

    edits.reject(engine, cs.REVIEWER, board, "No minutes say the board met that day")
    edits.approve(engine, cs.REVIEWER2, adviser, "Checked against the annual report")
    assert [w.change_id for w in inbox.inbox(engine, cs.ADMIN).to_review] == [own]

    [rejected] = inbox.inbox(engine, cs.EDITOR2).decided
    assert (rejected.change_id, rejected.outcome, rejected.kind) == (board, "rejected", "new event")
    assert rejected.reason == "No minutes say the board met that day"
    assert rejected.decided_by_name == "Bob Reviewer" and rejected.authority_name == "Devon"
    [approved] = inbox.inbox(engine, cs.EDITOR).decided
    assert (approved.outcome, approved.decided_by_name) == ("approved", "Rita Reviewer")
    assert approved.reason == "Checked against the annual report"
    assert inbox.inbox(engine, cs.EDITOR).to_review == ()


def test_names_are_as_recorded_and_corrections_and_retractions_say_their_kind(engine):
    fact = cs.seed_fact(engine, "events", 0)
    renamed = cs.person(cs.EDITOR.email, "Edwina Editor-Jones")  # the same person, a new name later
    correction = edits.propose_correction(
        engine, cs.EDITOR, "events", fact["id"], cs.citation(details="x"), 1
    )
    users.sign_in(engine, renamed)
    other = cs.seed_fact(engine, "interventions", 0)
    retraction = edits.propose_retraction(
        engine,
        renamed,
        "interventions",
        other["id"],
        1,
        "recorded twice",
        "https://www.example.org/",
        "Minutes",
    )
    waiting = {w.change_id: w for w in inbox.inbox(engine, cs.REVIEWER).to_review}
    assert (waiting[correction].kind, waiting[correction].proposed_by_name) == (
        "correction of an event",
        "Eddie Editor",
    )
    assert (waiting[retraction].kind, waiting[retraction].proposed_by_name) == (
        "retraction of an intervention",
        "Edwina Editor-Jones",
    )


def test_withdrawals_self_approvals_and_old_decisions_are_not_told(engine):
    withdrawn = edits.propose(engine, cs.EDITOR, cs.event_row("Withdrawn"))
    edits.withdraw(engine, cs.EDITOR, withdrawn, "typo")
    edits.set_allow_self_approval(engine, cs.ADMIN, True)
    mine = edits.propose(engine, cs.REVIEWER, cs.event_row("Self-approved"))
    edits.approve(engine, cs.REVIEWER, mine)
    assert inbox.inbox(engine, cs.EDITOR).empty
    assert inbox.inbox(engine, cs.REVIEWER).empty

    rejected = edits.propose(engine, cs.EDITOR, cs.event_row("Rejected"))
    edits.reject(engine, cs.REVIEWER, rejected, "not a board meeting")
    assert [d.change_id for d in inbox.inbox(engine, cs.EDITOR).decided] == [rejected]
    later = ledger.now() + dt.timedelta(days=inbox.DAYS, minutes=1)
    assert inbox.inbox(engine, cs.EDITOR, now=later).decided == ()
    almost = ledger.now() + dt.timedelta(days=inbox.DAYS - 1)
    assert len(inbox.inbox(engine, cs.EDITOR, now=almost).decided) == 1


def test_an_approval_that_found_the_fact_moved_is_told_as_not_applied(engine):
    one = edits.propose(engine, cs.EDITOR, cs.event_row("Ofsted focused visit letter"))
    two = edits.propose(engine, cs.EDITOR2, cs.event_row("Ofsted focused visit letter"))
    edits.approve(engine, cs.REVIEWER, one)
    with pytest.raises(Conflict):
        edits.approve(engine, cs.REVIEWER, two)
    [told] = inbox.inbox(engine, cs.EDITOR2).decided
    assert told.outcome == "conflict" and "already has this event" in told.reason


def test_nobody_the_operator_and_the_role_less_have_nothing_to_review(engine):
    with write_transaction(engine) as conn:  # a harvested proposal is the command line's
        harvested = edits.propose_in(conn, OPERATOR, cs.event_row("Harvested"))
    assert inbox.inbox(engine, None) == inbox.Inbox(None)
    assert inbox.inbox(engine, OPERATOR) == inbox.Inbox(None)
    assert inbox.inbox(engine, cs.NO_ROLE) == inbox.Inbox(None)
    [waiting] = inbox.inbox(engine, cs.REVIEWER).to_review
    assert (waiting.change_id, waiting.proposed_by_name) == (harvested, "command line")
    users.revoke(engine, OPERATOR, cs.REVIEWER.email)
    assert inbox.inbox(engine, cs.REVIEWER) == inbox.Inbox(None)
