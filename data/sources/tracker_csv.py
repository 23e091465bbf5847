"""Read tracker CSV files: interventions, events, visits and judgements kept by hand.

The format (documented in README.md, "Tracker CSV format") lets an adviser keep the
intervention picture in a spreadsheet. One row is one fact, with its own source link, so
every fact in the tracker can be traced. Every problem is reported with its row and
column; nothing is written unless the whole file is clean.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from oversight.data.domain import vocab
from oversight.data.sources.records import (
    AuthorityRef,
    EventRecord,
    InspectionRecord,
    InterventionRecord,
    ParsedFile,
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
    "kind": "event kind, visit kind (monitoring | focused | jtai) or inspection kind (sif, ilacs_standard ...)",
    "grade": "inspection overall effectiveness: " + " | ".join(vocab.GRADES),
    "title": "a one-line label",
    "details": "notes",
    "people": "named people and roles, ';'-separated",
    "source_url": "where the fact was published",
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


def parse_tracker(path: str | Path, *, rank_kind: str = "tracker") -> ParsedFile:
    """Parse a tracker CSV into records; problems go to ``ParsedFile.errors``."""
    path = Path(path)
    parsed = ParsedFile(path=str(path), kind="tracker_csv")
    name = path.name
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        parsed.errors.append(f"{name}: cannot be read as UTF-8 text ({exc})")
        return parsed
    reader = csv.DictReader(io.StringIO(raw))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing or unknown or not ({"authority_code", "authority_name"} & set(header)):
        parsed.errors.append(
            f"{name}: layout not recognised: header must use the tracker columns "
            f"({', '.join(COLUMNS)}); missing {missing or 'none'}, unknown {unknown or 'none'}"
        )
        return parsed
    parsed.tables.append("tracker rows")
    for line_no, row in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        if None in row:
            parsed.errors.append(f"{Where(name, row=line_no)}: more fields than the header has")
            continue
        _parse_row(name, line_no, row, parsed, rank_kind)
    return parsed


def _parse_row(name: str, line_no: int, row: dict[str, str], parsed: ParsedFile, rank_kind: str) -> None:
    errors: list[str] = []

    def where(col: str) -> Where:
        return Where(name, row=line_no, column=col)

    def need(col: str) -> str:
        value = row.get(col, "")
        if not value:
            errors.append(f"{where(col)}: required for a {row.get('record') or 'row'}")
        return value

    def date_of(col: str, required: bool = False) -> dt.date | None:
        value = row.get(col, "")
        if not value:
            if required:
                errors.append(f"{where(col)}: a date is required")
            return None
        try:
            day = _parse_date(value)
        except ValueError:
            errors.append(f"{where(col)}: not a date (YYYY-MM-DD): {value!r}")
            return None
        if day < dt.date(1990, 1, 1) or day > dt.date.today() + dt.timedelta(days=366):
            errors.append(f"{where(col)}: impossible date {day.isoformat()}")
            return None
        return day

    def choice(col: str, allowed: tuple[str, ...] | dict, default: str | None = None) -> str | None:
        value = row.get(col, "") or default
        if value is None:
            return None
        if value not in allowed:
            errors.append(f"{where(col)}: {value!r} is not one of {', '.join(allowed)}")
            return None
        return value

    record = choice("record", RECORDS)
    source_title = need("source_title")
    code = row.get("authority_code", "")
    auth_name = row.get("authority_name", "")
    if not code and not auth_name:
        errors.append(f"{where('authority_code')}: give an authority_code or an authority_name")
    ref = AuthorityRef(
        code=code or None, name=auth_name or None, where=where("authority_code" if code else "authority_name")
    )
    precision = choice("date_precision", vocab.PRECISIONS, "day")
    day = date_of("date", required=record in {"intervention", "event"})
    published = date_of("published")
    end = date_of("end_date")
    if end and day and end < day:
        errors.append(f"{where('end_date')}: ends ({end}) before it starts ({day})")
    if published and day and published < day and record in {"visit", "inspection"}:
        errors.append(
            f"{where('published')}: published ({published}) before the visit/inspection date ({day})"
        )

    rec = None
    if record == "intervention":
        level = choice("level", vocab.INTERVENTION_LEVELS)
        if not row.get("level"):
            errors.append(f"{where('level')}: required for an intervention")
        if level and day:
            rec = InterventionRecord(
                ref,
                level,
                day,
                precision or "day",
                end_date=end,
                end_precision=choice("end_precision", vocab.PRECISIONS, "day") if end else None,
                kind=row.get("kind") or None,
                title=row.get("title") or vocab.LEVELS.get(level, level),
                details=row.get("details") or None,
                people=row.get("people") or None,
                where=ref.where,
            )
    elif record == "event":
        kind = choice("kind", vocab.EVENT_KINDS, "other")
        title = need("title")
        if kind and day and title:
            rec = EventRecord(
                ref,
                kind,
                day,
                precision or "day",
                title,
                details=row.get("details") or None,
                people=row.get("people") or None,
                where=ref.where,
            )
    elif record == "visit":
        kind = choice("kind", vocab.VISIT_KINDS)
        if not row.get("kind"):
            errors.append(f"{where('kind')}: required for a visit (monitoring | focused | jtai)")
        if not day and not published:
            errors.append(f"{where('date')}: a visit needs a date or a published date")
        if kind and (day or published):
            summary = "; ".join(x for x in (row.get("title"), row.get("details")) if x) or None
            rec = VisitRecord(
                ref, kind, day, published, summary=summary, date_precision=precision or "day", where=ref.where
            )
    elif record == "inspection":
        kind = choice("kind", tuple(vocab.INSPECTION_KINDS))
        grade = None
        try:
            grade = vocab.normalise_grade(row.get("grade"))
        except ValueError as exc:
            errors.append(f"{where('grade')}: {exc}")
        if not row.get("grade"):
            errors.append(f"{where('grade')}: required for an inspection")
        if not day and not published:
            errors.append(f"{where('date')}: an inspection needs a date or a published date")
        if kind and grade and (day or published):
            rec = InspectionRecord(
                ref, kind, day, published, grade, date_precision=precision or "day", where=ref.where
            )

    if errors:
        parsed.errors.extend(errors)
        return
    if rec is None:
        return
    url = row.get("source_url") or None
    source = SourceInfo(
        key=f"{rank_kind}:{url or source_title}"[:300],
        title=source_title,
        kind=rank_kind,
        url=url,
        publisher=row.get("source_publisher") or None,
    )
    parsed.records.append((rec, source))
