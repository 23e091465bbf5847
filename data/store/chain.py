"""The history's hash chain: proof that no row of ``changes`` or ``reviews`` was altered since.

The database's triggers keep the history append-only against the app and careless SQL, but not
against someone who holds the database's owner password: they can drop a trigger, rewrite a row
and put the trigger back. So every history row is also *chained*: when a change or a review is
written, one ``history_chain`` entry records the row's canonical content (every column, and the
source it cites, whose title and link are part of what the change said) and
``sha256(previous hash, entry kind, row id, content)``. The applied proposal's filling-in of its
new fact's id and source (the one update the triggers allow) is an entry of its own (``fill``).

``verify`` replays the chain: each entry's hash must follow from the one before, and every live
row must be exactly what its entries say (no row altered, none deleted, none added outside the
chain). Rewriting the whole chain to match a forged row changes the head hash, which is why the
Tracker page shows the head and its date for a board to note in its minutes: ``verify`` with
that noted hash proves the history up to that entry is the one the board saw.

Every append happens inside a writer's transaction (``store.transactions``), so entries are
in the order rows were written and two writers never chain onto the same previous hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select

from oversight.data.store import schema as s

GENESIS = "0" * 64
CHANGE, REVIEW, FILL = "change", "review", "fill"
#: The columns of ``changes`` an applied proposal fills in (once).
FILLED = ("fact_id", "source_id")
#: The columns of a cited source that are part of what a change said.
SOURCE_COLUMNS = ("key", "url", "title", "publisher", "published", "kind", "licence")
#: The columns each entry attests, named here rather than read from the schema: an entry's
#: content must mean the same thing for as long as the chain lives, so a column added to a
#: history table later is not silently part (or not part) of old entries. Adding one here is a
#: deliberate change of what is proven, with a migration that says from which entry on.
CHANGE_COLUMNS = (
    "id",
    "action",
    "fact_table",
    "fact_id",
    "authority_id",
    "base_version",
    "before_json",
    "after_json",
    "source_id",
    "import_run_id",
    "reverts_change_id",
    "proposed_by",
    "proposed_at",
    "comment",
    "proposed_by_name",
)
REVIEW_COLUMNS = ("id", "change_id", "decision", "decided_by", "decided_at", "comment", "decided_by_name")


def _changes():
    return select(*(s.changes.c[c] for c in CHANGE_COLUMNS))


def _reviews():
    return select(*(s.reviews.c[c] for c in REVIEW_COLUMNS))


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _source(
    conn: Connection, source_id: int | None, known: Mapping[int, Any] | None = None
) -> dict[str, Any] | None:
    """A cited source's content (``known``: every source, loaded once by ``verify``)."""
    if source_id is None:
        return None
    if known is not None:
        row = known.get(source_id)
    else:
        row = conn.execute(select(s.sources).where(s.sources.c.id == source_id)).mappings().first()
    if row is None:
        return {"missing": source_id}
    return {c: _value(row[c]) for c in SOURCE_COLUMNS}


def _dumps(content: Mapping[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":"))


def _change_content(
    conn: Connection, row: Mapping[str, Any], known: Mapping[int, Any] | None = None
) -> dict[str, Any]:
    content = {c: _value(row[c]) for c in CHANGE_COLUMNS}
    content["source"] = _source(conn, row["source_id"], known)
    return content


def _review_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return {c: _value(row[c]) for c in REVIEW_COLUMNS}


def _fill_content(conn: Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], **{c: row[c] for c in FILLED}, "source": _source(conn, row["source_id"])}


def entry_hash(prev_hash: str, entry: str, row_id: int, content: str) -> str:
    """The hash of one entry: what it follows, what kind it is, which row, and its content."""
    material = f"{prev_hash}\n{entry}\n{row_id}\n{content}".encode()
    return hashlib.sha256(material).hexdigest()


def head(conn: Connection) -> tuple[int, str, dt.datetime | None]:
    """(number of entries, the last entry's hash, when it was recorded); the genesis hash and
    None for an empty chain."""
    c = s.history_chain
    row = conn.execute(select(c.c.row_hash, c.c.recorded_at).order_by(c.c.seq.desc()).limit(1)).first()
    if row is None:
        return 0, GENESIS, None
    count = conn.execute(select(func.count()).select_from(c)).scalar_one()
    return int(count), row.row_hash, row.recorded_at


def _last_hash(conn: Connection) -> str:
    c = s.history_chain
    found = conn.execute(select(c.c.row_hash).order_by(c.c.seq.desc()).limit(1)).scalar_one_or_none()
    return found or GENESIS


def _append(conn: Connection, entry: str, row_id: int, content: Mapping[str, Any], at: dt.datetime) -> str:
    prev = _last_hash(conn)
    text = _dumps(content)
    digest = entry_hash(prev, entry, row_id, text)
    conn.execute(
        insert(s.history_chain).values(
            entry=entry, row_id=row_id, content=text, prev_hash=prev, row_hash=digest, recorded_at=at
        )
    )
    return digest


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def chain_change(conn: Connection, change_id: int) -> str:
    """Chain a ``changes`` row just written (in the writer's transaction); the new head hash."""
    row = conn.execute(_changes().where(s.changes.c.id == change_id)).mappings().one()
    return _append(conn, CHANGE, change_id, _change_content(conn, row), _now())


def chain_review(conn: Connection, review_id: int) -> str:
    """Chain a ``reviews`` row just written; the new head hash."""
    row = conn.execute(_reviews().where(s.reviews.c.id == review_id)).mappings().one()
    return _append(conn, REVIEW, review_id, _review_content(row), _now())


def chain_fill(conn: Connection, change_id: int) -> str:
    """Chain the filling-in of an applied proposal's fact id and source; the new head hash."""
    row = conn.execute(_changes().where(s.changes.c.id == change_id)).mappings().one()
    return _append(conn, FILL, change_id, _fill_content(conn, row), _now())


def chain_existing(conn: Connection) -> int:
    """Chain every history row not chained yet, in the order they were written (changes by
    ``proposed_at``, reviews by ``decided_at``, then id): how revision 0005 starts the chain of
    a history written before it. Returns the number of entries added."""
    chained = {
        (r.entry, r.row_id) for r in conn.execute(select(s.history_chain.c.entry, s.history_chain.c.row_id))
    }
    rows: list[tuple[dt.datetime, int, str, Mapping[str, Any]]] = []
    for row in conn.execute(_changes()).mappings():
        if (CHANGE, row["id"]) not in chained:
            rows.append((row["proposed_at"], 0, CHANGE, row))
    for row in conn.execute(_reviews()).mappings():
        if (REVIEW, row["id"]) not in chained:
            rows.append((row["decided_at"], 1, REVIEW, row))
    rows.sort(key=lambda r: (r[0], r[3]["id"], r[1]))
    for at, _, entry, row in rows:
        content = _change_content(conn, row) if entry == CHANGE else _review_content(row)
        _append(conn, entry, row["id"], content, at)
    return len(rows)


# Verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """The first place the history does not fit its chain. ``str()`` is one sentence."""

    seq: int | None  # the chain entry, when one is at fault
    table: str  # changes | reviews | history_chain
    row_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.table} row {self.row_id}" if self.row_id is not None else self.table
        entry = f" (chain entry {self.seq})" if self.seq is not None else ""
        return f"{where}{entry}: {self.reason}"


@dataclass(frozen=True)
class Verified:
    """The outcome of ``verify``: ``broken`` None when every row fits."""

    entries: int
    head_hash: str
    head_at: dt.datetime | None
    broken: Broken | None
    expected_found: bool | None = None  # whether ``expect`` was an entry's hash (None: not asked)

    @property
    def ok(self) -> bool:
        return self.broken is None and self.expected_found is not False


def _entries(conn: Connection) -> Iterator[Mapping[str, Any]]:
    yield from conn.execute(select(s.history_chain).order_by(s.history_chain.c.seq)).mappings()


def _differs(expected: Mapping[str, Any], live: Mapping[str, Any]) -> str:
    names = sorted(k for k in set(expected) | set(live) if expected.get(k) != live.get(k))
    shown = ", ".join("the cited source" if n == "source" else n for n in names[:4])
    return f"{shown} differ{'s' if len(names) == 1 else ''} from what was recorded"


def verify(conn: Connection, expect: str | None = None) -> Verified:
    """Recompute the chain and compare every live history row with it; the first misfit.

    ``expect``: a head hash noted earlier (in a board's minutes): the result says whether it is
    one of the chain's entries, i.e. the history up to then is the one that was noted.
    """
    prev, count, at = GENESIS, 0, None
    changes: dict[int, dict[str, Any]] = {}
    reviews: dict[int, dict[str, Any]] = {}
    seqs: dict[tuple[str, int], int] = {}
    found = None if expect is None else False
    broken: Broken | None = None
    for e in _entries(conn):
        count, at = count + 1, e["recorded_at"]
        if e["prev_hash"] != prev:
            broken = Broken(e["seq"], "history_chain", None, "does not follow the entry before it")
            break
        if entry_hash(prev, e["entry"], e["row_id"], e["content"]) != e["row_hash"]:
            broken = Broken(e["seq"], "history_chain", None, "its hash does not match its content")
            break
        content = json.loads(e["content"])
        if e["entry"] == CHANGE:
            changes[e["row_id"]] = content
            seqs[("changes", e["row_id"])] = e["seq"]
        elif e["entry"] == REVIEW:
            reviews[e["row_id"]] = content
            seqs[("reviews", e["row_id"])] = e["seq"]
        elif e["row_id"] in changes:
            changes[e["row_id"]].update(content)
        else:
            broken = Broken(e["seq"], "changes", e["row_id"], "filled in before it was recorded")
            break
        prev = e["row_hash"]
        if expect is not None and prev == expect.strip().lower():
            found = True
    if broken is None:
        broken = _compare(conn, changes, reviews, seqs)
    return Verified(count, prev, at, broken, found)


def _compare(
    conn: Connection,
    changes: dict[int, dict[str, Any]],
    reviews: dict[int, dict[str, Any]],
    seqs: dict[tuple[str, int], int],
) -> Broken | None:
    """The first live row (in chain order; rows never chained last) that is not as chained."""
    live_changes = {r["id"]: r for r in conn.execute(_changes().order_by(s.changes.c.id)).mappings()}
    live_reviews = {r["id"]: r for r in conn.execute(_reviews().order_by(s.reviews.c.id)).mappings()}
    cited = {r["source_id"] for r in live_changes.values() if r["source_id"] is not None}
    known = (
        {r["id"]: r for r in conn.execute(select(s.sources).where(s.sources.c.id.in_(cited))).mappings()}
        if cited
        else {}
    )
    problems: list[tuple[float, int, str, Broken]] = []
    for table, chained, live, content in (
        ("changes", changes, live_changes, lambda r: _change_content(conn, r, known)),
        ("reviews", reviews, live_reviews, _review_content),
    ):
        for row_id in sorted(set(chained) | set(live)):
            seq = seqs.get((table, row_id))
            order = float(seq) if seq is not None else float("inf")
            if row_id not in live:
                reason = "was recorded but is gone"
            elif row_id not in chained:
                reason = "was never chained: written outside the app"
            else:
                now = content(live[row_id])
                if now == chained[row_id]:
                    continue
                reason = _differs(chained[row_id], now)
            problems.append((order, row_id, table, Broken(seq, table, row_id, reason)))
    if not problems:
        return None
    return min(problems, key=lambda p: (p[0], p[1], p[2]))[3]
