"""The project's data bundle: what the readers made of each public file, committed, so a fresh
clone shows England as the newest public data has it, with no data directory.

``data/bundle/`` is *generated* (``oversight bundle build --from DIR``, module
:mod:`oversight.data.downloads.bundle_build`) and a test rebuilds it from ``../shared/data`` and
proves it byte-identical, so nobody edits it by hand. It holds no copy of any public file:
only the parsed rows (each with the file, sheet and row it was read from), the sources they
cite, and the boundary vintages simplified once and stored as one TopoJSON.

This module is the read side. :func:`pending` tells first start which of the bundle's files a
database has not imported (cheap: one small table); :func:`read` turns the bundle back into
the :class:`ParsedFile` objects the importer takes, checking every file against the manifest
and every row against the formats below, so a truncated or edited bundle is refused with
the bundle file and row, before anything is written. A bundled file imports under its
original name and SHA-256, so importing the real file later is recognised as a repeat.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oversight.data.domain import vocab
from oversight.data.resources import bundle_dir
from oversight.data.sources import topology
from oversight.data.sources.records import (
    AuthorityRef,
    ImportRefused,
    InspectionRecord,
    ParsedFile,
    SourceInfo,
    VisitRecord,
    Where,
)

BUNDLE_NAME = "data bundle"
MANIFEST = "MANIFEST.csv"
README = "README.md"
BOUNDARIES = "boundaries.topo.json"
MANIFEST_COLUMNS = ("file", "bytes", "sha256")
WHERE_COLUMNS = ("file", "sheet", "row", "column", "header")
#: One table per kind of row; the header is checked exactly when the bundle is read.
COLUMNS: dict[str, tuple[str, ...]] = {
    "files.csv": (
        "file",
        "sha256",
        "kind",
        "release_date",
        "tables",
        "records",
        "neighbours",
        "neighbour_source",
    ),
    "sources.csv": ("key", "title", "kind", "url", "publisher", "published", "licence"),
    "inspections.csv": WHERE_COLUMNS
    + (
        "code",
        "name",
        "kind",
        "kind_known",
        "inspection_date",
        "publication_date",
        "date_precision",
        "overall",
        "overall_derived",
        "source",
    )
    + tuple(vocab.AREAS),
    "visits.csv": WHERE_COLUMNS
    + (
        "code",
        "name",
        "kind",
        "visit_date",
        "publication_date",
        "date_precision",
        "theme",
        "summary",
        "source",
    ),
    "neighbours.csv": ("file", "model", "la", "rank", "neighbour", "closeness", "row", "column"),
}
TABLE_SEPARATOR = " | "  # joins a file's recognised tables in one cell
#: Said in every import run a bundle load records (the Data & sources page lists them).
SCRAPE_TITLE = "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool"
SCRAPE_URL = "https://github.com/JT-39/ofsted-ilacs-scrape-tool"
FROM_BUNDLE = "read from the project's data bundle (data/bundle), built from this file"


@dataclass(frozen=True)
class BundledFile:
    """One public file the bundle holds the rows of: its name and the SHA-256 of its bytes."""

    file: str
    sha256: str


def default_dir() -> Path:
    """The bundle shipped with the package."""
    return bundle_dir()


def pending(imported: set[str], directory: Path | None = None) -> list[BundledFile]:
    """The bundle's files whose checksums are not among ``imported`` (reads files.csv only)."""
    path = Path(directory or default_dir()) / "files.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [
        BundledFile(r["file"], r["sha256"]) for r in rows if r.get("sha256") and r["sha256"] not in imported
    ]


def exists(directory: Path | None = None) -> bool:
    """Whether a bundle is present (an installed copy or a checkout always has one)."""
    return (Path(directory or default_dir()) / MANIFEST).is_file()


# Reading the bundle back ------------------------------------------------------------------------


def read(directory: Path | None = None, only: set[str] | None = None) -> list[tuple[Path, ParsedFile]]:
    """Every bundled file (or those named in ``only``) as (its original name, what its reader made).

    Raises :class:`ImportRefused` naming the bundle file, row and column of every problem: a
    file missing, truncated or edited (its size or SHA-256 differs from the manifest), a row
    with the wrong number of cells, a value of the wrong form, or a file whose row count is
    not the one the bundle was built with.
    """
    directory = Path(directory or default_dir())
    problems: list[str] = []
    texts = _checked_texts(directory, problems)
    tables = {name: _rows(name, texts.get(name), problems) for name in COLUMNS}
    files = _files(tables["files.csv"], problems)
    sources = _sources(tables["sources.csv"], problems)
    for rows in (tables["inspections.csv"], tables["visits.csv"]):
        for _, row in rows:
            if row.get("source") and row["source"] not in sources:
                problems.append(
                    f"{_where(row['_table'], row['_line'], 'source')}: unknown source {row['source']!r}"
                )
    _fill(files, sources, tables, problems)
    if problems:
        raise ImportRefused(BUNDLE_NAME, problems)
    wanted = [name for name in files if only is None or name in only]
    return [(Path(name), files[name].parsed) for name in wanted]


def _checked_texts(directory: Path, problems: list[str]) -> dict[str, str]:
    """Each table's text, once its bytes match the manifest's size and SHA-256."""
    manifest_path = directory / MANIFEST
    try:
        manifest = list(csv.DictReader(io.StringIO(manifest_path.read_text(encoding="utf-8"))))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{BUNDLE_NAME}/{MANIFEST}: cannot be read ({exc})")
        return {}
    expected = {r.get("file"): r for r in manifest}
    texts: dict[str, str] = {}
    for name in COLUMNS:
        row = expected.get(name)
        if row is None:
            problems.append(f"{BUNDLE_NAME}/{MANIFEST}: does not list {name}")
            continue
        try:
            data = (directory / name).read_bytes()
        except OSError as exc:
            problems.append(f"{BUNDLE_NAME}/{name}: cannot be read ({exc.strerror or exc})")
            continue
        if str(len(data)) != row.get("bytes") or hashlib.sha256(data).hexdigest() != row.get("sha256"):
            problems.append(
                f"{BUNDLE_NAME}/{name}: {len(data):,} bytes with a SHA-256 other than {MANIFEST} records "
                f"({int(row.get('bytes') or 0):,} bytes): truncated or edited by hand; rebuild it with "
                "`oversight bundle build --from DIR`"
            )
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(f"{BUNDLE_NAME}/{name}: not UTF-8 text ({exc})")
    return texts


def _where(table: str, line: int, column: str | None = None) -> str:
    return f"{BUNDLE_NAME}/{table}, row {line}" + (f", column {column}" if column else "")


def _rows(name: str, text: str | None, problems: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a table whose header and cell counts are as expected."""
    if text is None:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    if tuple(header) != COLUMNS[name]:
        problems.append(f"{_where(name, 1)}: header is not {', '.join(COLUMNS[name])}")
        return []
    out = []
    for cells in reader:
        line = reader.line_num
        if len(cells) != len(header):
            problems.append(
                f"{_where(name, line)}: {len(cells)} cells, expected {len(header)} (a truncated line?)"
            )
            continue
        row = dict(zip(header, cells, strict=True))
        row["_table"], row["_line"] = name, line  # type: ignore[assignment]
        out.append((line, row))
    return out


class _Cells:
    """Typed access to one row's cells, recording a problem (table, row, column) for a bad value."""

    def __init__(self, row: dict[str, Any], problems: list[str]):
        self.row, self.problems = row, problems

    def _bad(self, column: str, why: str) -> None:
        self.problems.append(f"{_where(self.row['_table'], self.row['_line'], column)}: {why}")

    def text(self, column: str) -> str | None:
        return self.row[column] or None

    def required(self, column: str) -> str:
        value = self.row[column]
        if not value:
            self._bad(column, "empty")
        return value

    def date(self, column: str) -> dt.date | None:
        value = self.row[column]
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self._bad(column, f"not a date (YYYY-MM-DD): {value[:40]!r}")
            return None

    def integer(self, column: str) -> int | None:
        value = self.row[column]
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            self._bad(column, f"not a whole number: {value[:40]!r}")
            return None

    def flag(self, column: str) -> bool:
        value = self.row[column]
        if value not in ("0", "1"):
            self._bad(column, f"expected 0 or 1, found {value[:40]!r}")
        return value == "1"

    def choice(self, column: str, allowed: Any, optional: bool = False) -> str | None:
        value = self.row[column]
        if optional and not value:
            return None
        if value not in allowed:
            self._bad(column, f"unexpected value {value[:40]!r}")
        return value


@dataclass
class _Entry:
    """A files.csv row: the file being rebuilt, and the row counts it was built with."""

    parsed: ParsedFile
    records: int
    neighbours: int
    neighbour_key: str | None


def _files(rows: list[tuple[int, dict[str, str]]], problems: list[str]) -> dict[str, _Entry]:
    files: dict[str, _Entry] = {}
    for _, row in rows:
        cells = _Cells(row, problems)
        name = cells.required("file")
        parsed = ParsedFile(
            path=name,
            kind=cells.choice("kind", ("ofsted_release", "community_scrape", "neighbours_csv")) or "",
            tables=[t for t in row["tables"].split(TABLE_SEPARATOR) if t] + [FROM_BUNDLE],
            release_date=cells.date("release_date"),
            sha256=cells.required("sha256"),
        )
        files[name] = _Entry(
            parsed,
            cells.integer("records") or 0,
            cells.integer("neighbours") or 0,
            cells.text("neighbour_source"),
        )
    return files


def _sources(rows: list[tuple[int, dict[str, str]]], problems: list[str]) -> dict[str, SourceInfo]:
    out = {}
    for _, row in rows:
        cells = _Cells(row, problems)
        out[row["key"]] = SourceInfo(
            key=cells.required("key"),
            title=cells.required("title"),
            kind=cells.required("kind"),
            url=cells.text("url"),
            publisher=cells.text("publisher"),
            published=cells.date("published"),
            licence=cells.text("licence"),
        )
    return out


def _row_where(cells: _Cells) -> Where:
    return Where(
        file=cells.required("file"),
        sheet=cells.text("sheet"),
        row=cells.integer("row"),
        column=cells.text("column"),
        header=cells.text("header"),
    )


def _inspection(cells: _Cells) -> InspectionRecord:
    where = _row_where(cells)
    judgements = {}
    for area in vocab.AREAS:
        grade = cells.choice(area, vocab.GRADES, optional=True)
        if grade:
            judgements[area] = grade
    return InspectionRecord(
        authority=AuthorityRef(code=cells.text("code"), name=cells.text("name"), where=where),
        kind=cells.choice("kind", vocab.INSPECTION_KINDS) or "",
        kind_known=cells.flag("kind_known"),
        inspection_date=cells.date("inspection_date"),
        publication_date=cells.date("publication_date"),
        date_precision=cells.choice("date_precision", vocab.PRECISIONS) or "day",
        overall=cells.choice("overall", vocab.GRADES, optional=True),
        overall_derived=cells.flag("overall_derived"),
        judgements=judgements,
        where=where,
    )


def _visit(cells: _Cells) -> VisitRecord:
    where = _row_where(cells)
    return VisitRecord(
        authority=AuthorityRef(code=cells.text("code"), name=cells.text("name"), where=where),
        kind=cells.choice("kind", vocab.VISIT_KINDS) or "",
        visit_date=cells.date("visit_date"),
        publication_date=cells.date("publication_date"),
        date_precision=cells.choice("date_precision", vocab.PRECISIONS) or "day",
        theme=cells.text("theme"),
        summary=cells.text("summary"),
        where=where,
    )


def _fill(
    files: dict[str, _Entry],
    sources: dict[str, SourceInfo],
    tables: dict[str, list[tuple[int, dict[str, str]]]],
    problems: list[str],
) -> None:
    """Put each row back into its file, then check every file got the rows it was built with."""
    makers = {"inspections.csv": _inspection, "visits.csv": _visit}
    for table, make in makers.items():
        for line, row in tables[table]:
            entry = files.get(row["file"])
            if entry is None:
                problems.append(f"{_where(table, line, 'file')}: {row['file']!r} is not in files.csv")
                continue
            record = make(_Cells(row, problems))
            if row["source"] in sources:  # else already reported as an unknown source
                entry.parsed.records.append((record, sources[row["source"]]))
    for line, row in tables["neighbours.csv"]:
        entry = files.get(row["file"])
        if entry is None:
            problems.append(f"{_where('neighbours.csv', line, 'file')}: {row['file']!r} is not in files.csv")
            continue
        cells = _Cells(row, problems)
        entry.parsed.neighbours.append(
            (
                cells.required("model"),
                cells.required("la"),
                cells.integer("rank"),
                cells.required("neighbour"),
                cells.text("closeness"),
                cells.integer("row"),
                cells.text("column"),
            )
        )
    for name, entry in files.items():
        entry.parsed.neighbour_source = sources.get(entry.neighbour_key) if entry.neighbour_key else None
        found = (len(entry.parsed.records), len(entry.parsed.neighbours))
        if found != (entry.records, entry.neighbours):
            problems.append(
                f"{BUNDLE_NAME}: {name} has {found[0]} rows and {found[1]} neighbour rows in the bundle, "
                f"files.csv says {entry.records} and {entry.neighbours} (a table was truncated)"
            )


# Boundaries -------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _topology(path: str) -> dict[str, Any] | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def boundaries(vintage: str, directory: Path | None = None) -> dict[str, Any] | None:
    """The bundled, simplified boundaries of a vintage (as ``boundaries.load_simplified`` makes
    them), or None when the bundle lacks it or its topology cannot be read."""
    topo = _topology(str(Path(directory or default_dir()) / BOUNDARIES))
    name = f"utla_{vintage}"
    if topo is None or name not in topology.names(topo):
        return None
    try:
        return topology.decode(topo, name)
    except topology.TopologyError:
        return None


# What the bundle holds, for the Data & sources page ----------------------------------------------


@dataclass(frozen=True)
class Contents:
    """The bundle's files (with the source and licence each cites), its boundary vintages, its size."""

    files: list[dict[str, Any]]
    vintages: list[str]
    total_bytes: int


@functools.lru_cache(maxsize=4)
def contents(directory: Path | None = None) -> Contents | None:
    """What the bundle holds, or None when there is none; raises :class:`ImportRefused` if damaged."""
    directory = Path(directory or default_dir())
    if not exists(directory):
        return None
    files = []
    for path, parsed in read(directory):
        info = parsed.neighbour_source or next((i for _, i in parsed.records), None)
        scrape = parsed.kind == "community_scrape"
        files.append(
            {
                "file": path.name,
                "kind": parsed.kind,
                "rows": len(parsed.records) + len(parsed.neighbours),
                "sha256": parsed.sha256,
                "source": info.title if info and not scrape else SCRAPE_TITLE if scrape else path.name,
                "publisher": (info.publisher if info else None) or "",
                "published": parsed.release_date or (info.published if info and not scrape else None),
                "licence": (info.licence if info else None) or "",
                "url": SCRAPE_URL if scrape else (info.url if info else None),
            }
        )
    topo = _topology(str(directory / BOUNDARIES))
    vintages = [n.removeprefix("utla_") for n in topology.names(topo)] if topo else []
    total = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
    return Contents(files, vintages, total)


@functools.lru_cache(maxsize=4)
def data_to(directory: Path | None = None) -> dt.date | None:
    """The newest date the bundle holds (a release's date, a report's or a letter's publication),
    or None without a bundle. The bundle is a reproducible rebuild of its public files (a test
    proves it byte for byte), so it carries no clock time of its build: this date is when the
    data it was built from runs to, which is what "built on" should tell a reader."""
    directory = Path(directory or default_dir())
    if not exists(directory):
        return None
    newest: dt.date | None = None
    for name, column in (
        ("files.csv", "release_date"),
        ("inspections.csv", "publication_date"),
        ("visits.csv", "publication_date"),
    ):
        path = directory / name
        if not path.is_file():
            continue
        with path.open(newline="", encoding="utf-8") as fh:
            days = [r[column] for r in csv.DictReader(fh) if r.get(column)]
        if days:
            day = dt.date.fromisoformat(max(days))
            newest = day if newest is None else max(newest, day)
    return newest
