"""What waits for one person: the proposals they may decide, and the decisions on their own.

A reviewer who is never told that proposals wait does not review them, and a proposer who never
sees a rejection's reason proposes the same thing again (issue 21). So every signed-in person gets
an inbox, read here and drawn in the app's sidebar (``widgets/inbox``):

* a reviewer or admin: every proposal still waiting for a decision that someone *else* proposed
  (the two-person rule: their own is not theirs to decide), oldest first, with the council, what
  kind of change it is, the proposer's name as the history recorded it and when;
* anyone who proposed: the decisions others made on their proposals in the last ``DAYS`` days,
  newest first: approved (in effect), rejected, or approved but not applied because the fact had
  changed, each with who decided and their reason (a rejection always has one: ``edits.reject``).

Names are the ones each history row recorded when it was written, never a later one. Reads only;
the role is looked up in the database as every write does (``users.role_in``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select

from oversight.data.curation import ledger
from oversight.data.curation.roles import REVIEW, Actor, allowed
from oversight.data.curation.users import role_in
from oversight.data.store import schema as s

#: How far back a proposer is told of decisions on their proposals.
DAYS = 30
NOUNS = {"interventions": "intervention", "events": "event", "visits": "visit", "inspections": "inspection"}
#: Decisions a proposer hears of (a withdrawal is their own act; "approved" alone is never final).
TOLD = (ledger.APPLIED, "rejected", "conflict")


def kind_words(action: str, fact_table: str | None) -> str:
    """What kind of change it is, without any of its facts: "new intervention", "correction of an
    event", "retraction of a visit"."""
    noun = NOUNS.get(fact_table or "", "fact")
    article = "an" if noun[0] in "aeiou" else "a"
    return {
        "create": f"new {noun}",
        "correct": f"correction of {article} {noun}",
        "retract": f"retraction of {article} {noun}",
    }.get(action, f"{action} of {article} {noun}")


@dataclass(frozen=True)
class Waiting:
    """A proposal waiting for this reviewer's decision."""

    change_id: int
    kind: str  # ``kind_words``
    authority_code: str | None
    authority_name: str | None
    proposed_by_name: str  # as recorded when proposed (the email if no name was)
    proposed_at: dt.datetime


@dataclass(frozen=True)
class Decided:
    """A decision someone else made on this person's proposal. ``outcome``: ``approved`` (in
    effect), ``rejected`` or ``conflict`` (approved, not applied: the fact had changed)."""

    change_id: int
    kind: str
    authority_code: str | None
    authority_name: str | None
    proposed_at: dt.datetime
    outcome: str
    decided_by_name: str  # as recorded when decided
    decided_at: dt.datetime
    reason: str  # the reviewer's comment ("" when an approval gave none)


@dataclass(frozen=True)
class Inbox:
    """One person's inbox. ``role``: theirs now (None: no role)."""

    role: str | None
    to_review: tuple[Waiting, ...] = ()
    decided: tuple[Decided, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.to_review and not self.decided


def inbox(engine: Engine, actor: Actor | None, now: dt.datetime | None = None) -> Inbox:
    """``actor``'s inbox (an empty one for nobody, or for the command line's operator, who has no
    inbox). ``now``: UTC without a zone, as the store keeps times (default: now)."""
    if actor is None or actor.operator or not actor.key:
        return Inbox(None)
    since = (now or ledger.now()) - dt.timedelta(days=DAYS)
    with engine.connect() as conn:
        role = role_in(conn, actor)
        waiting = _waiting(conn, actor.key) if allowed(role, REVIEW) else ()
        return Inbox(role, waiting, _decided(conn, actor.key, since))


def _names(conn: Connection, authority_ids: set[int]) -> dict[int, tuple[str, str]]:
    a = s.authorities
    if not authority_ids:
        return {}
    return {
        r.id: (r.code, r.name)
        for r in conn.execute(select(a.c.id, a.c.code, a.c.name).where(a.c.id.in_(authority_ids)))
    }


def _waiting(conn: Connection, key: str) -> tuple[Waiting, ...]:
    """Open proposals someone other than ``key`` made, oldest first."""
    c, r = s.changes, s.reviews
    closed = select(r.c.change_id).where(r.c.decision != "approved")
    rows = conn.execute(
        select(c.c.id, c.c.action, c.c.fact_table, c.c.authority_id, c.c.proposed_by)
        .add_columns(c.c.proposed_by_name, c.c.proposed_at)
        .where(c.c.action.in_(ledger.PROPOSALS), c.c.proposed_by != key, c.c.id.not_in(closed))
        .order_by(c.c.id)
    ).all()
    decisions = ledger.latest_decisions(conn, [row.id for row in rows])
    rows = [row for row in rows if ledger.state(row.action, decisions.get(row.id)) in ledger.OPEN]
    names = _names(conn, {row.authority_id for row in rows if row.authority_id is not None})
    return tuple(
        Waiting(
            row.id,
            kind_words(row.action, row.fact_table),
            *names.get(row.authority_id, (None, None)),
            row.proposed_by_name or row.proposed_by,
            row.proposed_at,
        )
        for row in rows
    )


def _decided(conn: Connection, key: str, since: dt.datetime) -> tuple[Decided, ...]:
    """Decisions others made since ``since`` on ``key``'s proposals, newest first."""
    c, r = s.changes, s.reviews
    recent = (
        select(r.c.change_id)
        .join(c, c.c.id == r.c.change_id)
        .where(c.c.proposed_by == key, c.c.action.in_(ledger.PROPOSALS), r.c.decided_at >= since)
    )
    changes = {
        row.id: row
        for row in conn.execute(
            select(c.c.id, c.c.action, c.c.fact_table, c.c.authority_id, c.c.proposed_at).where(
                c.c.id.in_(recent)
            )
        )
    }
    if not changes:
        return ()
    reviews: dict[int, list] = {}
    for row in conn.execute(select(r).where(r.c.change_id.in_(list(changes))).order_by(r.c.id)):
        reviews.setdefault(row.change_id, []).append(row)
    names = _names(conn, {row.authority_id for row in changes.values() if row.authority_id is not None})
    out = []
    for change_id, change in changes.items():
        final = reviews[change_id][-1]
        if final.decision not in TOLD or final.decided_at < since:
            continue
        decider = final
        if final.decision == ledger.APPLIED:  # "applied" follows the reviewer's "approved"
            decider = next((v for v in reversed(reviews[change_id]) if v.decision == "approved"), final)
        if decider.decided_by == key:
            continue  # their own decision (a deployment that allows self-approval): nothing to tell
        out.append(
            Decided(
                change_id,
                kind_words(change.action, change.fact_table),
                *names.get(change.authority_id, (None, None)),
                change.proposed_at,
                "approved" if final.decision == ledger.APPLIED else final.decision,
                decider.decided_by_name or decider.decided_by,
                final.decided_at,
                decider.comment or "",
            )
        )
    return tuple(sorted(out, key=lambda d: (d.decided_at, d.change_id), reverse=True))
