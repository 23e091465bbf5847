"""The ``sources`` rows facts and changes cite: one row per source key and content, and a row a
change cites never changes.

A change in the history says "this fact, from this source": its title and link are part of what
was said. When a later change (or import) cites the same link under another title, updating the
row in place rewrote what every earlier change showed as its source (issue 19). So the importer
and the curation layer both write sources here: a row no change cites is refreshed in place, as
an import always did (a release's title corrected by its publisher); a row some change cites is
left as it is, and the new content gets a row of its own, keyed ``<key>#<digest of content>``.
The database's triggers refuse the in-place update of a cited row whoever attempts it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, insert, select, update

from oversight.data.store import bulk
from oversight.data.store import schema as s

#: The columns that are a source's content (``key`` and ``kind`` are its identity).
CONTENT = ("url", "title", "publisher", "published", "licence")
KEY_LENGTH = 300


def _digest(values: Mapping[str, Any]) -> str:
    plain = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()[:16]


def _content(values: Mapping[str, Any]) -> dict[str, Any]:
    content = {c: values.get(c) for c in CONTENT}
    content["title"] = content["title"] or ""
    return content


def cited(conn: Connection, source_id: int) -> bool:
    """Whether a change in the history cites this source."""
    return (
        conn.execute(select(s.changes.c.id).where(s.changes.c.source_id == source_id).limit(1)).first()
        is not None
    )


def source_id(conn: Connection, key: str, kind: str, values: Mapping[str, Any]) -> int:
    """The id of the ``sources`` row for ``key`` with these contents (``CONTENT`` columns),
    written as needed (see the module's docstring). In the caller's transaction."""
    content = _content(values)
    src = s.sources
    row = conn.execute(select(src).where(src.c.key == key)).mappings().first()
    if row is None:
        return conn.execute(insert(src).values(key=key, kind=kind, **content)).inserted_primary_key[0]
    if all(row[c] == content[c] for c in CONTENT):
        return row["id"]
    if not cited(conn, row["id"]):
        conn.execute(update(src).where(src.c.id == row["id"]).values(**content))
        return row["id"]
    variant = f"{key[: KEY_LENGTH - 17]}#{_digest(content)}"
    found = conn.execute(select(src.c.id).where(src.c.key == variant)).scalar_one_or_none()
    if found is not None:
        return found
    return conn.execute(insert(src).values(key=variant, kind=kind, **content)).inserted_primary_key[0]


def source_ids(conn: Connection, wanted: Sequence[tuple[str, str, Mapping[str, Any]]]) -> dict[str, int]:
    """Key -> id for many (key, kind, values) at once, as :func:`source_id` gives them one by one
    (the first of a key's entries wins): a tracker of 100,000 rows, each citing its own page,
    is a few reads and one multi-row insert, not 200,000 statements; changed sources no change
    cites are refreshed in one executemany. Only a cited source whose content changed takes
    :func:`source_id`'s path (a new row for the new content), one at a time."""
    first: dict[str, tuple[str, dict[str, Any]]] = {}
    for key, kind, values in wanted:
        first.setdefault(key, (kind, _content(values)))
    keys = list(first)
    src = s.sources
    stored: dict[str, Mapping[str, Any]] = {}
    for i in range(0, len(keys), bulk.CHUNK):
        for row in conn.execute(select(src).where(src.c.key.in_(keys[i : i + bulk.CHUNK]))).mappings():
            stored[row["key"]] = row
    new = [k for k in keys if k not in stored]
    out = dict(
        zip(
            new,
            bulk.insert_ids(conn, src, [{"key": k, "kind": first[k][0], **first[k][1]} for k in new]),
            strict=True,
        )
    )
    changed = [k for k in keys if k in stored and any(stored[k][c] != first[k][1][c] for c in CONTENT)]
    quoted = _cited_among(conn, [stored[k]["id"] for k in changed])
    refresh = [k for k in changed if stored[k]["id"] not in quoted]
    bulk.update_by_id(conn, src, [{"id": stored[k]["id"], **first[k][1]} for k in refresh])
    renew = {k for k in changed if stored[k]["id"] in quoted}
    for key in keys:
        if key in renew:
            out[key] = source_id(conn, key, *first[key])
        elif key in stored:
            out[key] = stored[key]["id"]
    return out


def _cited_among(conn: Connection, ids: Sequence[int]) -> set[int]:
    """Which of these sources some change cites."""
    found: set[int] = set()
    for i in range(0, len(ids), bulk.CHUNK):
        cs = s.changes.c
        found.update(
            conn.execute(select(cs.source_id).where(cs.source_id.in_(ids[i : i + bulk.CHUNK]))).scalars()
        )
    return found
