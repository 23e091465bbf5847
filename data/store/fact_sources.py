"""A fact's sources (revision 0006): every source that states it, in the order they were added.

A fact row keeps one ``source_id``, its *primary* source: the one its values come from, which
the importer's matching ranks (a newer Ofsted release beats an older one, any release beats the
tracker). But a fact is often stated by more than one source (a direction reported by two
papers), and a correction of one field must not make the fact forget where the rest came from
(issue 21). So ``fact_sources`` lists them all; the primary is always one of them.

Who writes here, in the writer's transaction: the importer (a fact's primary, a tracker row's
source when the row states a fact already known, the release whose date an erratum corrected),
``curation/edits`` (a created fact's source, a correction's source added to the earlier ones, a
retraction removes them, a revert puts them back). A fact keeps at most one release: a newer
release is the same publication's next edition and replaces the older (``SUPERSEDED``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from oversight.data.store import schema as s

#: Source kinds whose facts come from a publication's editions: a newer edition replaces an
#: older one as a fact's source, instead of being kept beside it.
SUPERSEDED = ("ofsted_release", "community_scrape")
#: What makes two sources the same to a reader (a seed row and a tracker row citing one page).
SAME = ("url", "title", "publisher")


@dataclass(frozen=True)
class Link:
    """One of a fact's sources: which, where in the order, when and by what it was added."""

    source_id: int
    position: int
    added_at: dt.datetime | None
    added_by_change_id: int | None
    import_run_id: int | None


def links(conn: Connection, table: str, fact_id: int) -> list[Link]:
    """One fact's sources, first added first."""
    fs = s.fact_sources
    rows = conn.execute(
        select(fs).where(fs.c.fact_table == table, fs.c.fact_id == fact_id).order_by(fs.c.position)
    ).mappings()
    return [_link(r) for r in rows]


def _link(r: Mapping[str, Any]) -> Link:
    return Link(r["source_id"], r["position"], r["added_at"], r["added_by_change_id"], r["import_run_id"])


def all_links(conn: Connection, table: str | None = None) -> dict[tuple[str, int], list[int]]:
    """(fact table, fact id) -> its source ids, first added first (every fact, or one table's):
    what the importer's working set starts from."""
    fs = s.fact_sources
    stmt = select(fs.c.fact_table, fs.c.fact_id, fs.c.source_id).order_by(
        fs.c.fact_table, fs.c.fact_id, fs.c.position
    )
    if table is not None:
        stmt = stmt.where(fs.c.fact_table == table)
    out: dict[tuple[str, int], list[int]] = {}
    for r in conn.execute(stmt):
        out.setdefault((r.fact_table, r.fact_id), []).append(r.source_id)
    return out


def sources_of(conn: Connection, table: str, fact_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """fact id -> its sources' rows (``sources`` columns), first added first, for a reader."""
    ids = list(fact_ids)
    if not ids:
        return {}
    fs, src = s.fact_sources, s.sources
    out: dict[int, list[dict[str, Any]]] = {}
    for r in conn.execute(
        select(fs.c.fact_id, src)
        .join(src, src.c.id == fs.c.source_id)
        .where(fs.c.fact_table == table, fs.c.fact_id.in_(ids))
        .order_by(fs.c.fact_id, fs.c.position)
    ).mappings():
        out.setdefault(r["fact_id"], []).append({k: v for k, v in r.items() if k != "fact_id"})
    return out


def add(
    conn: Connection,
    table: str,
    fact_id: int,
    source_id: int,
    *,
    at: dt.datetime | None,
    change_id: int | None = None,
    import_run_id: int | None = None,
) -> bool:
    """Add a source to a fact's sources, last; False (nothing written) if it is one already."""
    fs = s.fact_sources
    where = (fs.c.fact_table == table, fs.c.fact_id == fact_id)
    if conn.execute(select(fs.c.position).where(*where, fs.c.source_id == source_id)).first() is not None:
        return False
    last = conn.execute(select(func.max(fs.c.position)).where(*where)).scalar()
    conn.execute(
        insert(fs).values(
            fact_table=table,
            fact_id=fact_id,
            source_id=source_id,
            position=0 if last is None else last + 1,
            added_at=at,
            added_by_change_id=change_id,
            import_run_id=import_run_id,
        )
    )
    return True


#: Ids per statement when many facts are written at once (well under every driver's limit).
CHUNK = 500


def next_positions(conn: Connection, facts: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """(fact table, fact id) -> the position its next source takes (absent: 0), in a few queries."""
    fs = s.fact_sources
    by_table: dict[str, list[int]] = {}
    for table, fact_id in facts:
        by_table.setdefault(table, []).append(fact_id)
    out: dict[tuple[str, int], int] = {}
    for table, ids in by_table.items():
        for i in range(0, len(ids), CHUNK):
            stmt = (
                select(fs.c.fact_id, func.max(fs.c.position))
                .where(fs.c.fact_table == table, fs.c.fact_id.in_(ids[i : i + CHUNK]))
                .group_by(fs.c.fact_id)
            )
            out.update({(table, fid): last + 1 for fid, last in conn.execute(stmt)})
    return out


def add_many(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert many ``fact_sources`` rows (every column given; none a fact has already)."""
    for i in range(0, len(rows), CHUNK * 10):
        conn.execute(insert(s.fact_sources), list(rows[i : i + CHUNK * 10]))


def remove_many(conn: Connection, links_: Iterable[tuple[str, int, int]]) -> None:
    """Take (fact table, fact id, source id) links off, one statement per table and source
    (a newer release replacing an older one on thousands of facts is a few statements)."""
    fs = s.fact_sources
    groups: dict[tuple[str, int], list[int]] = {}
    for table, fact_id, source_id in links_:
        groups.setdefault((table, source_id), []).append(fact_id)
    for (table, source_id), ids in groups.items():
        for i in range(0, len(ids), CHUNK):
            conn.execute(
                delete(fs).where(
                    fs.c.fact_table == table,
                    fs.c.source_id == source_id,
                    fs.c.fact_id.in_(ids[i : i + CHUNK]),
                )
            )


def remove(conn: Connection, table: str, fact_id: int, source_ids: Iterable[int]) -> None:
    """Take sources off a fact's list (the others keep their positions and order)."""
    ids = list(source_ids)
    if ids:
        fs = s.fact_sources
        conn.execute(
            delete(fs).where(fs.c.fact_table == table, fs.c.fact_id == fact_id, fs.c.source_id.in_(ids))
        )


def remove_added_by(conn: Connection, table: str, fact_id: int, change_id: int) -> None:
    """Take off the sources one change added to a fact (a revert of that change)."""
    fs = s.fact_sources
    conn.execute(
        delete(fs).where(
            fs.c.fact_table == table, fs.c.fact_id == fact_id, fs.c.added_by_change_id == change_id
        )
    )


def drop(conn: Connection, table: str, fact_id: int) -> None:
    """A fact left the tracker: its sources go with it (its image in the history keeps them)."""
    fs = s.fact_sources
    conn.execute(delete(fs).where(fs.c.fact_table == table, fs.c.fact_id == fact_id))


def put(conn: Connection, table: str, fact_id: int, entries: Sequence[Link]) -> None:
    """Set a fact's sources to exactly ``entries`` (in their order): a revert putting them back."""
    drop(conn, table, fact_id)
    seen: set[int] = set()
    rows = []
    for e in entries:
        if e.source_id in seen:
            continue
        seen.add(e.source_id)
        rows.append(
            {
                "fact_table": table,
                "fact_id": fact_id,
                "source_id": e.source_id,
                "position": len(rows),
                "added_at": e.added_at,
                "added_by_change_id": e.added_by_change_id,
                "import_run_id": e.import_run_id,
            }
        )
    if rows:
        conn.execute(insert(s.fact_sources), rows)
