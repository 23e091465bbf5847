"""Recognise the same fact arriving from several sources, and merge the copies in memory.

The same inspection appears in a release's history table (publication date), its
snapshot table and its in-year table (inspection date), in the next year's release
(sometimes a day apart) and perhaps in the tracker (month precision). Appending would
count it several times, so each incoming record is first matched against the facts
already known for its authority (:data:`MATCHERS`); a match is merged (:func:`merge`),
anything else becomes a new fact. The higher-ranked source wins a disagreement and
lower-ranked sources only fill gaps, column by column (:attr:`Fact.ranks`: a newer release's
snapshot row that gives an inspection date but no publication date must not stop its history
row from correcting the publication date an older release got wrong), so the order files arrive
in does not matter and re-importing a file changes nothing.

Matching looks only at the facts that could match (:class:`_Index`: by authority, the
columns the matcher requires equal, and date buckets), so a run takes time in proportion to
its rows, not to rows x facts of the authority.

This module only works on the in-memory :class:`WorkingSet`; reading it is its only
database access. Validation, publication-date estimates and writing stay with the
importer, which is the only module that uses this one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from oversight.data.domain import vocab
from oversight.data.sources.records import (
    EventRecord,
    InspectionRecord,
    InterventionRecord,
    Record,
    VisitRecord,
)
from oversight.data.store import fact_sources
from oversight.data.store import schema as s

#: Finer first: a finer date from a source of the same rank replaces a coarser one.
PRECISION_ORDER = {"day": 0, "month": 1, "year": 2, "observed": 3}

Window = tuple[dt.date, dt.date]


# The in-memory working set ----------------------------------------------------------------


@dataclass
class Fact:
    """One row of a fact table as it will be written, and as it was read (to count changes)."""

    table: str
    values: dict[str, Any]
    original: dict[str, Any] | None  # None: new
    judgements: dict[str, str] = field(default_factory=dict)
    original_judgements: dict[str, str] | None = None
    #: Order of arrival in the working set: candidates are tried in this order.
    seq: int = field(default=-1, compare=False)
    #: The rank of the source each column's value came from (``judgements`` and ``kind`` too;
    #: no entry: nobody's word yet, as for an estimated publication date or a kind that no
    #: table stated). Kept for the run only: a stored fact's columns all take its rank.
    ranks: dict[str, int] = field(default_factory=dict, compare=False)
    #: The fact's sources as stored (``store/fact_sources``: source ids, first added first), and
    #: the sources of the records this run merged into it, in the order they came: the importer
    #: keeps a tracker row's source beside the ones the fact has.
    links: list[int] = field(default_factory=list, compare=False)
    seen: list[int] = field(default_factory=list, compare=False)
    #: Sources this run took the primary place from but that still state the fact (a release
    #: whose date an erratum corrected): kept beside the new primary, whatever their kind.
    kept: list[int] = field(default_factory=list, compare=False)

    @property
    def is_new(self) -> bool:
        return self.original is None

    def changed(self) -> bool:
        if self.original is None:
            return True
        return self.values != self.original or (
            self.original_judgements is not None and self.judgements != self.original_judgements
        )


class WorkingSet:
    """All facts of the store, loaded once, matched and merged in memory, then written.

    Loading everything once keeps matching a dictionary look-up instead of a query per
    incoming row, and lets a whole run be judged before anything is written.
    """

    def __init__(self, conn: Connection):
        self.facts: dict[str, list[Fact]] = {t.name: [] for t in s.FACT_TABLES}
        self.index = _Index()
        self._seq = itertools.count()
        judgements: dict[int, dict[str, str]] = defaultdict(dict)
        for r in conn.execute(select(s.inspection_judgements)):
            judgements[r.inspection_id][r.area] = r.grade
        links = fact_sources.all_links(conn)
        for table in s.FACT_TABLES:
            for row in conn.execute(select(table)):
                values = dict(row._mapping)
                fact = Fact(table.name, values, dict(values))
                if table is s.inspections:
                    fact.judgements = dict(judgements.get(values["id"], {}))
                    fact.original_judgements = dict(fact.judgements)
                fact.ranks = _stored_ranks(table.name, values, fact.judgements)
                fact.links = links.get((table.name, values["id"]), [])
                self._add(fact)

    def _add(self, fact: Fact) -> None:
        fact.seq = next(self._seq)
        self.facts[fact.table].append(fact)
        self.index.add(fact)

    def candidates(self, table: str, authority_id: int, probe: dict[str, Any]) -> list[Fact]:
        """The authority's facts of ``table`` that may match a record with these ``probe``
        values (the record's own column values), in order of arrival."""
        return self.index.candidates(table, authority_id, probe)

    def new(
        self,
        table: str,
        values: dict[str, Any],
        judgements: dict[str, str] | None = None,
        kind_known: bool = True,
    ) -> Fact:
        fact = Fact(table, values, None, dict(judgements or {}))
        fact.ranks = _stored_ranks(table, values, fact.judgements)
        if not kind_known:
            fact.ranks.pop("kind", None)  # the table did not say which inspection: anyone may
        self._add(fact)
        return fact


#: Columns that are bookkeeping, not anybody's statement of the fact.
_BOOKKEEPING = {"id", "authority_id", "source_id", "import_run_id", "source_rank", "version"}


def _stored_ranks(table: str, values: dict[str, Any], judgements: dict[str, str]) -> dict[str, int]:
    """Each stated column of a fact at the fact's own rank (the store keeps one rank per fact).

    An estimated publication date and the generic kind "ilacs" are nobody's word, so they
    get no rank: any source's real date or specific kind replaces them.
    """
    rank = values["source_rank"]
    ranks = {c: rank for c, v in values.items() if c not in _BOOKKEEPING and v is not None}
    if table == "inspections":
        if values.get("publication_estimated"):
            ranks.pop("publication_date", None)
        if _generic(values):
            ranks.pop("kind", None)
        if judgements:
            ranks["judgements"] = rank
    return ranks


def absorb(
    ws: WorkingSet,
    authority_id: int,
    rec: Record,
    rank: int,
    source_id: int,
    notes: list[str] | None = None,
) -> Fact:
    """Merge ``rec`` into the fact it describes, or add it as a new fact; return that fact.

    A fact added or merged here has no import run yet (``import_run_id`` None, when this
    source is the one it keeps); the importer stamps it with the run that wrote it. Where
    ``rec`` and a matched fact of another rank disagree, ``notes`` gets a line saying so.
    """
    table, values, date_cols = record_values(rec)
    judgements = rec.judgements if isinstance(rec, InspectionRecord) else None
    kind_known = rec.kind_known if isinstance(rec, InspectionRecord) else True
    fact = MATCHERS[table](ws, authority_id, rec, values)
    if fact is None:
        fact = _add_new(ws, table, values, authority_id, rank, source_id, judgements, kind_known)
        fact.seen.append(source_id)
        return fact
    fact.seen.append(source_id)
    if notes is not None and isinstance(rec, InspectionRecord):
        notes.extend(disagreements(rec, fact.values, rank))
    merge(fact, values, date_cols, rank, source_id, judgements, kind_known)
    ws.index.moved(fact)
    return fact


def _add_new(
    ws: WorkingSet,
    table: str,
    values: dict[str, Any],
    authority_id: int,
    rank: int,
    source_id: int,
    judgements: dict[str, str] | None,
    kind_known: bool = True,
) -> Fact:
    """A fact nobody has recorded yet; an inspection's publication date, if any, is real."""
    base = dict(values)
    if table == "inspections":
        base["publication_estimated"] = False
    return ws.new(
        table,
        {
            **base,
            "authority_id": authority_id,
            "source_id": source_id,
            "source_rank": rank,
            "import_run_id": None,
        },
        judgements,
        kind_known,
    )


#: Inspection columns whose disagreement between ranked sources the import report names.
_COMPARED = (("overall_effectiveness", "overall grade"), ("publication_date", "publication date"))


def disagreements(rec: InspectionRecord, stored: dict[str, Any], rank: int) -> list[str]:
    """Where an incoming inspection and the stored one it matched (from a source of another
    rank) give different overall grades or publication dates: file, row, both values and
    which one is kept (the higher rank's). Estimated dates are not the other source's word."""
    if rank == stored["source_rank"]:
        return []
    _, values, _ = _inspection_values(rec)
    kept = "this file's" if rank > stored["source_rank"] else "the stored"
    lines = []
    for column, label in _COMPARED:
        mine, theirs = values[column], stored[column]
        if column == "publication_date" and stored["publication_estimated"]:
            continue
        if mine is not None and theirs is not None and mine != theirs:
            lines.append(
                f"{rec.where or rec.authority.where}: {label} {_shown(mine)} here, {_shown(theirs)} in the "
                f"stored fact (source rank {stored['source_rank']}, this file {rank}); {kept} is kept"
            )
    return lines


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else repr(value)


# The candidate index ----------------------------------------------------------------------

#: Days a bucket of the date index spans.
BUCKET_DAYS = 32
#: Per table: the columns a matcher requires equal (folded as it compares them), the date
#: columns (with their precision column) it compares, and how many days apart two such date
#: windows may be and still match (inspection to publication: 200; visit to letter: 75; an
#: event: 31). Interventions are matched on level and kind and may cover years: no dates here.
_KEY_COLUMNS: dict[str, Callable[[dict[str, Any]], tuple]] = {
    "inspections": lambda v: (),
    "visits": lambda v: (v["kind"],),
    "events": lambda v: (v["kind"], (v["title"] or "").strip().lower()),
    "interventions": lambda v: (v["level"], v["kind"] or None),
}
_DATE_COLUMNS: dict[str, tuple[tuple[str, ...], str, int]] = {
    "inspections": (("inspection_date", "publication_date"), "date_precision", 200),
    "visits": (("visit_date", "publication_date"), "date_precision", 75),
    "events": (("date",), "date_precision", 31),
}
#: Up to this many facts under one key, all are candidates (cheaper than the buckets).
_FEW = 16


class _Index:
    """Where matching looks: facts by (table, authority, the columns the matcher requires
    equal), then, once such a group outgrows :data:`_FEW`, by date bucket, so a record meets
    the few facts near its dates instead of every fact of its authority (a tracker of 40,000
    rows took 25 s in matching, 1 million never ended).

    A fact sits in every bucket its date windows touch; a record asks the buckets of its own
    windows widened by the table's reach, which returns every fact the matcher could accept
    and some it will not. Candidates come back in arrival order, so matching picks exactly
    what a scan of all the authority's facts would. A merge may move a fact's dates:
    :meth:`moved` files it again.
    """

    def __init__(self) -> None:
        self.groups: dict[tuple, dict[int, Fact]] = defaultdict(dict)
        self.shelves: dict[tuple, dict[int, dict[int, Fact]]] = {}
        self.filed: dict[int, tuple[tuple, set[int]]] = {}

    @staticmethod
    def _key(table: str, authority_id: int, values: dict[str, Any]) -> tuple:
        return (table, authority_id, *_KEY_COLUMNS[table](values))

    @staticmethod
    def _buckets(table: str, values: dict[str, Any], reach: int = 0) -> set[int]:
        columns, precision, _ = _DATE_COLUMNS[table]
        found: set[int] = set()
        for col in columns:
            window = _window(values.get(col), values.get(precision) or "day")
            if window is not None:
                first = (window[0].toordinal() - reach) // BUCKET_DAYS
                found.update(range(first, (window[1].toordinal() + reach) // BUCKET_DAYS + 1))
        return found

    def add(self, fact: Fact) -> None:
        key = self._key(fact.table, fact.values["authority_id"], fact.values)
        group = self.groups[key]
        group[fact.seq] = fact
        if key in self.shelves:
            self._file(key, fact)
        elif fact.table in _DATE_COLUMNS and len(group) > _FEW:
            self.shelves[key] = defaultdict(dict)
            for member in group.values():
                self._file(key, member)

    def _file(self, key: tuple, fact: Fact) -> None:
        buckets = self._buckets(fact.table, fact.values)
        shelf = self.shelves[key]
        for b in buckets:
            shelf[b][fact.seq] = fact
        self.filed[fact.seq] = (key, buckets)

    def moved(self, fact: Fact) -> None:
        """File a fact again after a merge changed its dates."""
        filed = self.filed.get(fact.seq)
        if filed is None:
            return
        key, old = filed
        new = self._buckets(fact.table, fact.values)
        if new != old:
            shelf = self.shelves[key]
            for b in old - new:
                shelf[b].pop(fact.seq, None)
            for b in new - old:
                shelf[b][fact.seq] = fact
            self.filed[fact.seq] = (key, new)

    def candidates(self, table: str, authority_id: int, probe: dict[str, Any]) -> list[Fact]:
        key = self._key(table, authority_id, probe)
        shelf = self.shelves.get(key)
        if shelf is None:
            group = self.groups.get(key)
            return list(group.values()) if group else []
        near: dict[int, Fact] = {}
        for b in self._buckets(table, probe, _DATE_COLUMNS[table][2]):
            if b in shelf:
                near.update(shelf[b])
        return [near[seq] for seq in sorted(near)]


# Date windows ---------------------------------------------------------------------------


def _window(day: dt.date | None, precision: str) -> Window | None:
    """The days a date may stand for: its month or year when only that is known."""
    if day is None:
        return None
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    return day, day


def _gap(a: Window | None, b: Window | None) -> int | None:
    """Days between two date windows (0 when they overlap); None if either is missing."""
    if a is None or b is None:
        return None
    if a[1] < b[0]:
        return (b[0] - a[1]).days
    if b[1] < a[0]:
        return (a[0] - b[1]).days
    return 0


def _lag(earlier: Window | None, later: Window | None) -> int | None:
    """Smallest possible (later - earlier) in days, for windows; None if missing."""
    if earlier is None or later is None:
        return None
    if later[1] < earlier[0]:
        return -((earlier[0] - later[1]).days)
    return max(0, (later[0] - earlier[1]).days)


def _covers(start: dt.date, end: dt.date | None, day: dt.date) -> bool:
    return start <= day and (end is None or day <= end)


# Matching -----------------------------------------------------------------------------


def _generic(values: dict[str, Any]) -> bool:
    """An inspection recorded only as "ILACS" (framework known, kind of inspection not)."""
    return values["kind"] == "ilacs"


def _best(scored: Iterable[tuple[int | None, Fact]]) -> Fact | None:
    """The fact with the lowest score (the first of equals); unscored facts never match."""
    best: tuple[int, Fact] | None = None
    for score, fact in scored:
        if score is not None and (best is None or score < best[0]):
            best = (score, fact)
    return best[1] if best else None


def _match_inspection(ws: WorkingSet, aid: int, rec: InspectionRecord, values: dict[str, Any]) -> Fact | None:
    """The closest inspection of a compatible framework: matching dates first (score =
    days apart), else an inspection date and a publication date a plausible lag apart
    (score = 100 + lag) when the grades do not contradict each other."""
    r_pub = _window(rec.publication_date, rec.date_precision)
    r_ins = _window(rec.inspection_date, rec.date_precision)
    return _best(
        (_inspection_score(rec, r_ins, r_pub, fact.values), fact)
        for fact in ws.candidates("inspections", aid, values)
        if _frameworks_compatible(rec, fact.values)
    )


def _frameworks_compatible(rec: InspectionRecord, v: dict[str, Any]) -> bool:
    """Same framework, or both full inspections and one side does not say which kind."""
    framework, is_full, _ = vocab.INSPECTION_KINDS[rec.kind]
    same_framework = v["framework"] == framework
    loose = (not rec.kind_known or rec.kind == "ilacs" or _generic(v)) and is_full and v["is_full"]
    return same_framework or loose


def _inspection_score(
    rec: InspectionRecord, r_ins: Window | None, r_pub: Window | None, v: dict[str, Any]
) -> int | None:
    """How well an existing inspection fits ``rec`` (lower is better); None: not at all.

    An estimated publication date is ignored: it was made up from the inspection date.
    """
    e_pub = None if v["publication_estimated"] else _window(v["publication_date"], v["date_precision"])
    e_ins = _window(v["inspection_date"], v["date_precision"])
    limit = 10 if rec.date_precision == v["date_precision"] == "day" else 0
    scores = [gap for gap in (_gap(r_pub, e_pub), _gap(r_ins, e_ins)) if gap is not None and gap <= limit]
    grades_agree = (
        rec.overall is None or v["overall_effectiveness"] is None or rec.overall == v["overall_effectiveness"]
    )
    if grades_agree:
        for ins, pub in ((r_ins, e_pub), (e_ins, r_pub)):
            lag = _lag(ins, pub)
            if lag is not None and 0 <= lag <= 200:
                scores.append(100 + lag)
    return min(scores) if scores else None


def _match_visit(ws: WorkingSet, aid: int, rec: VisitRecord, values: dict[str, Any]) -> Fact | None:
    """Same kind, and every date both sides give agrees (a few days for exact dates, an
    overlapping month or year for coarse ones); with no common date, a letter published
    within 75 days of the visit."""
    r_day = _window(rec.visit_date, rec.date_precision)
    r_pub = _window(rec.publication_date, rec.date_precision)
    return _best(
        (_visit_score(rec, r_day, r_pub, fact.values), fact)
        for fact in ws.candidates("visits", aid, values)
        if fact.values["kind"] == rec.kind
    )


def _visit_score(
    rec: VisitRecord, r_day: Window | None, r_pub: Window | None, v: dict[str, Any]
) -> int | None:
    """Days apart when the visits share a date, 100 + lag for a visit and its letter, else None."""
    limit = 3 if rec.date_precision == v["date_precision"] == "day" else 0
    e_day = _window(v["visit_date"], v["date_precision"])
    e_pub = _window(v["publication_date"], v["date_precision"])
    gaps = [g for g in (_gap(r_day, e_day), _gap(r_pub, e_pub)) if g is not None]
    if any(g > limit for g in gaps):
        return None
    score = min(gaps) if gaps else None
    if score is None:
        for ins, pub in ((r_day, e_pub), (e_day, r_pub)):
            lag = _lag(ins, pub)
            if lag is not None and 0 <= lag <= 75:
                score = 100 + lag
    return score


def _match_intervention(
    ws: WorkingSet, aid: int, rec: InterventionRecord, values: dict[str, Any]
) -> Fact | None:
    """Same level and kind, starting within a month, or one observed in force while the other ran."""
    r_start = _window(rec.start_date, rec.start_precision)
    for fact in ws.candidates("interventions", aid, values):
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


def _match_event(ws: WorkingSet, aid: int, rec: EventRecord, values: dict[str, Any]) -> Fact | None:
    """Events are typed by people: the same kind and title within a month is the same event."""
    r_day = _window(rec.date, rec.date_precision)
    title = rec.title.strip().lower()
    for fact in ws.candidates("events", aid, values):
        v = fact.values
        if v["kind"] != rec.kind or v["title"].strip().lower() != title:
            continue
        gap = _gap(r_day, _window(v["date"], v["date_precision"]))
        if gap is not None and gap <= 31:
            return fact
    return None


#: Per fact table: the existing fact an incoming record (and its column values) of the
#: authority describes, if any.
MATCHERS: dict[str, Callable[[WorkingSet, int, Any, dict[str, Any]], Fact | None]] = {
    "inspections": _match_inspection,
    "visits": _match_visit,
    "interventions": _match_intervention,
    "events": _match_event,
}


# Record -> column values --------------------------------------------------------------


def record_values(rec: Record) -> tuple[str, dict[str, Any], tuple[str, ...]]:
    """Table, column values and the date columns (which move together with precision)."""
    if isinstance(rec, InspectionRecord):
        return _inspection_values(rec)
    if isinstance(rec, VisitRecord):
        return _visit_values(rec)
    if isinstance(rec, InterventionRecord):
        return _intervention_values(rec)
    assert isinstance(rec, EventRecord)
    return _event_values(rec)


def _inspection_values(rec: InspectionRecord) -> tuple[str, dict[str, Any], tuple[str, ...]]:
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


def _visit_values(rec: VisitRecord) -> tuple[str, dict[str, Any], tuple[str, ...]]:
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


def _intervention_values(rec: InterventionRecord) -> tuple[str, dict[str, Any], tuple[str, ...]]:
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


def _event_values(rec: EventRecord) -> tuple[str, dict[str, Any], tuple[str, ...]]:
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


# Merging ------------------------------------------------------------------------------


def _finer(incoming: dict[str, Any], v: dict[str, Any], precision: str) -> bool:
    """Whether the incoming date is more precise than the fact's (a day beats a month)."""
    return PRECISION_ORDER.get(incoming.get(precision) or "day", 0) < PRECISION_ORDER.get(
        v.get(precision) or "day", 0
    )


def _wins(fact: Fact, column: str, rank: int) -> bool:
    """Whether a source of ``rank`` may set ``column``: it is empty, nobody's word yet, or
    stated by a lower-ranked source. Rank alone decides, so arrival order does not."""
    held = fact.ranks.get(column)
    return fact.values.get(column) is None or held is None or rank > held


def merge(
    fact: Fact,
    incoming: dict[str, Any],
    date_cols: tuple[str, ...],
    rank: int,
    source_id: int,
    judgements: dict[str, str] | None,
    kind_known: bool = True,
) -> None:
    """Fold a matching record's values into ``fact``, column by column: the value of the
    highest-ranked source that states a column stands, lower ones only fill gaps, and the same
    rank contributes finer dates and extra judgement areas.

    Deciding per column (not per fact) keeps arrival order out of it: a newer release's
    snapshot row that gives only an inspection date must not stop the same release's history
    row from correcting the publication date an older release got wrong.
    """
    v = fact.values
    _merge_dates(fact, incoming, date_cols, rank)
    if fact.table == "inspections":
        _merge_inspection_kind(fact, incoming, rank, kind_known)
    _merge_columns(fact, incoming, date_cols, rank)
    if judgements:
        _merge_judgements(fact, judgements, rank)
    if rank > v["source_rank"]:
        v["source_rank"] = rank
        v["source_id"] = source_id
        v["import_run_id"] = None  # stamped with the run that writes it


def _merge_dates(fact: Fact, incoming: dict[str, Any], date_cols: tuple[str, ...], rank: int) -> None:
    """Each date from the highest-ranked source that gives it (the same rank: the finer one);
    the precision moves with a date that wins on rank, not with one that only fills a gap."""
    v = fact.values
    *dates, precision = date_cols
    finer = _finer(incoming, v, precision)
    won = False
    for col in dates:
        new = incoming.get(col)
        if new is None:
            continue
        held = fact.ranks.get(col)
        gap = v.get(col) is None or held is None
        if gap or rank > held or (rank == held and finer):  # type: ignore[operator]
            v[col] = new
            fact.ranks[col] = rank
            if col == "publication_date" and fact.table == "inspections":
                v["publication_estimated"] = False
            held_precision = fact.ranks.get(precision, -1)
            if rank > held_precision or (rank == held_precision and finer):
                won = True
    if won:
        v[precision] = incoming[precision]
        fact.ranks[precision] = rank


def _merge_inspection_kind(fact: Fact, incoming: dict[str, Any], rank: int, kind_known: bool) -> None:
    """A stated kind replaces "ilacs" or a kind no table stated, and a higher-ranked source's
    kind replaces a lower one's (a SIF re-inspection, not the SIF a snapshot inferred)."""
    v = fact.values
    kind = incoming["kind"]
    if not kind_known or kind == "ilacs" or not vocab.INSPECTION_KINDS[kind][1] or kind == v["kind"]:
        if kind == v["kind"] and kind_known and kind != "ilacs":
            fact.ranks["kind"] = max(rank, fact.ranks.get("kind", rank))
        return
    held = fact.ranks.get("kind")
    if held is None or rank > held:
        v["kind"], v["framework"], v["is_full"] = kind, incoming["framework"], True
        fact.ranks["kind"] = rank


def _merge_columns(fact: Fact, incoming: dict[str, Any], date_cols: tuple[str, ...], rank: int) -> None:
    """Other columns: the highest-ranked source that gives a value decides; any fills a gap."""
    v = fact.values
    for col, new in incoming.items():
        if (
            col in date_cols
            or new is None
            or col in {"kind", "framework", "is_full", "publication_estimated"}
        ):
            continue
        if v.get(col) == new:
            fact.ranks[col] = max(rank, fact.ranks.get(col, rank))
        elif _wins(fact, col, rank):
            v[col] = new
            fact.ranks[col] = rank


def _merge_judgements(fact: Fact, judgements: dict[str, str], rank: int) -> None:
    """A higher source replaces the set; the same source (another table of the same
    release) adds areas; a lower one only fills an empty set. Order-independent, so a
    second import of the same files finds nothing to change."""
    held = fact.ranks.get("judgements")
    if not fact.judgements or held is None or rank > held:
        fact.judgements = dict(judgements)
        fact.ranks["judgements"] = rank
    elif rank == held:
        for area, grade in judgements.items():
            fact.judgements.setdefault(area, grade)
