"""Read tracker CSV files: interventions, events, visits and judgements kept by hand.

The format (documented in README.md, "Tracker CSV format") lets an adviser keep the
intervention picture in a spreadsheet. One row is one fact, with its own source link, so
every fact in the tracker can be traced. Every problem is reported with its row and
column; nothing is written unless the whole file is clean. A row is read in steps (the
columns every row shares, then the record kind's own columns, see ``_READERS``) that each
add their problems to the row, so one pass lists them all in a fixed order.

Before any step reads a cell, its length is checked against ``domain.text.FIELD_LIMITS`` (a 20 MB
title is one problem, found in constant time). A file's cells lose the formula guard the
tracker export adds (``domain.text.csv_value``: a leading ``'`` before ``=``, ``+``, ``-``,
``@``), so an export imports back as the same values; a form's row (``parse_row``) is taken as
typed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from oversight.data.domain import vocab
from oversight.data.domain.links import link_problem
from oversight.data.domain.text import csv_value, too_long
from oversight.data.sources.limits import MAX_CSV_BYTES
from oversight.data.sources.records import (
    AuthorityRef,
    EventRecord,
    InspectionRecord,
    InterventionRecord,
    ParsedFile,
    Record,
    SourceInfo,
    VisitRecord,
    Where,
)

COLUMNS: dict[str, str] = {
    "record": "intervention | event | visit | inspection",
    "authority_code": "ONS code live on the fact's date (or leave empty and give authority_name)",
    "authority_name": "the authority's name (any common spelling); used when the code is empty",
    "date": "YYYY-MM-DD: start (intervention), day (event), visit date (visit), inspection date (inspection)",
    "date_precision": "day | month | year | observed (known in force on that date, start unknown)",
    "published": "YYYY-MM-DD publication date of a visit letter or inspection report",
    "end_date": "YYYY-MM-DD: when an intervention ended (lifted, revoked)",
    "end_precision": "day | month | year",
    "level": "intervention level: " + " | ".join(vocab.INTERVENTION_LEVELS),
    "kind": "event kind, visit kind (monitoring | focused | jtai), inspection kind (sif, ilacs_standard ...) "
    "or, optional, an intervention's instrument (adviser, commissioner ...)",
    "grade": "inspection overall effectiveness: " + " | ".join(vocab.GRADES),
    "title": "a one-line label",
    "details": "notes",
    "people": "named people and roles, ';'-separated",
    "source_url": "where the fact was published: an http:// or https:// address",
    "source_title": "title of that page or document (required)",
    "source_publisher": "who published it",
}
REQUIRED = ("record", "source_title")
RECORDS = ("intervention", "event", "visit", "inspection")

TRACKER_RANK = 2  # a user's tracker file: above the seed (1), below any Ofsted release


def _parse_date(text: str) -> dt.date:
    text = text.strip()
    if len(text) == 7:  # YYYY-MM
        text += "-01"
    elif len(text) == 4:  # YYYY
        text += "-01-01"
    return dt.date.fromisoformat(text)


def parse_tracker(path: str | Path, *, rank_kind: str = "tracker", raw: str | None = None) -> ParsedFile:
    """Parse a tracker CSV into records; problems go to ``ParsedFile.errors``. ``raw``: the
    file's text as the importer read it within the input limits (else the file is read here)."""
    path = Path(path)
    parsed = ParsedFile(path=str(path), kind="tracker_csv")
    name = path.name
    try:
        raw = path.read_bytes().decode("utf-8-sig") if raw is None else raw
    except (OSError, UnicodeDecodeError) as exc:
        parsed.errors.append(f"{name}: cannot be read as UTF-8 text ({exc})")
        return parsed
    rows, errors = read_rows(name, raw)
    parsed.errors.extend(errors)
    if rows is None:
        return parsed
    parsed.tables.append("tracker rows")
    for line_no, row in rows:
        _parse_row(name, line_no, row, parsed, rank_kind)
    return parsed


def read_rows(name: str, raw: str) -> tuple[list[tuple[int, dict[str, str]]] | None, list[str]]:
    """A tracker file's non-empty rows as (row number, tracker columns), their cells stripped and
    the export's formula guard taken off (cells past the header's are ignored); or None and the
    layout's problem. Shared by the importer and the app's upload."""
    # A cell may be as long as the file (the importer's limit): read it, so that its problem can
    # name its row and column, rather than stop at the csv module's 128 KB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_BYTES))
    reader = csv.reader(io.StringIO(raw))
    header = next(reader, [])
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or not ({"authority_code", "authority_name"} & set(header)):
        return None, [
            f"{name}: layout not recognised: header must use the tracker columns "
            f"({', '.join(COLUMNS)}); missing {missing or 'none'}, unknown {unknown or 'none'}"
        ]
    rows: list[tuple[int, dict[str, str]]] = []
    # Numbered as a spreadsheet numbers them: a blank line is a row, a quoted cell's line break is not.
    for line_no, cells in enumerate(reader, start=2):
        row = {col: csv_value(cell.strip()) for col, cell in zip(header, cells, strict=False)}
        row.update({col: "" for col in header[len(cells) :]})
        if not any(row.values()):
            continue
        rows.append((line_no, row))
    return rows, []


class _Row:
    """One data row being read: typed access to its cells, collecting every problem with
    the file, row and column, so the whole file can be reported at once.

    A cell longer than its column's limit is reported first and then read as empty by every
    later step, which says nothing more about that column: one problem per too-long cell, and
    no regular expression, date parser or message ever sees its text."""

    def __init__(self, name: str, line_no: int | None, row: dict[str, str]):
        self.name = name
        self.line_no = line_no
        self.errors: list[str] = []
        #: The same problems as (column, message), for a form that shows them by its fields.
        self.fields: list[tuple[str, str]] = []
        #: Columns whose cell is longer than ``FIELD_LIMITS`` allows.
        self.too_long: set[str] = set()
        for col, value in row.items():
            problem = too_long(col, value)
            if problem:
                self.error(col, problem)
                self.too_long.add(col)
        self.row = {c: "" if c in self.too_long else v for c, v in row.items()} if self.too_long else row

    def get(self, col: str) -> str | None:
        return self.row.get(col)

    def where(self, col: str) -> Where:
        return Where(self.name, row=self.line_no, column=col)

    def error(self, col: str, message: str) -> None:
        if col in self.too_long:
            return  # said already: too long
        self.errors.append(f"{self.where(col)}: {message}")
        self.fields.append((col, message))

    def need(self, col: str) -> str:
        value = self.row.get(col, "")
        if not value:
            record = self.row.get("record") or "row"
            self.error(col, f"required for {'an' if record[:1] in 'aeiou' else 'a'} {record}")
        return value

    def date_of(self, col: str, required: bool = False) -> dt.date | None:
        """A date between 1990 and a year from now, or None (with a problem if malformed)."""
        value = self.row.get(col, "")
        if not value:
            if required:
                self.error(col, "a date is required")
            return None
        try:
            day = _parse_date(value)
        except ValueError:
            self.error(col, f"not a date (YYYY-MM-DD): {value!r}")
            return None
        if day < dt.date(1990, 1, 1) or day > dt.date.today() + dt.timedelta(days=366):
            self.error(col, f"impossible date {day.isoformat()}")
            return None
        return day

    def choice(self, col: str, allowed: tuple[str, ...] | dict, default: str | None = None) -> str | None:
        value = self.row.get(col, "") or default
        if value is None:
            return None
        if value not in allowed:
            self.error(col, f"{value!r} is not one of {', '.join(allowed)}")
            return None
        return value


@dataclass
class _Dates:
    """The row's dates, each checked on its own and against the others."""

    precision: str | None
    day: dt.date | None
    published: dt.date | None
    end: dt.date | None


def _parse_row(name: str, line_no: int, row: dict[str, str], parsed: ParsedFile, rank_kind: str) -> None:
    """Read one row into a record and its source, or add its problems to ``parsed.errors``."""
    rec, info, r = _read_row(name, line_no, row, rank_kind)
    if r.errors:
        parsed.errors.extend(r.errors)
        return
    if rec is None:
        return
    parsed.records.append((rec, info))


def parse_row(
    row: Mapping[str, str | None], *, name: str = "form", rank_kind: str = "tracker"
) -> tuple[Record | None, SourceInfo | None, list[str]]:
    """Read ONE row given as a dict of tracker columns (a form's fields), exactly as a CSV row is
    read: the same checks in the same order, the same record and ``SourceInfo``.

    Returns ``(record, source, problems)``; each problem starts with the column it is about
    (``"level: 'x' is not one of …"``) so a form can show it beside its field. ``record`` and
    ``source`` are None when there is any problem. Values are stripped, as in a CSV file; a key
    that is not a tracker column is a problem; a missing column counts as empty. An empty
    ``record`` is a problem here (a CSV file skips such a row silently).
    """
    problems = [f"{key}: not a tracker column" for key in row if key not in COLUMNS]
    clean = {c: (row.get(c) or "").strip() for c in COLUMNS}
    if not clean["record"]:
        problems.append(f"record: required ({' | '.join(RECORDS)})")
    rec, info, r = _read_row(name, None, clean, rank_kind)
    problems.extend(f"{column}: {message}" for column, message in r.fields)
    if problems:
        return None, None, problems
    return rec, info, []


def _read_row(
    name: str, line_no: int | None, row: dict[str, str], rank_kind: str
) -> tuple[Record | None, SourceInfo | None, _Row]:
    """One row's record and source (None if it has problems), and the row with its problems.

    Checks run in a fixed order (common columns, then the record kind's own), so the
    problems of a row are always listed the same way.
    """
    r = _Row(name, line_no, row)
    record = r.choice("record", RECORDS)
    source_title = r.need("source_title")
    source_url = _source_url(r)
    ref = _authority(r)
    dates = _dates(r, record)
    rec = _READERS[record](r, ref, dates) if record else None
    if r.errors or rec is None:
        return None, None, r
    return rec, _source(row, source_title, source_url, rank_kind), r


def _source_url(r: _Row) -> str | None:
    """The row's source link, refused unless it is an http(s) address with a host: the app turns
    it into a link, so a ``javascript:``, ``data:`` or ``file:`` address must never get in."""
    url = r.get("source_url")
    if not url:
        return None
    problem = link_problem(url)
    if problem:
        shown = url if len(url) <= 80 else url[:79] + "…"
        r.error("source_url", f"{shown!r} is not a web address: {problem}")
        return None
    return url


def _authority(r: _Row) -> AuthorityRef:
    """The authority by code, else by name; errors point at the column that was used."""
    code = r.row.get("authority_code", "")
    auth_name = r.row.get("authority_name", "")
    if not code and not auth_name:
        r.error("authority_code", "give an authority_code or an authority_name")
    return AuthorityRef(
        code=code or None,
        name=auth_name or None,
        where=r.where("authority_code" if code else "authority_name"),
    )


def _dates(r: _Row, record: str | None) -> _Dates:
    """Precision, date, publication and end; an end before the start, or a report
    published before its visit or inspection, is impossible."""
    precision = r.choice("date_precision", vocab.PRECISIONS, "day")
    day = r.date_of("date", required=record in {"intervention", "event"})
    published = r.date_of("published")
    end = r.date_of("end_date")
    if end and day and end < day:
        r.error("end_date", f"ends ({end}) before it starts ({day})")
    if published and day and published < day and record in {"visit", "inspection"}:
        r.error("published", f"published ({published}) before the visit/inspection date ({day})")
    return _Dates(precision, day, published, end)


def _intervention(r: _Row, ref: AuthorityRef, d: _Dates) -> InterventionRecord | None:
    """An intervention needs a known level and a start date."""
    level = r.choice("level", vocab.INTERVENTION_LEVELS)
    if not r.get("level"):
        r.error("level", "required for an intervention")
    if not (level and d.day):
        return None
    return InterventionRecord(
        ref,
        level,
        d.day,
        d.precision or "day",
        end_date=d.end,
        end_precision=r.choice("end_precision", vocab.PRECISIONS, "day") if d.end else None,
        kind=r.get("kind") or None,
        title=r.get("title") or vocab.LEVELS.get(level, level),
        details=r.get("details") or None,
        people=r.get("people") or None,
        where=ref.where,
    )


def _event(r: _Row, ref: AuthorityRef, d: _Dates) -> EventRecord | None:
    """An event needs a known kind (default "other"), a date and a title."""
    kind = r.choice("kind", vocab.EVENT_KINDS, "other")
    title = r.need("title")
    if not (kind and d.day and title):
        return None
    return EventRecord(
        ref,
        kind,
        d.day,
        d.precision or "day",
        title,
        details=r.get("details") or None,
        people=r.get("people") or None,
        where=ref.where,
    )


def _visit(r: _Row, ref: AuthorityRef, d: _Dates) -> VisitRecord | None:
    """A visit needs its kind and a visit or publication date; title and details become its summary."""
    kind = r.choice("kind", vocab.VISIT_KINDS)
    if not r.get("kind"):
        r.error("kind", "required for a visit (monitoring | focused | jtai)")
    if not d.day and not d.published:
        r.error("date", "a visit needs a date or a published date")
    if not (kind and (d.day or d.published)):
        return None
    summary = "; ".join(x for x in (r.get("title"), r.get("details")) if x) or None
    return VisitRecord(
        ref, kind, d.day, d.published, summary=summary, date_precision=d.precision or "day", where=ref.where
    )


def _inspection(r: _Row, ref: AuthorityRef, d: _Dates) -> InspectionRecord | None:
    """An inspection needs its kind, a valid overall grade and an inspection or publication date."""
    kind = r.choice("kind", tuple(vocab.INSPECTION_KINDS))
    grade = None
    try:
        grade = vocab.normalise_grade(r.get("grade"))
    except ValueError as exc:
        r.error("grade", str(exc))
    if not r.get("grade"):
        r.error("grade", "required for an inspection")
    if not d.day and not d.published:
        r.error("date", "an inspection needs a date or a published date")
    if not (kind and grade and (d.day or d.published)):
        return None
    return InspectionRecord(
        ref, kind, d.day, d.published, grade, date_precision=d.precision or "day", where=ref.where
    )


#: Per value of the ``record`` column: the reader of that kind's own columns.
_READERS: dict[str, Callable[[_Row, AuthorityRef, _Dates], Record | None]] = {
    "intervention": _intervention,
    "event": _event,
    "visit": _visit,
    "inspection": _inspection,
}


def _source(row: dict[str, str], source_title: str, url: str | None, rank_kind: str) -> SourceInfo:
    """Each row cites its own source; rows citing the same link (or title) share one."""
    return SourceInfo(
        key=f"{rank_kind}:{url or source_title}"[:300],
        title=source_title,
        kind=rank_kind,
        url=url,
        publisher=row.get("source_publisher") or None,
    )
