"""The history as typed records: one fact's history, recent changes, proposals waiting.

Everything here reads; dates are datetimes in UTC without a zone, as the store keeps them.
Before and after are the fact's tracker columns (``tracker_csv.COLUMNS``, strings, "" for none);
``differences`` names the columns a change set, in the tracker's column order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from oversight.data.curation import images, ledger
from oversight.data.curation.images import CITATION, STORED, Difference, loads
from oversight.data.sources.tracker_csv import COLUMNS
from oversight.data.store import chain
from oversight.data.store import schema as s


@dataclass(frozen=True)
class SourceRef:
    """Where a change says its facts were published."""

    title: str
    url: str | None
    publisher: str | None


@dataclass(frozen=True)
class Review:
    """One decision on a change: approved, rejected, applied, withdrawn or conflict."""

    id: int
    decision: str
    by: str  # an email
    by_name: str | None
    at: dt.datetime
    comment: str | None


@dataclass(frozen=True)
class Change:
    """One row of the history with its reviews and its state (its latest review's decision;
    ``proposed`` while a proposal waits; ``applied`` for a revert, an import, a grant or a
    setting, which take effect when recorded).

    For a change to a fact, ``before``/``after`` are its tracker columns (None: it did not
    exist, or no longer does); for an import, ``after`` holds the run's counts; for a grant or
    revoke, the email and role; for a setting, its value.
    """

    id: int
    action: str
    state: str
    fact_table: str | None
    fact_id: int | None
    authority_id: int | None
    authority_code: str | None
    authority_name: str | None
    base_version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    differences: tuple[Difference, ...]
    source: SourceRef | None
    import_run_id: int | None
    reverts_change_id: int | None
    proposed_by: str  # an email, "command line" or "import: FILE"
    proposed_by_name: str | None
    proposed_at: dt.datetime
    comment: str | None
    reviews: tuple[Review, ...] = ()

    @property
    def is_open(self) -> bool:
        """A proposal still waiting for a decision."""
        return self.state in ledger.OPEN

    @property
    def who(self) -> str:
        """The proposer's name if known, else what ``proposed_by`` says."""
        return self.proposed_by_name or self.proposed_by


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a fact's history: the import run that wrote it, a change, or a decision.

    ``kind``: ``import``, ``change`` or ``review``; ``action``: the change's action (import,
    create, correct, retract, revert) or, for a review, its decision (``decision`` too).
    """

    kind: str
    at: dt.datetime
    by: str
    by_name: str | None
    action: str
    change_id: int | None
    decision: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    differences: tuple[Difference, ...]
    source: SourceRef | None
    comment: str | None
    import_run_id: int | None = None

    @property
    def who(self) -> str:
        return self.by_name or self.by


# Reading changes ---------------------------------------------------------------------------------


def _tracker(img: Any, action: str) -> dict[str, Any] | None:
    """The tracker columns of a fact image; a non-fact change's JSON as it is."""
    if img is None:
        return None
    if action in ledger.FACT_ACTIONS:
        if STORED not in img:
            return None  # absent: a retraction's after
        return {k: img.get(k, "") for k in COLUMNS}
    return img


def _source(change: dict[str, Any], sources: dict[int, SourceRef]) -> SourceRef | None:
    """The change's source: its ``sources`` row once applied, else the citation it carries."""
    if change["source_id"] is not None and change["source_id"] in sources:
        return sources[change["source_id"]]
    after = loads(change["after_json"])
    cited = (after or {}).get(CITATION) if isinstance(after, dict) else None
    if cited:
        return SourceRef(cited.get("title") or "", cited.get("url"), cited.get("publisher"))
    if isinstance(after, dict) and after.get("source_title"):
        return SourceRef(
            after["source_title"], after.get("source_url") or None, after.get("source_publisher") or None
        )
    return None


class _Reader:
    """Sources, authorities and reviews loaded once for a list of changes. Names are the ones
    each row recorded when it was written, never the users table's current one."""

    def __init__(self, conn: Connection, rows: list[dict[str, Any]]):
        source_ids = {r["source_id"] for r in rows if r["source_id"] is not None}
        self.sources = {
            r.id: SourceRef(r.title, r.url, r.publisher)
            for r in (
                conn.execute(select(s.sources).where(s.sources.c.id.in_(source_ids))) if source_ids else []
            )
        }
        auth_ids = {r["authority_id"] for r in rows if r["authority_id"] is not None}
        self.authorities = {
            r.id: (r.code, r.name)
            for r in (
                conn.execute(select(s.authorities).where(s.authorities.c.id.in_(auth_ids)))
                if auth_ids
                else []
            )
        }
        self.reviews: dict[int, list[Review]] = {}
        ids = [r["id"] for r in rows]
        if ids:
            rv = s.reviews
            for r in conn.execute(select(rv).where(rv.c.change_id.in_(ids)).order_by(rv.c.id)).mappings():
                self.reviews.setdefault(r["change_id"], []).append(
                    Review(
                        r["id"],
                        r["decision"],
                        r["decided_by"],
                        r["decided_by_name"],
                        r["decided_at"],
                        r["comment"],
                    )
                )

    def change(self, row: dict[str, Any]) -> Change:
        reviews = tuple(self.reviews.get(row["id"], ()))
        before = _tracker(loads(row["before_json"]), row["action"])
        after = _tracker(loads(row["after_json"]), row["action"])
        is_fact = row["action"] in ledger.FACT_ACTIONS
        code, name = self.authorities.get(row["authority_id"], (None, None))
        return Change(
            id=row["id"],
            action=row["action"],
            state=ledger.state(row["action"], reviews[-1].decision if reviews else None),
            fact_table=row["fact_table"],
            fact_id=row["fact_id"],
            authority_id=row["authority_id"],
            authority_code=code,
            authority_name=name,
            base_version=row["base_version"],
            before=before,
            after=after,
            differences=images.differences(before, after) if is_fact else (),
            source=_source(row, self.sources),
            import_run_id=row["import_run_id"],
            reverts_change_id=row["reverts_change_id"],
            proposed_by=row["proposed_by"],
            proposed_by_name=row["proposed_by_name"],
            proposed_at=row["proposed_at"],
            comment=row["comment"],
            reviews=reviews,
        )


def _changes(conn: Connection, stmt) -> list[Change]:
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    reader = _Reader(conn, rows)
    return [reader.change(r) for r in rows]


def change(engine: Engine, change_id: int) -> Change | None:
    """One change with its reviews, or None if there is no such change."""
    with engine.connect() as conn:
        found = _changes(conn, select(s.changes).where(s.changes.c.id == change_id))
    return found[0] if found else None


def recent_changes(
    engine: Engine, limit: int = 50, include_proposals: bool = False, actions: Iterable[str] | None = None
) -> list[Change]:
    """The newest changes first: by default those in effect (applied proposals, reverts,
    imports, grants, settings); ``include_proposals``: every change, waiting or closed
    (rejected, withdrawn, conflict) too. ``actions`` narrows to those actions (e.g. the fact
    changes only, for a page that does not show who was granted what)."""
    c = s.changes
    stmt = select(c).order_by(c.c.id.desc())
    if actions is not None:
        stmt = stmt.where(c.c.action.in_(list(actions)))
    out: list[Change] = []
    with engine.connect() as conn:
        offset = 0
        while len(out) < limit:
            batch = _changes(conn, stmt.limit(max(limit, 50)).offset(offset))
            if not batch:
                break
            out.extend(ch for ch in batch if include_proposals or ch.state == ledger.APPLIED)
            offset += len(batch)
    return out[:limit]


def open_proposals(engine: Engine, authority_id: int | None = None) -> list[Change]:
    """Proposals waiting for review, oldest first (of one authority, if given)."""
    c = s.changes
    stmt = select(c).where(c.c.action.in_(ledger.PROPOSALS)).order_by(c.c.id)
    if authority_id is not None:
        stmt = stmt.where(c.c.authority_id == authority_id)
    with engine.connect() as conn:
        decided = {
            r.change_id
            for r in conn.execute(select(s.reviews.c.change_id).where(s.reviews.c.decision != "approved"))
        }
        stmt = stmt.where(c.c.id.not_in(decided)) if decided else stmt
        return [ch for ch in _changes(conn, stmt) if ch.is_open]


# One fact ---------------------------------------------------------------------------------------


def _lifetime(changes: list[Change], exists: bool) -> list[Change]:
    """The changes of this fact's own lifetime. On SQLite a new fact may be given the id of a
    retracted one (the newest): when the fact exists but its last recorded state is removed,
    it is a newer fact, and the earlier changes belong to the one that was removed."""
    applied = [ch for ch in changes if ch.state == ledger.APPLIED and ch.action in ledger.FACT_ACTIONS]
    if not exists or not applied or applied[-1].after is not None:
        return changes
    removed = applied[-1].id
    return [ch for ch in changes if ch.id > removed]


def fact_history(engine: Engine, fact_table: str, fact_id: int) -> list[HistoryEntry]:
    """One fact's history, oldest first: the import run that last wrote it (if any), then
    every change to it (proposals included, whatever became of them) and every decision on
    them: who, when, what (before → after), the source, the decision."""
    table = images.fact_table(fact_table).name
    c = s.changes
    with engine.connect() as conn:
        changes = _changes(
            conn, select(c).where(c.c.fact_table == table, c.c.fact_id == fact_id).order_by(c.c.id)
        )
        current = images.current(conn, table, fact_id)
        run_id = current["import_run_id"] if current is not None else None
        if current is None and changes:
            last_before = loads(
                conn.execute(select(c.c.before_json).where(c.c.id == changes[-1].id)).scalar_one()
            )
            if last_before and STORED in last_before:
                run_id = last_before[STORED]["columns"].get("import_run_id")
        run_entry = _import_entry(conn, run_id) if run_id is not None else None
    changes = _lifetime(changes, current is not None)
    entries: list[HistoryEntry] = [run_entry] if run_entry is not None else []
    for ch in changes:
        entries.append(
            HistoryEntry(
                kind="change",
                at=ch.proposed_at,
                by=ch.proposed_by,
                by_name=ch.proposed_by_name,
                action=ch.action,
                change_id=ch.id,
                decision=None,
                before=ch.before,
                after=ch.after,
                differences=ch.differences,
                source=ch.source,
                comment=ch.comment,
            )
        )
        entries.extend(
            HistoryEntry(
                kind="review",
                at=r.at,
                by=r.by,
                by_name=r.by_name,
                action=r.decision,
                change_id=ch.id,
                decision=r.decision,
                before=None,
                after=None,
                differences=(),
                source=None,
                comment=r.comment,
            )
            for r in ch.reviews
        )
    return entries


def _import_entry(conn: Connection, run_id: int) -> HistoryEntry | None:
    """The import run that wrote a fact, as a history entry (its ``changes`` row if it has one:
    runs before the history began have only their ``import_runs`` row)."""
    run = conn.execute(select(s.import_runs).where(s.import_runs.c.id == run_id)).mappings().first()
    if run is None:
        return None
    row = conn.execute(select(s.changes).where(s.changes.c.import_run_id == run_id)).mappings().first()
    source = None
    if run["source_id"] is not None:
        src = conn.execute(select(s.sources).where(s.sources.c.id == run["source_id"])).mappings().first()
        if src is not None:
            source = SourceRef(src["title"], src["url"], src["publisher"])
    return HistoryEntry(
        kind="import",
        at=run["finished_at"] or run["started_at"],
        by=row["proposed_by"] if row is not None else f"import: {run['file_name']}",
        by_name=None,
        action="import",
        change_id=row["id"] if row is not None else None,
        decision=None,
        before=None,
        after=loads(row["after_json"]) if row is not None else None,
        differences=(),
        source=source,
        comment=run["message"],
        import_run_id=run_id,
    )


@dataclass(frozen=True)
class CurrentFact:
    """A fact as a form edits it: its tracker row and the version to edit against."""

    fact_table: str
    fact_id: int
    version: int
    authority_id: int
    row: dict[str, str]


def current_fact(engine: Engine, fact_table: str, fact_id: int) -> CurrentFact | None:
    """The fact's tracker row and version now (None if it is not in the tracker): what a
    correction form starts from, and the ``base_version`` it passes back."""
    table = images.fact_table(fact_table).name
    with engine.connect() as conn:
        img = images.image_of(conn, table, fact_id)
    if img is None:
        return None
    columns = img[STORED]["columns"]
    return CurrentFact(
        table, fact_id, columns["version"], columns["authority_id"], {k: img[k] for k in COLUMNS}
    )


def facts_version(engine: Engine) -> int:
    """Grows whenever a change is applied to the facts (with ``queries.data_version``, which
    grows with every import, a cache key for what the public pages show)."""
    rv = s.reviews
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.max(rv.c.id), 0)).where(rv.c.decision == ledger.APPLIED)
            ).scalar_one()
        )


# The chain: proof of what was written ------------------------------------------------------


@dataclass(frozen=True)
class Head:
    """The history chain's newest entry (``store/chain``): what a board notes in its minutes."""

    entries: int
    hash: str
    at: dt.datetime | None


def chain_head(engine: Engine) -> Head:
    """How many entries the history chain has, the newest one's hash and when it was written."""
    with engine.connect() as conn:
        return Head(*chain.head(conn))


def verify(engine: Engine, expect: str | None = None) -> chain.Verified:
    """Recompute the history chain and compare every history row with it (``chain.verify``);
    ``expect``: a head hash noted earlier, which must be one of the chain's entries."""
    with engine.connect() as conn:
        return chain.verify(conn, expect)
