"""Import Ofsted releases and tracker CSVs into the store: validate, resolve, merge, write.

One call is one transaction. Every file is parsed and every row checked (authority known,
dates possible, grades valid) before anything is written; a single problem refuses the
whole run with the file, sheet, row and column of each problem, and the database is left
exactly as it was.

Facts are merged, not appended: the same inspection appears in a release's history table
(publication date), its snapshot table and its in-year table (inspection date), in the
next year's release (sometimes a day apart) and perhaps in the tracker (month precision).
:func:`_match_inspection` and friends recognise these as one fact; the higher-ranked
source wins a disagreement (a newer Ofsted release over an older one, Ofsted over the
tracker), and lower-ranked sources only fill gaps. Re-importing a file changes nothing.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from oversight.data.checksum import sha256_of
from oversight.data.domain import vocab
from oversight.data.domain.register import name_key
from oversight.data.sources.ofsted_release import parse_release
from oversight.data.sources.records import (
    AuthorityRef,
    EventRecord,
    ImportRefused,
    InspectionRecord,
    InterventionRecord,
    ParsedFile,
    Record,
    SourceInfo,
    VisitRecord,
)
from oversight.data.sources.tracker_csv import TRACKER_RANK, parse_tracker
from oversight.data.store import schema as s
from sqlalchemy import Connection, Engine, insert, select, update

SEED_RANK = 1
RELEASE_SUFFIXES = {".ods", ".xlsx", ".xlsm", ".xls"}
PRECISION_ORDER = {"day": 0, "month": 1, "year": 2, "observed": 3}
#: Used when a report's publication date is not in any imported file: the median lag from
#: inspection start to publication seen in the data (recomputed each import), else this.
DEFAULT_PUBLICATION_LAG_DAYS = 49


@dataclass
class RunSummary:
    """What one file's import did: the numbers the Data & sources page shows."""

    file_name: str
    sha256: str
    kind: str
    rows_read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    tables: list[str] = field(default_factory=list)
    skipped_as_already_imported: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "sha256": self.sha256,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "tables": self.tables,
            "already_imported": self.skipped_as_already_imported,
        }


def parse_file(path: Path, rank_kind: str = "tracker") -> ParsedFile:
    """Pick the reader by file type."""
    if not path.exists():
        return ParsedFile(path=str(path), kind="missing", errors=[f"{path}: no such file"])
    suffix = path.suffix.lower()
    if suffix in RELEASE_SUFFIXES:
        return parse_release(path)
    if suffix == ".csv":
        from oversight.data.sources.neighbours import looks_like_neighbours, parse_neighbours

        try:
            raw = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            return ParsedFile(
                path=str(path), kind="unknown", errors=[f"{path.name}: cannot be read as UTF-8 text ({exc})"]
            )
        first = next(iter(raw.splitlines()), "")
        if looks_like_neighbours(next(csv.reader([first]), [])):
            return parse_neighbours(path, raw)
        return parse_tracker(path, rank_kind=rank_kind)
    return ParsedFile(
        path=str(path),
        kind="unknown",
        errors=[
            f"{path.name}: layout not recognised: expected an Ofsted release (.ods, .xlsx) or a tracker .csv"
        ],
    )


# Authority resolution -------------------------------------------------------------------


@dataclass
class _Authority:
    id: int
    code: str
    name: str
    existed_from: dt.date | None
    existed_to: dt.date | None

    def existed_on(self, day: dt.date) -> bool:
        return (self.existed_from is None or self.existed_from <= day) and (
            self.existed_to is None or day <= self.existed_to
        )


class Resolver:
    """Maps a row's code or name (+ the fact's date) to an authority id."""

    def __init__(self, conn: Connection):
        self.by_id = {
            r.id: _Authority(r.id, r.code, r.name, r.existed_from, r.existed_to)
            for r in conn.execute(select(s.authorities))
        }
        self.by_code = {r.code: r.authority_id for r in conn.execute(select(s.authority_codes))}
        self.by_alias: dict[str, list[int]] = defaultdict(list)
        for r in conn.execute(select(s.authority_aliases)):
            self.by_alias[r.alias_key].append(r.authority_id)

    def resolve(self, ref: AuthorityRef, day: dt.date | None) -> int | str:
        """The authority id, or an error message."""
        if ref.code:
            if ref.code in self.by_code:
                return self.by_code[ref.code]
            return f"{ref.where}: unknown authority code {ref.code!r}"
        candidates = self.by_alias.get(name_key(ref.name or ""), [])
        if not candidates:
            return f"{ref.where}: unknown authority {ref.name!r} (not in the register under any spelling)"
        if len(candidates) == 1:
            return candidates[0]
        if day is not None:
            live = [c for c in candidates if self.by_id[c].existed_on(day)]
            if len(live) == 1:
                return live[0]
        names = ", ".join(self.by_id[c].code for c in candidates)
        return f"{ref.where}: {ref.name!r} is ambiguous on {day} ({names}); give the ONS code"


# The in-memory working set ----------------------------------------------------------------


@dataclass
class _Fact:
    table: str
    values: dict[str, Any]
    original: dict[str, Any] | None  # None: new
    judgements: dict[str, str] = field(default_factory=dict)
    original_judgements: dict[str, str] | None = None

    @property
    def is_new(self) -> bool:
        return self.original is None

    def changed(self) -> bool:
        if self.original is None:
            return True
        return self.values != self.original or (
            self.original_judgements is not None and self.judgements != self.original_judgements
        )


def _window(day: dt.date | None, precision: str) -> tuple[dt.date, dt.date] | None:
    if day is None:
        return None
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    return day, day


def _gap(a: tuple[dt.date, dt.date] | None, b: tuple[dt.date, dt.date] | None) -> int | None:
    """Days between two date windows (0 when they overlap); None if either is missing."""
    if a is None or b is None:
        return None
    if a[1] < b[0]:
        return (b[0] - a[1]).days
    if b[1] < a[0]:
        return (a[0] - b[1]).days
    return 0


def _lag(earlier: tuple[dt.date, dt.date] | None, later: tuple[dt.date, dt.date] | None) -> int | None:
    """Smallest possible (later - earlier) in days, for windows; None if missing."""
    if earlier is None or later is None:
        return None
    if later[1] < earlier[0]:
        return -((earlier[0] - later[1]).days)
    return max(0, (later[0] - earlier[1]).days)


class WorkingSet:
    """All facts of the store, loaded once, matched and merged in memory, then written."""

    def __init__(self, conn: Connection):
        self.facts: dict[str, list[_Fact]] = {t.name: [] for t in s.FACT_TABLES}
        self.by_authority: dict[tuple[str, int], list[_Fact]] = defaultdict(list)
        judgements: dict[int, dict[str, str]] = defaultdict(dict)
        for r in conn.execute(select(s.inspection_judgements)):
            judgements[r.inspection_id][r.area] = r.grade
        for table in s.FACT_TABLES:
            for row in conn.execute(select(table)):
                values = dict(row._mapping)
                fact = _Fact(table.name, values, dict(values))
                if table is s.inspections:
                    fact.judgements = dict(judgements.get(values["id"], {}))
                    fact.original_judgements = dict(fact.judgements)
                self._add(fact)

    def _add(self, fact: _Fact) -> None:
        self.facts[fact.table].append(fact)
        self.by_authority[(fact.table, fact.values["authority_id"])].append(fact)

    def candidates(self, table: str, authority_id: int) -> list[_Fact]:
        return self.by_authority[(table, authority_id)]

    def new(self, table: str, values: dict[str, Any], judgements: dict[str, str] | None = None) -> _Fact:
        fact = _Fact(table, values, None, dict(judgements or {}))
        self._add(fact)
        return fact


# Matching -----------------------------------------------------------------------------


def _generic(values: dict[str, Any]) -> bool:
    return values["kind"] == "ilacs"


def _match_inspection(ws: WorkingSet, aid: int, rec: InspectionRecord) -> _Fact | None:
    framework, is_full, _ = vocab.INSPECTION_KINDS[rec.kind]
    r_pub = _window(rec.publication_date, rec.date_precision)
    r_ins = _window(rec.inspection_date, rec.date_precision)
    best: tuple[int, _Fact] | None = None
    for fact in ws.candidates("inspections", aid):
        v = fact.values
        same_framework = v["framework"] == framework
        loose = (not rec.kind_known or rec.kind == "ilacs" or _generic(v)) and is_full and v["is_full"]
        if not (same_framework or loose):
            continue
        e_pub = None if v["publication_estimated"] else _window(v["publication_date"], v["date_precision"])
        e_ins = _window(v["inspection_date"], v["date_precision"])
        limit = 10 if rec.date_precision == v["date_precision"] == "day" else 0
        score: int | None = None
        gap = _gap(r_pub, e_pub)
        if gap is not None and gap <= limit:
            score = gap
        gap = _gap(r_ins, e_ins)
        if gap is not None and gap <= limit:
            score = gap if score is None else min(score, gap)
        grades_agree = (
            rec.overall is None
            or v["overall_effectiveness"] is None
            or rec.overall == v["overall_effectiveness"]
        )
        if grades_agree:
            for ins, pub in ((r_ins, e_pub), (e_ins, r_pub)):
                lag = _lag(ins, pub)
                if lag is not None and 0 <= lag <= 200:
                    score = 100 + lag if score is None else min(score, 100 + lag)
        if score is not None and (best is None or score < best[0]):
            best = (score, fact)
    return best[1] if best else None


def _match_visit(ws: WorkingSet, aid: int, rec: VisitRecord) -> _Fact | None:
    """Same kind, and every date both sides give agrees (a few days for exact dates, an
    overlapping month or year for coarse ones); with no common date, a letter published
    within 75 days of the visit."""
    r_day = _window(rec.visit_date, rec.date_precision)
    r_pub = _window(rec.publication_date, rec.date_precision)
    best: tuple[int, _Fact] | None = None
    for fact in ws.candidates("visits", aid):
        v = fact.values
        if v["kind"] != rec.kind:
            continue
        limit = 3 if rec.date_precision == v["date_precision"] == "day" else 0
        e_day = _window(v["visit_date"], v["date_precision"])
        e_pub = _window(v["publication_date"], v["date_precision"])
        gaps = [g for g in (_gap(r_day, e_day), _gap(r_pub, e_pub)) if g is not None]
        if any(g > limit for g in gaps):
            continue
        score = min(gaps) if gaps else None
        if score is None:
            for ins, pub in ((r_day, e_pub), (e_day, r_pub)):
                lag = _lag(ins, pub)
                if lag is not None and 0 <= lag <= 75:
                    score = 100 + lag
        if score is not None and (best is None or score < best[0]):
            best = (score, fact)
    return best[1] if best else None


def _covers(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    return start <= day and (end is None or day <= end)


def _match_intervention(ws: WorkingSet, aid: int, rec: InterventionRecord) -> _Fact | None:
    r_start = _window(rec.start_date, rec.start_precision)
    for fact in ws.candidates("interventions", aid):
        v = fact.values
        if v["level"] != rec.level or (v["kind"] or None) != (rec.kind or None):
            continue
        gap = _gap(r_start, _window(v["start_date"], v["start_precision"]))
        if gap is not None and gap <= 31:
            return fact
        # "In force on D, start unknown" is the same intervention as a dated one covering D.
        if rec.start_precision == "observed" and _covers(v["start_date"], v["end_date"], rec.start_date):
            return fact
        if v["start_precision"] == "observed" and _covers(rec.start_date, rec.end_date, v["start_date"]):
            return fact
    return None


def _match_event(ws: WorkingSet, aid: int, rec: EventRecord) -> _Fact | None:
    """Events are typed by people: the same kind and title within a month is the same event."""
    r_day = _window(rec.date, rec.date_precision)
    title = rec.title.strip().lower()
    for fact in ws.candidates("events", aid):
        v = fact.values
        if v["kind"] != rec.kind or v["title"].strip().lower() != title:
            continue
        gap = _gap(r_day, _window(v["date"], v["date_precision"]))
        if gap is not None and gap <= 31:
            return fact
    return None


MATCHERS = {
    "inspections": _match_inspection,
    "visits": _match_visit,
    "interventions": _match_intervention,
    "events": _match_event,
}


# Merging ------------------------------------------------------------------------------


def _record_values(rec: Record) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """Table, column values and the date columns (which move together with precision)."""
    if isinstance(rec, InspectionRecord):
        framework, is_full, _ = vocab.INSPECTION_KINDS[rec.kind]
        return (
            "inspections",
            {
                "framework": framework,
                "kind": rec.kind,
                "is_full": is_full,
                "inspection_date": rec.inspection_date,
                "publication_date": rec.publication_date,
                "publication_estimated": False if rec.publication_date else None,
                "date_precision": rec.date_precision,
                "overall_effectiveness": rec.overall,
                "overall_derived": rec.overall_derived,
            },
            ("inspection_date", "publication_date", "date_precision"),
        )
    if isinstance(rec, VisitRecord):
        return (
            "visits",
            {
                "kind": rec.kind,
                "visit_date": rec.visit_date,
                "publication_date": rec.publication_date,
                "date_precision": rec.date_precision,
                "theme": rec.theme,
                "summary": rec.summary,
            },
            ("visit_date", "publication_date", "date_precision"),
        )
    if isinstance(rec, InterventionRecord):
        return (
            "interventions",
            {
                "level": rec.level,
                "kind": rec.kind,
                "start_date": rec.start_date,
                "start_precision": rec.start_precision,
                "end_date": rec.end_date,
                "end_precision": rec.end_precision,
                "title": rec.title,
                "details": rec.details,
                "people": rec.people,
            },
            ("start_date", "start_precision"),
        )
    assert isinstance(rec, EventRecord)
    return (
        "events",
        {
            "kind": rec.kind,
            "date": rec.date,
            "date_precision": rec.date_precision,
            "title": rec.title,
            "details": rec.details,
            "people": rec.people,
        },
        ("date", "date_precision"),
    )


def _precision_of(values: dict[str, Any]) -> int:
    p = values.get("date_precision") or values.get("start_precision") or "day"
    return PRECISION_ORDER.get(p, 0)


def _merge(
    fact: _Fact,
    incoming: dict[str, Any],
    date_cols: tuple[str, ...],
    rank: int,
    source_id: int,
    judgements: dict[str, str] | None,
    run_id: int | None,
) -> None:
    v = fact.values
    outranks = rank > v["source_rank"]
    same_rank = rank == v["source_rank"]
    finer = _precision_of(incoming) < _precision_of(v)
    take_dates = outranks or (same_rank and finer)
    for col in date_cols:
        new = incoming.get(col)
        if new is None:
            continue
        if v.get(col) is None or take_dates:
            v[col] = new
    if fact.table == "inspections":
        if incoming["publication_date"] is not None and v["publication_estimated"]:
            v["publication_date"] = incoming["publication_date"]
            v["publication_estimated"] = False
            v["date_precision"] = incoming["date_precision"] if take_dates else v["date_precision"]
        if _generic(v) and incoming["kind"] != "ilacs" and vocab.INSPECTION_KINDS[incoming["kind"]][1]:
            v["kind"], v["framework"], v["is_full"] = incoming["kind"], incoming["framework"], True
    for col, new in incoming.items():
        if (
            col in date_cols
            or new is None
            or col in {"kind", "framework", "is_full", "publication_estimated"}
        ):
            continue
        if v.get(col) is None or (outranks and v.get(col) != new):
            v[col] = new
    if judgements:
        # A higher source replaces the set; the same source (another table of the same
        # release) adds areas; a lower one only fills an empty set. Order-independent,
        # so a second import of the same files finds nothing to change.
        if outranks or not fact.judgements:
            fact.judgements = dict(judgements)
        elif same_rank:
            for area, grade in judgements.items():
                fact.judgements.setdefault(area, grade)
    if outranks:
        v["source_rank"] = rank
        v["source_id"] = source_id
        v["import_run_id"] = run_id


def _source_rank(info: SourceInfo, parsed: ParsedFile) -> int:
    if info.kind == "ofsted_release":
        day = parsed.release_date or dt.date(2000, 1, 1)
        return 10_000_000 + int(day.strftime("%Y%m%d"))
    if info.kind == "seed":
        return SEED_RANK
    return TRACKER_RANK


# The run ------------------------------------------------------------------------------


def _source_id(conn: Connection, cache: dict[str, int], info: SourceInfo) -> int:
    if info.key in cache:
        return cache[info.key]
    row = conn.execute(select(s.sources.c.id).where(s.sources.c.key == info.key)).first()
    if row is None:
        sid = conn.execute(
            insert(s.sources).values(
                key=info.key,
                url=info.url,
                title=info.title,
                publisher=info.publisher,
                published=info.published,
                kind=info.kind,
                licence=info.licence,
            )
        ).inserted_primary_key[0]
    else:
        sid = row.id
        conn.execute(
            update(s.sources)
            .where(s.sources.c.id == sid)
            .values(
                url=info.url,
                title=info.title,
                publisher=info.publisher,
                published=info.published,
                licence=info.licence,
            )
        )
    cache[info.key] = sid
    return sid


def import_paths(engine: Engine, paths: list[str | Path], *, rank_kind: str = "tracker") -> list[RunSummary]:
    """Import files in one transaction; raise :class:`ImportRefused` on any problem."""
    files = [Path(p) for p in paths]
    parsed = [parse_file(p, rank_kind) for p in files]
    problems = [e for pf in parsed for e in pf.errors]
    if problems:
        raise ImportRefused(", ".join(p.name for p in files), problems)
    summaries = [
        RunSummary(
            f.name, sha256_of(f), pf.kind, rows_read=len(pf.records) + len(pf.neighbours), tables=pf.tables
        )
        for f, pf in zip(files, parsed, strict=True)
    ]
    with engine.connect() as conn, conn.begin() as trans:
        try:
            _run(conn, files, parsed, summaries, problems, rank_kind)
        except _NothingChanged:
            trans.rollback()
    return summaries


class _NothingChanged(Exception):
    """Raised inside the transaction when a re-import would write nothing at all."""


def _run(
    conn: Connection,
    files: list[Path],
    parsed: list[ParsedFile],
    summaries: list[RunSummary],
    problems: list[str],
    rank_kind: str,
) -> None:
    resolver = Resolver(conn)
    resolved: list[list[tuple[int, Record, SourceInfo]]] = []
    for pf in parsed:
        rows = []
        for rec, info in pf.records:
            aid = resolver.resolve(rec.authority, rec.reference_date)
            if isinstance(aid, str):
                problems.append(aid)
            else:
                problems.extend(_check_alive(resolver, aid, rec))
                rows.append((aid, rec, info))
        resolved.append(rows)
    if problems:
        raise ImportRefused(", ".join(p.name for p in files), problems)

    by_dfe = {r.dfe_code: r.id for r in conn.execute(select(s.authorities.c.dfe_code, s.authorities.c.id))}
    neighbour_rows: list[list[dict]] = []
    for pf in parsed:
        rows_here = []
        for model, code, rank, other, closeness, line, column in pf.neighbours:
            missing = [c for c in (code, other) if c not in by_dfe]
            if missing:
                problems.append(
                    f"{Path(pf.path).name}, row {line}, column {column}: unknown DfE LA number {missing[0]}"
                )
                continue
            rows_here.append(
                {
                    "model": model,
                    "authority_id": by_dfe[code],
                    "rank": rank,
                    "neighbour_id": by_dfe[other],
                    "closeness": closeness,
                }
            )
        neighbour_rows.append(rows_here)
    if problems:
        raise ImportRefused(", ".join(p.name for p in files), problems)

    ws = WorkingSet(conn)
    source_cache: dict[str, int] = {}
    previously = {
        r.sha256 for r in conn.execute(select(s.import_runs.c.sha256).where(s.import_runs.c.outcome == "ok"))
    }
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    touched: list[list[_Fact]] = []
    for pf, rows in zip(parsed, resolved, strict=True):
        facts_here: list[_Fact] = []
        for aid, rec, info in rows:
            rank = _source_rank(info, pf)
            sid = _source_id(conn, source_cache, info)
            table, values, date_cols = _record_values(rec)
            judgements = rec.judgements if isinstance(rec, InspectionRecord) else None
            fact = MATCHERS[table](ws, aid, rec)  # type: ignore[operator]
            if fact is None:
                base = dict(values)
                if table == "inspections":
                    base["publication_estimated"] = False
                fact = ws.new(
                    table,
                    {
                        **base,
                        "authority_id": aid,
                        "source_id": sid,
                        "source_rank": rank,
                        "import_run_id": None,
                    },
                    judgements,
                )
            else:
                _merge(fact, values, date_cols, rank, sid, judgements, None)
            facts_here.append(fact)
        touched.append(facts_here)
    _estimate_publication_dates(ws)

    for summary, facts_here in zip(summaries, touched, strict=True):
        seen: set[int] = set()
        for fact in facts_here:
            key = id(fact)
            if key in seen:
                summary.unchanged += 1
                continue
            seen.add(key)
            if fact.is_new:
                summary.added += 1
            elif fact.changed():
                summary.updated += 1
            else:
                summary.unchanged += 1
    replace_models: list[tuple[int, list[dict]]] = []
    for i, rows_here in enumerate(neighbour_rows):
        if not rows_here:
            continue
        model = rows_here[0]["model"]
        existing = {
            (r.authority_id, r.rank, r.neighbour_id, r.closeness)
            for r in conn.execute(select(s.neighbours).where(s.neighbours.c.model == model))
        }
        incoming = {(r["authority_id"], r["rank"], r["neighbour_id"], r["closeness"]) for r in rows_here}
        if existing == incoming:
            summaries[i].unchanged += len(rows_here)
        else:
            summaries[i].added += len(incoming - existing)
            summaries[i].updated += len(existing - incoming)
            replace_models.append((i, rows_here))

    nothing_changed = all(s_.added == 0 and s_.updated == 0 for s_ in summaries)
    if nothing_changed and all(s_.sha256 in previously for s_ in summaries):
        for summary in summaries:
            summary.skipped_as_already_imported = True
        raise _NothingChanged

    run_ids = []
    for summary, pf in zip(summaries, parsed, strict=True):
        file_source = next((info for _, info in pf.records), None) if pf.kind == "ofsted_release" else None
        run_ids.append(
            conn.execute(
                insert(s.import_runs).values(
                    file_name=summary.file_name,
                    sha256=summary.sha256,
                    kind=rank_kind if pf.kind == "tracker_csv" else pf.kind,
                    started_at=started,
                    finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    rows_read=summary.rows_read,
                    rows_added=summary.added,
                    rows_updated=summary.updated,
                    rows_unchanged=summary.unchanged,
                    outcome="ok",
                    message="; ".join(summary.tables),
                    source_id=source_cache.get(file_source.key) if file_source else None,
                )
            ).inserted_primary_key[0]
        )
    _write(conn, ws, touched, run_ids)
    for i, rows_here in replace_models:
        sid = _source_id(conn, source_cache, parsed[i].neighbour_source)  # type: ignore[arg-type]
        conn.execute(s.neighbours.delete().where(s.neighbours.c.model == rows_here[0]["model"]))
        conn.execute(
            insert(s.neighbours), [dict(r, source_id=sid, import_run_id=run_ids[i]) for r in rows_here]
        )


def _check_alive(resolver: Resolver, aid: int, rec: Record) -> list[str]:
    """A fact dated after its authority ceased (or long before it began) is impossible."""
    auth = resolver.by_id[aid]
    day = rec.reference_date
    if day is None:
        return []
    if auth.existed_to and day > auth.existed_to + dt.timedelta(days=366):
        return [
            f"{rec.authority.where}: {auth.name} ({auth.code}) ended on {auth.existed_to}, but this fact is dated {day}"
        ]
    return []


def _estimate_publication_dates(ws: WorkingSet) -> None:
    """Give inspections known only by their start date an expected publication date.

    The lag is the median seen in the data where both dates are known, so the estimate
    follows Ofsted's practice rather than a constant; such dates are flagged as estimated.
    """
    lags = [
        (f.values["publication_date"] - f.values["inspection_date"]).days
        for f in ws.facts["inspections"]
        if f.values["inspection_date"]
        and f.values["publication_date"]
        and not f.values["publication_estimated"]
    ]
    lags = [d for d in lags if 0 <= d <= 200]
    lag = int(statistics.median(lags)) if lags else DEFAULT_PUBLICATION_LAG_DAYS
    for fact in ws.facts["inspections"]:
        v = fact.values
        if v["inspection_date"] and (v["publication_date"] is None or v["publication_estimated"]):
            v["publication_date"] = v["inspection_date"] + dt.timedelta(days=lag)
            v["publication_estimated"] = True


def _write(conn: Connection, ws: WorkingSet, touched: list[list[_Fact]], run_ids: list[int]) -> None:
    run_of: dict[int, int] = {}
    for facts_here, run_id in zip(touched, run_ids, strict=True):
        for fact in facts_here:
            run_of.setdefault(id(fact), run_id)
    tables = {t.name: t for t in s.FACT_TABLES}
    for name, facts in ws.facts.items():
        table = tables[name]
        for fact in facts:
            if not fact.changed():
                continue
            values = dict(fact.values)
            if id(fact) in run_of and (
                fact.is_new or values.get("import_run_id") is None or values != fact.original
            ):
                values["import_run_id"] = run_of[id(fact)]
            if fact.is_new:
                values.pop("id", None)
                new_id = conn.execute(insert(table).values(**values)).inserted_primary_key[0]
                fact.values["id"] = new_id
                if name == "inspections" and fact.judgements:
                    conn.execute(
                        insert(s.inspection_judgements),
                        [
                            {"inspection_id": new_id, "area": a, "grade": g}
                            for a, g in fact.judgements.items()
                        ],
                    )
            else:
                fid = values.pop("id")
                if values != {k: v for k, v in (fact.original or {}).items() if k != "id"}:
                    conn.execute(update(table).where(table.c.id == fid).values(**values))
                if name == "inspections" and fact.judgements != fact.original_judgements:
                    conn.execute(
                        s.inspection_judgements.delete().where(s.inspection_judgements.c.inspection_id == fid)
                    )
                    if fact.judgements:
                        conn.execute(
                            insert(s.inspection_judgements),
                            [
                                {"inspection_id": fid, "area": a, "grade": g}
                                for a, g in fact.judgements.items()
                            ],
                        )
