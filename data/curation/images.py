"""A fact as a tracker row, and as a full image that can put it back exactly.

The history keeps each fact's before and after as JSON: the tracker CSV's columns (what a person
reads, what the export writes, what a form edits: ``tracker_csv.COLUMNS``, every value a string,
empty for none) plus ``"_stored"``: every column of the row as stored, its source, all its sources
(revision 0006) and, for an inspection, its judgements, so a retracted fact can be re-inserted as
it was (nothing is lost).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Date, Table, select

from oversight.data.sources.tracker_csv import COLUMNS
from oversight.data.store import fact_sources
from oversight.data.store import schema as s

#: Fact table -> the tracker's ``record`` word, and back.
RECORD_OF = {
    "interventions": "intervention",
    "events": "event",
    "visits": "visit",
    "inspections": "inspection",
}
TABLE_OF = {record: table for table, record in RECORD_OF.items()}
TABLES: dict[str, Table] = {t.name: t for t in s.FACT_TABLES}
STORED = "_stored"
#: Where a proposal keeps the source it cites (in ``after_json``) until it is applied.
CITATION = "_citation"
#: In an image's ``_stored``: the fact's sources, each ``{"source": …, "added_at": …,
#: "added_by": change id, "import_run_id": …}`` (``store/fact_sources``).
SOURCES = "sources"

Image = dict[str, Any]


def fact_table(name: str) -> Table:
    """The fact table called ``name`` (interventions, events, visits, inspections)."""
    if name not in TABLES:
        raise ValueError(f"not a fact table: {name!r} (one of {', '.join(TABLES)})")
    return TABLES[name]


@dataclass(frozen=True)
class _Code:
    code: str
    name: str
    valid_from: dt.date | None
    valid_to: dt.date | None


class Codes:
    """Each authority's ONS codes over time, to write the code live on a fact's date."""

    def __init__(self, conn: Connection):
        self.latest = {r.id: (r.code, r.name) for r in conn.execute(select(s.authorities))}
        self.codes: dict[int, list[_Code]] = {}
        for r in conn.execute(select(s.authority_codes).order_by(s.authority_codes.c.code)):
            self.codes.setdefault(r.authority_id, []).append(_Code(r.code, r.name, r.valid_from, r.valid_to))

    def on(self, authority_id: int, day: dt.date | None) -> tuple[str, str]:
        """(code, name) live on ``day``, else the authority's latest."""
        if day is not None:
            for c in self.codes.get(authority_id, []):
                if (c.valid_from is None or c.valid_from <= day) and (
                    c.valid_to is None or day <= c.valid_to
                ):
                    return c.code, c.name
        return self.latest[authority_id]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def reference_date(table: str, values: Mapping[str, Any]) -> dt.date | None:
    """The date a fact is placed at (and whose ONS code names its authority)."""
    if table == "interventions":
        return values["start_date"]
    if table == "events":
        return values["date"]
    if table == "visits":
        return values["visit_date"] or values["publication_date"]
    return values["inspection_date"] or values["publication_date"]


def tracker_row(
    table: str, values: Mapping[str, Any], source: Mapping[str, Any], codes: Codes
) -> dict[str, str]:
    """The fact as one row of the tracker CSV (every column, strings, "" for none): what the
    export writes, and what importing that row gives back."""
    code, name = codes.on(values["authority_id"], reference_date(table, values))
    row = dict.fromkeys(COLUMNS, "")
    row.update(record=RECORD_OF[table], authority_code=code, authority_name=name)
    if table == "interventions":
        row.update(
            date=_text(values["start_date"]),
            date_precision=_text(values["start_precision"]),
            end_date=_text(values["end_date"]),
            end_precision=_text(values["end_precision"]) if values["end_date"] else "",
            level=_text(values["level"]),
            kind=_text(values["kind"]),
            title=_text(values["title"]),
            details=_text(values["details"]),
            people=_text(values["people"]),
        )
    elif table == "events":
        row.update(
            date=_text(values["date"]),
            date_precision=_text(values["date_precision"]),
            kind=_text(values["kind"]),
            title=_text(values["title"]),
            details=_text(values["details"]),
            people=_text(values["people"]),
        )
    elif table == "visits":
        # The tracker reads title and details into one summary: it comes back as details.
        row.update(
            date=_text(values["visit_date"]),
            published=_text(values["publication_date"]),
            date_precision=_text(values["date_precision"]),
            kind=_text(values["kind"]),
            details=_text(values["summary"]),
        )
    else:
        estimated = bool(values["publication_estimated"])  # made up from the inspection date
        row.update(
            date=_text(values["inspection_date"]),
            published="" if estimated else _text(values["publication_date"]),
            date_precision=_text(values["date_precision"]),
            kind=_text(values["kind"]),
            grade=_text(values["overall_effectiveness"]),
        )
    row.update(
        source_url=_text(source.get("url")),
        source_title=_text(source.get("title")),
        source_publisher=_text(source.get("publisher")),
    )
    return row


# Images ---------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def source_of(conn: Connection, source_id: int | None) -> dict[str, Any]:
    """A ``sources`` row as a JSON-able dict (empty if there is none)."""
    if source_id is None:
        return {}
    row = conn.execute(select(s.sources).where(s.sources.c.id == source_id)).mappings().first()
    if row is None:
        return {}
    return {k: _jsonable(v) for k, v in row.items() if k != "id"}


def current(conn: Connection, table: str, fact_id: int) -> dict[str, Any] | None:
    """The fact's row as stored (column -> value), or None if there is no such fact."""
    t = fact_table(table)
    row = conn.execute(select(t).where(t.c.id == fact_id)).mappings().first()
    return dict(row) if row is not None else None


def judgements_of(conn: Connection, inspection_id: int) -> dict[str, str]:
    j = s.inspection_judgements
    return {r.area: r.grade for r in conn.execute(select(j).where(j.c.inspection_id == inspection_id))}


def image(
    table: str,
    values: Mapping[str, Any],
    source: Mapping[str, Any],
    codes: Codes,
    judgements: Mapping[str, str] | None = None,
    sources: list[dict[str, Any]] | None = None,
) -> Image:
    """The fact's tracker row plus everything needed to store it again exactly: its columns, its
    primary source, an inspection's judgements and (revision 0006) all its sources, first added
    first (``SOURCES``; an image written before then has none, and means its primary alone)."""
    stored: dict[str, Any] = {
        "columns": {k: _jsonable(v) for k, v in values.items()},
        "source": dict(source),
    }
    if table == "inspections":
        stored["judgements"] = dict(judgements or {})
    if sources is not None:
        stored[SOURCES] = [dict(e) for e in sources]
    return {**tracker_row(table, values, source, codes), STORED: stored}


def source_entry(
    source: Mapping[str, Any],
    added_at: Any = None,
    added_by: int | None = None,
    import_run_id: int | None = None,
) -> dict[str, Any]:
    """One of a fact's sources as an image keeps it."""
    return {
        "source": dict(source),
        "added_at": _jsonable(added_at),
        "added_by": added_by,
        "import_run_id": import_run_id,
    }


def sources_of(conn: Connection, table: str, fact_id: int) -> list[dict[str, Any]]:
    """A stored fact's sources as image entries, first added first."""
    return [
        source_entry(
            source_of(conn, link.source_id), link.added_at, link.added_by_change_id, link.import_run_id
        )
        for link in fact_sources.links(conn, table, fact_id)
    ]


def with_source(entries: list[dict[str, Any]], source: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A fact's sources with one more, last, unless one of them is already that source."""
    if any(_same(e["source"], source) for e in entries):
        return [dict(e) for e in entries]
    return [*(dict(e) for e in entries), source_entry(source)]


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all((a.get(c) or None) == (b.get(c) or None) for c in ("key", *fact_sources.SAME))


def image_of(conn: Connection, table: str, fact_id: int, codes: Codes | None = None) -> Image | None:
    """The stored fact's image, or None if there is no such fact."""
    values = current(conn, table, fact_id)
    if values is None:
        return None
    judgements = judgements_of(conn, fact_id) if table == "inspections" else None
    return image(
        table,
        values,
        source_of(conn, values["source_id"]),
        codes or Codes(conn),
        judgements,
        sources_of(conn, table, fact_id),
    )


def columns_of(table: str, img: Image) -> dict[str, Any]:
    """The stored columns of an image, with dates as dates again."""
    t = fact_table(table)
    out: dict[str, Any] = {}
    for name, value in img[STORED]["columns"].items():
        if name in t.c and isinstance(t.c[name].type, Date) and isinstance(value, str):
            out[name] = dt.date.fromisoformat(value)
        elif name in t.c:
            out[name] = value
    return out


def dumps(value: Any) -> str:
    """JSON as the history keeps it: keys sorted, text as typed (no escaping of non-ASCII)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_jsonable)


def loads(text: str | None) -> Any:
    return json.loads(text) if text else None


# Differences -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One tracker column that a change set from ``before`` to ``after`` ("" is none)."""

    column: str
    before: str
    after: str

    @property
    def label(self) -> str:
        return self.column.replace("_", " ")

    def __str__(self) -> str:
        return f"{self.label} {_shown(self.before)} → {_shown(self.after)}"


def _shown(value: str, limit: int = 60) -> str:
    if not value:
        return "none"
    return value if len(value) <= limit else value[: limit - 1] + "…"


def differences(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> tuple[Difference, ...]:
    """The tracker columns that differ (a created fact: every column it has; a removed one:
    every column it had)."""
    out = []
    for column in COLUMNS:
        old = _text((before or {}).get(column))
        new = _text((after or {}).get(column))
        if old != new:
            out.append(Difference(column, old, new))
    return tuple(out)


def summary(diffs: tuple[Difference, ...], limit: int = 3) -> str:
    """The first few differences in words: "end date 2025-03-31 → none; title …"."""
    shown = "; ".join(str(d) for d in diffs[:limit])
    return shown + (f"; and {len(diffs) - limit} more" if len(diffs) > limit else "")
