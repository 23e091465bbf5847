"""Import Ofsted releases and tracker CSVs into the store: validate, resolve, merge, write.

One call is one transaction. Every file is parsed and every row checked (authority known,
dates possible, grades valid) before anything is written; a single problem refuses the
whole run with the file, sheet, row and column of each problem, and the database is left
exactly as it was.

Facts are merged, not appended: the same inspection appears in several tables, releases
and trackers. :mod:`oversight.data.sources.matching` recognises these as one fact and
merges them in memory; the higher-ranked source wins a disagreement (a newer Ofsted
release over an older one, Ofsted over the tracker), and lower-ranked sources only fill
gaps. This module ranks the sources, runs the steps in order (:func:`_run` is the recipe)
and writes the result. Re-importing a file changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select

from oversight.data import logs
from oversight.data.checksum import sha256_bytes, sha256_of
from oversight.data.domain.register import name_key
from oversight.data.sources import errata, limits
from oversight.data.sources.community_scrape import SCRAPE_RANK, looks_like_scrape, parse_scrape
from oversight.data.sources.matching import Fact, WorkingSet, absorb
from oversight.data.sources.neighbours import looks_like_neighbours, parse_neighbours
from oversight.data.sources.ofsted_release import parse_release
from oversight.data.sources.records import (
    AuthorityRef,
    ImportRefused,
    ParsedFile,
    Record,
    SourceInfo,
)
from oversight.data.sources.tracker_csv import TRACKER_RANK, parse_tracker
from oversight.data.store import bulk, chain, citations, fact_sources
from oversight.data.store import schema as s
from oversight.data.store.transactions import write_transaction

SEED_RANK = 1
RELEASE_SUFFIXES = {".ods", ".xlsx", ".xlsm", ".xls"}
#: Used when a report's publication date is not in any imported file: the median lag from
#: inspection start to publication seen in the data (recomputed each import), else this.
DEFAULT_PUBLICATION_LAG_DAYS = 49

#: A parsed record with its authority resolved: (authority id, record, its source).
ResolvedRow = tuple[int, Record, SourceInfo]
#: One statistical-neighbours row, ready to insert but for its source and run.
NeighbourRow = dict[str, Any]


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
    #: Where this file and a stored fact of another rank disagree (file, row, both values).
    disagreements: list[str] = field(default_factory=list)

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
            "disagreements": self.disagreements,
        }


# Reading files ----------------------------------------------------------------------------


def parse_file(path: Path, rank_kind: str = "tracker") -> ParsedFile:
    """Pick the reader by file type, once the file is within the input limits (``limits``):
    a device, FIFO or directory, or a file over its type's size, is refused unread; the
    reader gets the bytes that were checked. A file with nothing to import is refused too."""
    suffix = path.suffix.lower()
    try:
        limits.check_regular(path)
        if suffix in RELEASE_SUFFIXES:
            data = limits.read_input(path, limits.MAX_RELEASE_BYTES, "an Ofsted release")
            parsed = parse_release(path, data)
            parsed.sha256 = sha256_bytes(data)
        elif suffix == ".csv":
            data = limits.read_input(path, limits.MAX_CSV_BYTES, "a CSV file")
            parsed = _parse_csv(path, data, rank_kind)
            parsed.sha256 = sha256_bytes(data)
        else:
            parsed = ParsedFile(
                path=str(path),
                kind="unknown",
                errors=[
                    f"{path.name}: layout not recognised: expected an Ofsted release (.ods, .xlsx) or a tracker .csv"
                ],
            )
    except ImportRefused as exc:
        return ParsedFile(path=str(path), kind="refused", errors=exc.problems)
    if not (parsed.errors or parsed.records or parsed.neighbours):
        parsed.errors.append(_nothing_to_import(path, parsed))
    return parsed


def _nothing_to_import(path: Path, parsed: ParsedFile) -> str:
    """A file that parsed cleanly into no rows is refused, not recorded as a run of 0 rows."""
    if parsed.kind == "ofsted_release":
        return f"{path.name}: no data rows: its local-authority tables ({'; '.join(parsed.tables)}) have no authority rows"
    return f"{path.name}: no data rows: the file has a header but no rows"


def _parse_csv(path: Path, data: bytes, rank_kind: str) -> ParsedFile:
    """A CSV is statistical neighbours or the community scrape if its header says so, else a tracker."""
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedFile(
            path=str(path), kind="unknown", errors=[f"{path.name}: cannot be read as UTF-8 text ({exc})"]
        )
    if not raw.strip():
        return ParsedFile(path=str(path), kind="unknown", errors=[f"{path.name}: the file is empty"])
    limits.check_csv_lines(path.name, raw)
    first = next(iter(raw[:65_536].splitlines()), "")  # the header, without splitting 32 MB
    header = next(csv.reader([first]), [])
    if looks_like_neighbours(header):
        return parse_neighbours(path, raw)
    if looks_like_scrape(header):
        return parse_scrape(path, raw)
    return parse_tracker(path, rank_kind=rank_kind, raw=raw)


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


# Ranks and sources ----------------------------------------------------------------------


def _source_rank(info: SourceInfo, parsed: ParsedFile) -> int:
    """Newer Ofsted releases above older ones, all releases above trackers, trackers above the
    seed, and the community scrape below them all (it only fills gaps)."""
    if info.kind == "ofsted_release":
        day = parsed.release_date or dt.date(2000, 1, 1)
        return 10_000_000 + int(day.strftime("%Y%m%d"))
    if info.kind == "seed":
        return SEED_RANK
    if info.kind == "community_scrape":
        return SCRAPE_RANK
    return TRACKER_RANK


class _SourceIds:
    """The ``sources`` row of each source key, created or refreshed once per run.

    A release's thousands of rows share one source; asking the database once per key
    (not per row) keeps the run fast, and refreshing the row keeps titles and links current.
    """

    def __init__(self, conn: Connection):
        self.conn = conn
        self.cache: dict[str, int] = {}

    def id_of(self, info: SourceInfo) -> int:
        if info.key not in self.cache:
            self.cache[info.key] = self._upsert(info)
        return self.cache[info.key]

    def prime(self, infos: list[SourceInfo]) -> None:
        """Create or refresh every source a run's records cite before they are merged, in a
        few statements (``citations.source_ids``): a tracker's rows each cite their own page."""
        todo = [(i.key, i.kind, self._content(i)) for i in infos if i.key not in self.cache]
        self.cache.update(citations.source_ids(self.conn, todo))

    def known(self, key: str) -> int | None:
        """The id of a source already used in this run, else None."""
        return self.cache.get(key)

    def _upsert(self, info: SourceInfo) -> int:
        """Created, refreshed, or (cited by a change, so immutable) a new row for new content."""
        return citations.source_id(self.conn, info.key, info.kind, self._content(info))

    @staticmethod
    def _content(info: SourceInfo) -> dict[str, Any]:
        return {
            "url": info.url,
            "title": info.title,
            "publisher": info.publisher,
            "published": info.published,
            "licence": info.licence,
        }


# The run ------------------------------------------------------------------------------


def import_paths(engine: Engine, paths: list[str | Path], *, rank_kind: str = "tracker") -> list[RunSummary]:
    """Import files in one transaction; raise :class:`ImportRefused` on any problem."""
    files = [Path(p) for p in paths]
    return import_parsed(engine, files, [parse_file(p, rank_kind) for p in files], rank_kind=rank_kind)


def import_parsed(
    engine: Engine, files: list[Path], parsed: list[ParsedFile], *, rank_kind: str = "tracker"
) -> list[RunSummary]:
    """Import files already read (``parse_file``, or the project's bundle, which stores what
    the readers made of each public file) in one transaction; raise :class:`ImportRefused`
    on any problem. ``files`` name them in messages and in the import runs.

    One line in the server's log (``data/logs``): the kind of import, how many files, rows read,
    facts added, updated and unchanged, files already imported; no file name (outside text)."""
    with logs.action("import", refusals=(ImportRefused,), kind=rank_kind, files=len(files)) as noted:
        summaries = _import_parsed(engine, files, parsed, rank_kind)
        noted.update(
            rows=sum(x.rows_read for x in summaries),
            added=sum(x.added for x in summaries),
            updated=sum(x.updated for x in summaries),
            unchanged=sum(x.unchanged for x in summaries),
            already=sum(x.skipped_as_already_imported for x in summaries),
        )
    return summaries


def _import_parsed(
    engine: Engine, files: list[Path], parsed: list[ParsedFile], rank_kind: str
) -> list[RunSummary]:
    _refuse_if_any(files, [e for pf in parsed for e in pf.errors])
    summaries = [
        RunSummary(
            f.name,
            pf.sha256 or sha256_of(f),
            pf.kind,
            rows_read=len(pf.records) + len(pf.neighbours),
            tables=pf.tables,
        )
        for f, pf in zip(files, parsed, strict=True)
    ]
    # The writer lock is taken before the store is read: an import started meanwhile waits,
    # then reads and merges this one's facts, as if the two had run one after the other.
    try:
        with write_transaction(engine) as conn:
            _run(conn, files, parsed, summaries, rank_kind)
    except _NothingChanged:
        pass  # rolled back: a repeat writes nothing
    return summaries


class _NothingChanged(Exception):
    """Raised inside the transaction when a re-import would write nothing at all."""


def _run(
    conn: Connection,
    files: list[Path],
    parsed: list[ParsedFile],
    summaries: list[RunSummary],
    rank_kind: str,
) -> None:
    """The recipe, inside the caller's transaction: check everything, merge in memory, then write.

    Every check passes before any fact is merged; sources are written as they are met,
    but a refusal or a repeat ends the transaction unwritten, leaving the database as it was.
    """
    resolved = _resolve_records(conn, files, parsed)
    neighbour_rows = _resolve_neighbours(conn, files, parsed)

    ws = WorkingSet(conn)
    sources = _SourceIds(conn)
    previously = _imported_before(conn)
    started = _now()
    sources.prime([info for rows in resolved for _, _, info in rows])
    touched = [
        _absorb_file(ws, sources, pf, rows, summary.disagreements)
        for pf, rows, summary in zip(parsed, resolved, summaries, strict=True)
    ]
    corrected = _apply_errata(conn, ws, sources)
    for i, pf in enumerate(parsed):
        if pf.kind == ERRATA_KIND:  # the errata file's own run counts the facts it corrected
            touched[i], summaries[i].rows_read = corrected, len(errata.load())
    _estimate_publication_dates(ws)
    links = _link_plan(conn, ws)

    _count_facts(summaries, touched, links)
    to_replace = _count_neighbours(conn, summaries, neighbour_rows)
    _stop_if_repeat(summaries, previously)
    _refuse_if_any(files, _natural_key_clashes(conn, ws))

    run_ids = _record_runs(conn, summaries, parsed, sources, started, rank_kind)
    _write(conn, ws, touched, run_ids)
    _write_links(conn, ws, links, _run_of(touched, run_ids), started)
    _replace_neighbours(conn, sources, parsed, to_replace, run_ids)


def _now() -> dt.datetime:
    """UTC, naive: the store keeps timestamps without a zone."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _refuse_if_any(files: list[Path], problems: list[str]) -> None:
    """Refuse the whole run, naming all its files, if anything was wrong."""
    if problems:
        raise ImportRefused(", ".join(p.name for p in files), problems)


def _resolve_records(
    conn: Connection, files: list[Path], parsed: list[ParsedFile]
) -> list[list[ResolvedRow]]:
    """Each file's records with their authority id; refuse the run if any authority is
    unknown, ambiguous, or had ceased to exist by the fact's date."""
    resolver = Resolver(conn)
    problems: list[str] = []
    resolved: list[list[ResolvedRow]] = []
    for pf in parsed:
        rows: list[ResolvedRow] = []
        for rec, info in pf.records:
            aid = resolver.resolve(rec.authority, rec.reference_date)
            if isinstance(aid, str):
                problems.append(aid)
            else:
                problems.extend(_check_alive(resolver, aid, rec))
                rows.append((aid, rec, info))
        resolved.append(rows)
    _refuse_if_any(files, problems)
    return resolved


def _resolve_neighbours(
    conn: Connection, files: list[Path], parsed: list[ParsedFile]
) -> list[list[NeighbourRow]]:
    """Each file's statistical-neighbour rows with DfE numbers turned into authority ids;
    refuse the run if any number is unknown."""
    by_dfe = {r.dfe_code: r.id for r in conn.execute(select(s.authorities.c.dfe_code, s.authorities.c.id))}
    problems: list[str] = []
    rows = [_neighbour_rows(pf, by_dfe, problems) for pf in parsed]
    _refuse_if_any(files, problems)
    return rows


def _neighbour_rows(pf: ParsedFile, by_dfe: dict[Any, int], problems: list[str]) -> list[NeighbourRow]:
    rows: list[NeighbourRow] = []
    for model, code, rank, other, closeness, line, column in pf.neighbours:
        missing = [c for c in (code, other) if c not in by_dfe]
        if missing:
            problems.append(
                f"{Path(pf.path).name}, row {line}, column {column}: unknown DfE LA number {missing[0]}"
            )
            continue
        rows.append(
            {
                "model": model,
                "authority_id": by_dfe[code],
                "rank": rank,
                "neighbour_id": by_dfe[other],
                "closeness": closeness,
            }
        )
    return rows


def _imported_before(conn: Connection) -> set[str]:
    """Checksums of files already imported successfully (to recognise a repeat)."""
    return {
        r.sha256 for r in conn.execute(select(s.import_runs.c.sha256).where(s.import_runs.c.outcome == "ok"))
    }


def _absorb_file(
    ws: WorkingSet, sources: _SourceIds, pf: ParsedFile, rows: list[ResolvedRow], notes: list[str]
) -> list[Fact]:
    """Match and merge one file's records into the working set; the facts they landed in,
    one per record (a fact appears twice when two rows describe it). Disagreements with a
    fact of another rank go to ``notes``."""
    return [
        absorb(ws, aid, rec, _source_rank(info, pf), sources.id_of(info), notes) for aid, rec, info in rows
    ]


def _apply_errata(conn: Connection, ws: WorkingSet, sources: _SourceIds) -> list[Fact]:
    """The committed errata (``data/seed/errata.csv``), applied after every file of the run has
    been merged, so a curated correction wins whatever order the releases came in."""
    found = errata.load()
    if not found:
        return []
    by_code = {r.code: r.authority_id for r in conn.execute(select(s.authority_codes))}
    before = {id(f): f.values["source_id"] for facts in ws.facts.values() for f in facts}
    corrected = errata.apply(ws, found, by_code, sources.id_of)
    for fact in corrected:  # the release an erratum corrected still states the fact's other values
        if before[id(fact)] != fact.values["source_id"]:
            fact.kept.append(before[id(fact)])
    return corrected


#: The kind of the errata file's own import run (recorded by the seed when the file changes).
ERRATA_KIND = "errata"


def import_errata(engine: Engine) -> RunSummary:
    """Apply the committed errata to a database as a run of its own, recorded under the errata
    file's SHA-256 (the seed does this whenever the file changes, so a new correction reaches a
    database before its next import). A repeat changes nothing and records nothing."""
    path = errata.ERRATA_CSV
    parsed = ParsedFile(path=str(path), kind=ERRATA_KIND, sha256=sha256_of(path))
    parsed.tables = [f"{len(errata.load())} errata"]
    return import_parsed(engine, [path], [parsed], rank_kind="seed")[0]


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


def _count_facts(
    summaries: list[RunSummary], touched: list[list[Fact]], links: dict[int, tuple[list[int], list[int]]]
) -> None:
    """Added, updated or unchanged, per file; a fact a file names twice counts once as
    changed and then as unchanged; a fact that gains a source is updated."""
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
            elif fact.changed() or key in links:
                summary.updated += 1
            else:
                summary.unchanged += 1


def _count_neighbours(
    conn: Connection, summaries: list[RunSummary], neighbour_rows: list[list[NeighbourRow]]
) -> list[tuple[int, list[NeighbourRow]]]:
    """Compare each file's neighbour model with the stored one and count the difference;
    the (file index, rows) of models that must be replaced. A model is replaced whole."""
    to_replace: list[tuple[int, list[NeighbourRow]]] = []
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
            to_replace.append((i, rows_here))
    return to_replace


def _stop_if_repeat(summaries: list[RunSummary], previously: set[str]) -> None:
    """Files already imported that would change nothing: say so and roll back, so a
    repeat leaves no import run and no refreshed source behind."""
    nothing_changed = all(s_.added == 0 and s_.updated == 0 for s_ in summaries)
    if nothing_changed and all(s_.sha256 in previously for s_ in summaries):
        for summary in summaries:
            summary.skipped_as_already_imported = True
        raise _NothingChanged


def _natural_key_clashes(conn: Connection, ws: WorkingSet) -> list[str]:
    """Facts left sharing a natural key (``schema.NATURAL_KEYS``) because a merge moved one
    fact's date onto another's: the unique index would refuse the write with a driver error,
    so name them instead, before anything is written."""
    clashes: list[tuple[s.NaturalKey, tuple[Any, ...]]] = []
    for key in s.NATURAL_KEYS:
        seen: set[tuple[Any, ...]] = set()
        for fact in ws.facts[key.table]:
            if key.applies_to(fact.values):
                values = tuple(fact.values[c] for c in key.columns)
                if values in seen:
                    clashes.append((key, values))
                seen.add(values)
    if not clashes:
        return []
    codes = {r.id: r.code for r in conn.execute(select(s.authorities.c.id, s.authorities.c.code))}
    return [
        f"{codes.get(values[0])}: two {key.table} would both have "
        + ", ".join(f"{c} {v}" for c, v in zip(key.columns[1:], values[1:], strict=True))
        + " (the files' dates for them disagree; correct one and import again)"
        for key, values in clashes
    ]


def _record_runs(
    conn: Connection,
    summaries: list[RunSummary],
    parsed: list[ParsedFile],
    sources: _SourceIds,
    started: dt.datetime,
    rank_kind: str,
) -> list[int]:
    """One ``import_runs`` row per file (the audit trail the Data & sources page lists); their ids."""
    return [
        _record_run(conn, summary, pf, sources, started, rank_kind)
        for summary, pf in zip(summaries, parsed, strict=True)
    ]


def _record_run(
    conn: Connection,
    summary: RunSummary,
    pf: ParsedFile,
    sources: _SourceIds,
    started: dt.datetime,
    rank_kind: str,
) -> int:
    file_source = next((info for _, info in pf.records), None) if pf.kind == "ofsted_release" else None
    finished = _now()
    run = {
        "file_name": summary.file_name,
        "sha256": summary.sha256,
        "kind": rank_kind if pf.kind == "tracker_csv" else pf.kind,
        "started_at": started,
        "finished_at": finished,
        "rows_read": summary.rows_read,
        "rows_added": summary.added,
        "rows_updated": summary.updated,
        "rows_unchanged": summary.unchanged,
        "outcome": "ok",
        "message": "; ".join(summary.tables),
        "source_id": sources.known(file_source.key) if file_source else None,
    }
    run_id = conn.execute(insert(s.import_runs).values(**run)).inserted_primary_key[0]
    record_import_change(conn, run_id, run)
    return run_id


#: What an import run's ``changes`` row keeps of it (its ``after_json``).
IMPORT_CHANGE_KEYS = (
    "file_name",
    "sha256",
    "kind",
    "rows_read",
    "rows_added",
    "rows_updated",
    "rows_unchanged",
)


def record_import_change(conn: Connection, run_id: int, run: dict[str, Any]) -> None:
    """The import run as one row of the append-only history (``changes``, action ``import``):
    who ("import: FILE"), when, and the run's counts. One row per run, never one per fact."""
    counts = {k: run[k] for k in IMPORT_CHANGE_KEYS}
    result = conn.execute(
        insert(s.changes).values(
            action="import",
            after_json=json.dumps(counts, sort_keys=True, ensure_ascii=False),
            source_id=run.get("source_id"),
            import_run_id=run_id,
            proposed_by=f"import: {run['file_name']}"[:320],
            proposed_at=run["finished_at"],
            comment=run.get("message") or None,
        )
    )
    chain.chain_change(conn, result.inserted_primary_key[0])


def _replace_neighbours(
    conn: Connection,
    sources: _SourceIds,
    parsed: list[ParsedFile],
    to_replace: list[tuple[int, list[NeighbourRow]]],
    run_ids: list[int],
) -> None:
    """Swap each changed neighbour model for the file's version, whole."""
    for i, rows_here in to_replace:
        sid = sources.id_of(parsed[i].neighbour_source)  # type: ignore[arg-type]
        conn.execute(s.neighbours.delete().where(s.neighbours.c.model == rows_here[0]["model"]))
        conn.execute(
            insert(s.neighbours), [dict(r, source_id=sid, import_run_id=run_ids[i]) for r in rows_here]
        )


# A fact's sources -----------------------------------------------------------------------


def _link_plan(conn: Connection, ws: WorkingSet) -> dict[int, tuple[list[int], list[int]]]:
    """id(fact) -> (sources to add, in order; sources to take off) for every fact whose list
    of sources (``store/fact_sources``) this run changes.

    A fact keeps its sources and gains its primary (the source its values come from), the
    source of every tracker row that stated it, unless a source it has already says the same
    (the same link, title and publisher: a seed row and a tracker row citing one page), and the
    release an erratum corrected. A release (``fact_sources.SUPERSEDED``) is added only as one
    of those two, never for merely restating a fact, and a release added replaces the older one
    it supersedes: a fact has at most one.
    """
    src = s.sources
    known = {
        r["id"]: r
        for r in conn.execute(
            select(src.c.id, src.c.kind, src.c.url, src.c.title, src.c.publisher)
        ).mappings()
    }

    def same(a: int, b: int) -> bool:
        ra, rb = known.get(a), known.get(b)
        return ra is not None and rb is not None and all(ra[c] == rb[c] for c in fact_sources.SAME)

    def superseded(sid: int) -> bool:
        return sid in known and known[sid]["kind"] in fact_sources.SUPERSEDED

    plan: dict[int, tuple[list[int], list[int]]] = {}
    for facts in ws.facts.values():
        for fact in facts:
            primary = fact.values["source_id"]
            if not fact.seen and not fact.kept and primary in fact.links:
                continue
            add: list[int] = []
            for sid in [primary, *fact.kept, *(x for x in fact.seen if not superseded(x))]:
                if sid in fact.links or sid in add:
                    continue
                if sid != primary and any(same(sid, other) for other in (*fact.links, *add)):
                    continue
                add.append(sid)
            new = [x for x in add if superseded(x)][:1]
            add = [x for x in add if not superseded(x) or x in new]
            drop = [x for x in fact.links if superseded(x)] if new else []
            if add or drop:
                plan[id(fact)] = (add, drop)
    return plan


def _write_links(
    conn: Connection,
    ws: WorkingSet,
    plan: dict[int, tuple[list[int], list[int]]],
    run_of: dict[int, int],
    at: dt.datetime,
) -> None:
    """Write the planned changes to facts' sources (after the facts: a new one has its id), in
    a few statements however many facts a run touches."""
    at = at.replace(microsecond=0)
    todo = [(table, fact) for table, facts in ws.facts.items() for fact in facts if id(fact) in plan]
    fact_sources.remove_many(
        conn, [(table, fact.values["id"], sid) for table, fact in todo for sid in plan[id(fact)][1]]
    )
    start = fact_sources.next_positions(
        conn, [(table, fact.values["id"]) for table, fact in todo if not fact.is_new]
    )
    rows = []
    for table, fact in todo:
        fid = fact.values["id"]
        for i, sid in enumerate(plan[id(fact)][0]):
            rows.append(
                {
                    "fact_table": table,
                    "fact_id": fid,
                    "source_id": sid,
                    "position": start.get((table, fid), 0) + i,
                    "added_at": at,
                    "added_by_change_id": None,
                    "import_run_id": run_of.get(id(fact)),
                }
            )
    fact_sources.add_many(conn, rows)


# Writing ------------------------------------------------------------------------------


def _write(conn: Connection, ws: WorkingSet, touched: list[list[Fact]], run_ids: list[int]) -> None:
    """Insert new facts and update changed ones, a table at a time in a few statements
    (``store/bulk``); untouched rows are not written at all."""
    run_of = _run_of(touched, run_ids)
    tables = {t.name: t for t in s.FACT_TABLES}
    for name, facts in ws.facts.items():
        changed = [(fact, _stamped(fact, run_of.get(id(fact)))) for fact in facts if fact.changed()]
        # Stored facts first, as they come first in the working set: a fact moved off a date
        # frees it (its natural key, ``schema.NATURAL_KEYS``) before a new fact takes it.
        _update_facts(conn, tables[name], [(f, v) for f, v in changed if not f.is_new])
        _insert_facts(conn, tables[name], [(f, v) for f, v in changed if f.is_new])


def _run_of(touched: list[list[Fact]], run_ids: list[int]) -> dict[int, int]:
    """Each touched fact's import run: the first file that named it."""
    run_of: dict[int, int] = {}
    for facts_here, run_id in zip(touched, run_ids, strict=True):
        for fact in facts_here:
            run_of.setdefault(id(fact), run_id)
    return run_of


def _stamped(fact: Fact, run_id: int | None) -> dict[str, Any]:
    """The row to write. A fact this run's files named takes this run's id if it is new,
    unstamped or its columns changed; other changed facts (an estimate moved by the new median
    lag, only judgement areas added) keep the run that brought them."""
    values = dict(fact.values)
    if run_id is not None and (fact.is_new or values.get("import_run_id") is None or values != fact.original):
        values["import_run_id"] = run_id
    return values


def _insert_facts(conn: Connection, table: Table, new: list[tuple[Fact, dict[str, Any]]]) -> None:
    """New facts in one multi-row insert, each given its id (the rows that point at it need
    it), then every new inspection's judgements in another."""
    rows = [{k: v for k, v in values.items() if k != "id"} for _, values in new]
    for (fact, _), new_id in zip(new, bulk.insert_ids(conn, table, rows), strict=True):
        fact.values["id"] = new_id
    if table.name == "inspections":
        _insert_judgements(conn, [fact for fact, _ in new])


def _update_facts(conn: Connection, table: Table, old: list[tuple[Fact, dict[str, Any]]]) -> None:
    """Update the rows whose columns changed (a new version: an edit of the old one is
    refused); replace the judgements of inspections whose judgements changed."""
    rows = []
    for fact, values in old:
        if values != fact.original:
            if "version" in values:
                values["version"] += 1
            rows.append(values)
    bulk.update_by_id(conn, table, rows)
    if table.name == "inspections":
        regraded = [fact for fact, _ in old if fact.judgements != fact.original_judgements]
        bulk.delete_where_in(
            conn, s.inspection_judgements, "inspection_id", [f.values["id"] for f in regraded]
        )
        _insert_judgements(conn, regraded)


def _insert_judgements(conn: Connection, inspections: list[Fact]) -> None:
    bulk.insert_many(
        conn,
        s.inspection_judgements,
        [
            {"inspection_id": fact.values["id"], "area": a, "grade": g}
            for fact in inspections
            for a, g in fact.judgements.items()
        ],
    )
