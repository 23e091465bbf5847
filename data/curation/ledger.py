"""The append-only history's writes and the reads every curation module shares.

``changes`` gets one row per change; ``reviews`` one row per decision; neither is ever updated
or deleted (the database's triggers refuse it), except that an applied proposal fills in its
``fact_id`` and ``source_id`` once, during its own application. Every row written here is also
chained (``store/chain``), so a row altered later by direct SQL is found by ``verify``. Each row
records the name its author had then (``proposed_by_name``, ``decided_by_name``): the history
never shows a name someone signed in with later. A change's state is its latest review's decision, or
``proposed`` when it has none; changes that are not proposals (a revert, an import, a grant, a
setting) are in effect from the moment they are recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select, update

from oversight.data.curation import roles
from oversight.data.store import chain
from oversight.data.store import schema as s

#: Actions that wait for a review before they change any fact.
PROPOSALS = ("create", "correct", "retract")
#: Actions that change a fact.
FACT_ACTIONS = (*PROPOSALS, "revert")
PROPOSED = "proposed"
APPLIED = "applied"
#: States in which a proposal still waits for a decision.
OPEN = (PROPOSED, "approved")
COMMAND_LINE = roles.COMMAND_LINE
ALLOW_SELF_APPROVAL = "allow_self_approval"


def now() -> dt.datetime:
    """UTC, naive, to the second: the store keeps timestamps without a zone."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def add_change(conn: Connection, **values: Any) -> int:
    """Append one change and chain it; its id. ``proposed_by`` is the actor's key and
    ``proposed_by_name`` the name they have now."""
    values.setdefault("proposed_at", now())
    change_id = conn.execute(insert(s.changes).values(**values)).inserted_primary_key[0]
    chain.chain_change(conn, change_id)
    return change_id


def fill_in(conn: Connection, change_id: int, **values: Any) -> None:
    """Fill in a proposal's ``fact_id`` / ``source_id`` while it is applied (the one update the
    triggers allow: into an empty column, while the change's latest review is ``approved``),
    and chain that."""
    assert set(values) <= {"fact_id", "source_id"}, values
    conn.execute(update(s.changes).where(s.changes.c.id == change_id).values(**values))
    chain.chain_fill(conn, change_id)


def add_review(
    conn: Connection, change_id: int, decision: str, by: str, comment: str = "", by_name: str | None = None
) -> int:
    """Append one decision on a change and chain it; its id."""
    review_id = conn.execute(
        insert(s.reviews).values(
            change_id=change_id,
            decision=decision,
            decided_by=by,
            decided_by_name=by_name or None,
            decided_at=now(),
            comment=comment or None,
        )
    ).inserted_primary_key[0]
    chain.chain_review(conn, review_id)
    return review_id


def state(action: str, latest_decision: str | None) -> str:
    """A change's state: its latest review's decision; with none, ``proposed`` for a proposal
    and ``applied`` for anything else."""
    if latest_decision is not None:
        return latest_decision
    return PROPOSED if action in PROPOSALS else APPLIED


def latest_decisions(conn: Connection, change_ids: Iterable[int] | None = None) -> dict[int, str]:
    """change id -> its latest review's decision (changes with no review are absent)."""
    r = s.reviews
    stmt = select(r.c.change_id, r.c.decision).order_by(r.c.id)
    ids = None if change_ids is None else list(change_ids)
    if ids is not None:
        if not ids:
            return {}
        stmt = stmt.where(r.c.change_id.in_(ids))
    return {row.change_id: row.decision for row in conn.execute(stmt)}


def change_row(conn: Connection, change_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(s.changes).where(s.changes.c.id == change_id)).mappings().first()
    return dict(row) if row is not None else None


def state_of(conn: Connection, change: dict[str, Any]) -> str:
    return state(change["action"], latest_decisions(conn, [change["id"]]).get(change["id"]))


def open_proposals_on(conn: Connection, table: str, fact_id: int) -> list[dict[str, Any]]:
    """The proposals on one fact still waiting for a decision, oldest first."""
    c = s.changes
    rows = [
        dict(r)
        for r in conn.execute(
            select(c)
            .where(c.c.fact_table == table, c.c.fact_id == fact_id, c.c.action.in_(PROPOSALS))
            .order_by(c.c.id)
        ).mappings()
    ]
    decisions = latest_decisions(conn, [r["id"] for r in rows])
    return [r for r in rows if state(r["action"], decisions.get(r["id"])) in OPEN]


def last_applied_on(conn: Connection, table: str, fact_id: int) -> tuple[dict[str, Any], dt.datetime] | None:
    """The latest change that took effect on one fact, and when it did."""
    c = s.changes
    rows = [
        dict(r)
        for r in conn.execute(
            select(c)
            .where(c.c.fact_table == table, c.c.fact_id == fact_id, c.c.action.in_(FACT_ACTIONS))
            .order_by(c.c.id.desc())
        ).mappings()
    ]
    if not rows:
        return None
    reviews = s.reviews
    applied = {
        r.change_id: r.decided_at
        for r in conn.execute(
            select(reviews.c.change_id, reviews.c.decided_at).where(
                reviews.c.change_id.in_([r["id"] for r in rows]), reviews.c.decision == APPLIED
            )
        )
    }
    for row in rows:  # newest first
        if row["id"] in applied:
            return row, applied[row["id"]]
    return None


def setting(conn: Connection, key: str) -> str | None:
    return conn.execute(select(s.deployment.c.value).where(s.deployment.c.key == key)).scalar_one_or_none()


def put_setting(conn: Connection, key: str, value: str) -> None:
    if setting(conn, key) is None:
        conn.execute(insert(s.deployment).values(key=key, value=value))
    else:
        conn.execute(update(s.deployment).where(s.deployment.c.key == key).values(value=value))
