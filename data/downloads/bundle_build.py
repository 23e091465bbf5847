"""Build the project's data bundle (``data/bundle/``) from a data directory.

``oversight bundle build --from DIR`` runs :func:`build`. It reads every importable public
file of DIR with the importer's own readers (Ofsted releases, the community scrape, the
DfE statistical neighbours), writes the rows they made as plain CSV tables
(:data:`bundle.COLUMNS`), simplifies every boundary vintage once (``boundaries.load_simplified``)
into one TopoJSON, and writes a README of sources and licences and a manifest of sizes and
SHA-256s. Everything is written in a stable order with no timestamps, so building twice from
the same files gives the same bytes: ``tests/test_sources_bundle.py`` rebuilds the committed
bundle from ``../shared/data`` and compares.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oversight.data.domain import vocab
from oversight.data.downloads.registry import load_registry
from oversight.data.sources import boundaries, bundle, topology
from oversight.data.sources.community_scrape import looks_like_scrape
from oversight.data.sources.importer import RELEASE_SUFFIXES, parse_file
from oversight.data.sources.neighbours import looks_like_neighbours
from oversight.data.sources.records import (
    ImportRefused,
    InspectionRecord,
    ParsedFile,
    SourceInfo,
    VisitRecord,
)

#: The budget the issue set for the whole bundle; the build refuses to exceed it.
MAX_BUNDLE_BYTES = 3_000_000
OGL = "Open Government Licence v3.0"
OS_DATA = "contains OS data © Crown copyright and database right"
SCRAPE_ATTRIBUTION = bundle.SCRAPE_TITLE


@dataclass(frozen=True)
class BuildReport:
    """What a build wrote: each bundle file with its size, and the public files it read."""

    directory: Path
    files: dict[str, int]
    inputs: list[str]
    vintages: list[str]

    @property
    def total_bytes(self) -> int:
        return sum(self.files.values())


def inputs(data_dir: Path) -> list[Path]:
    """The importable public files of a data directory, in a fixed order: Ofsted's releases
    (oldest name first), the community scrape, then statistical neighbour tables."""
    data_dir = Path(data_dir)
    found: list[Path] = []
    ofsted = data_dir / "ofsted"
    if ofsted.is_dir():
        found += sorted(p for p in ofsted.iterdir() if p.is_file() and p.suffix.lower() in RELEASE_SUFFIXES)
    community = data_dir / "community"
    if community.is_dir():
        found += sorted(p for p in community.glob("*.csv") if looks_like_scrape(_header(p)))
    reference = data_dir / "reference"
    if reference.is_dir():
        found += sorted(p for p in reference.glob("*.csv") if looks_like_neighbours(_header(p)))
    return found


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        return next(csv.reader(fh), [])


def build(
    data_dir: Path, out_dir: Path | None = None, progress: Callable[[str], None] | None = None
) -> BuildReport:
    """Write the bundle of ``data_dir`` into ``out_dir`` (default: the package's ``data/bundle``).

    Refuses (:class:`ImportRefused`) if any input does not read cleanly or the result is over
    :data:`MAX_BUNDLE_BYTES`; files are written to a temporary folder and moved into place
    only when all are ready, so a failed build leaves the previous bundle as it was.
    """
    data_dir = Path(data_dir)
    out_dir = Path(out_dir or bundle.default_dir())
    say = progress or (lambda _: None)
    paths = inputs(data_dir)
    if not paths:
        raise ImportRefused(
            str(data_dir), [f"{data_dir}: no Ofsted release, scrape or neighbour table found"]
        )
    parsed = []
    for path in paths:
        say(f"reading {path.relative_to(data_dir)}")
        parsed.append(parse_file(path, rank_kind="release"))
    problems = [e for pf in parsed for e in pf.errors]
    problems += [
        f"{Path(pf.path).name}: rows of a kind the bundle does not hold ({type(rec).__name__})"
        for pf in parsed
        for rec, _ in pf.records[:1]
        if not isinstance(rec, InspectionRecord | VisitRecord)
    ]
    if problems:
        raise ImportRefused(", ".join(p.name for p in paths), problems)
    say("simplifying boundaries")
    collections = {
        f"utla_{vintage}": boundaries.load_simplified(path)
        for _, vintage in boundaries.VINTAGES
        if (path := boundaries.boundary_file(data_dir, vintage)) is not None
    }
    contents = _tables(parsed)
    contents[bundle.BOUNDARIES] = json.dumps(topology.encode(collections), separators=(",", ":")) + "\n"
    contents[bundle.README] = _readme(parsed, collections)
    contents[bundle.MANIFEST] = _manifest(contents)
    total = sum(len(text.encode("utf-8")) for text in contents.values())
    if total > MAX_BUNDLE_BYTES:
        raise ImportRefused(
            str(out_dir), [f"the bundle would be {total:,} bytes, over its budget of {MAX_BUNDLE_BYTES:,}"]
        )
    _write_all(out_dir, contents)
    say(f"wrote {len(contents)} files, {total:,} bytes, to {out_dir}")
    return BuildReport(
        out_dir,
        {name: len(text.encode("utf-8")) for name, text in contents.items()},
        [Path(pf.path).name for pf in parsed],
        [name.removeprefix("utla_") for name in collections],
    )


# Tables -----------------------------------------------------------------------------------------


def _csv(columns: tuple[str, ...], rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _tables(parsed: list[ParsedFile]) -> dict[str, str]:
    sources: dict[str, SourceInfo] = {}
    files, inspections, visits, neighbours = [], [], [], []
    for pf in parsed:
        name = Path(pf.path).name
        for rec, info in pf.records:
            sources.setdefault(info.key, info)
            where = rec.authority.where
            head = (
                name,
                where.sheet,
                where.row,
                where.column,
                where.header,
                rec.authority.code,
                rec.authority.name,
            )
            if isinstance(rec, InspectionRecord):
                inspections.append(
                    head
                    + (
                        rec.kind,
                        rec.kind_known,
                        rec.inspection_date,
                        rec.publication_date,
                        rec.date_precision,
                        rec.overall,
                        rec.overall_derived,
                        info.key,
                    )
                    + tuple(rec.judgements.get(area) for area in vocab.AREAS)
                )
            else:
                visits.append(
                    head
                    + (
                        rec.kind,
                        rec.visit_date,
                        rec.publication_date,
                        rec.date_precision,
                        rec.theme,
                        rec.summary,
                        info.key,
                    )
                )
        if pf.neighbour_source is not None:
            sources.setdefault(pf.neighbour_source.key, pf.neighbour_source)
        neighbours += [(name, *row) for row in pf.neighbours]
        files.append(
            (
                name,
                pf.sha256,
                pf.kind,
                pf.release_date,
                bundle.TABLE_SEPARATOR.join(pf.tables),
                len(pf.records),
                len(pf.neighbours),
                pf.neighbour_source.key if pf.neighbour_source else None,
            )
        )
    source_rows = [
        (i.key, i.title, i.kind, i.url, i.publisher, i.published, i.licence)
        for i in sorted(sources.values(), key=lambda i: i.key)
    ]
    rows = {
        "files.csv": files,
        "sources.csv": source_rows,
        "inspections.csv": inspections,
        "visits.csv": visits,
        "neighbours.csv": neighbours,
    }
    return {name: _csv(bundle.COLUMNS[name], rows[name]) for name in bundle.COLUMNS}


def _manifest(contents: dict[str, str]) -> str:
    return _csv(
        bundle.MANIFEST_COLUMNS,
        (
            (name, len(text.encode("utf-8")), hashlib.sha256(text.encode("utf-8")).hexdigest())
            for name, text in sorted(contents.items())
        ),
    )


def _write_all(out_dir: Path, contents: dict[str, str]) -> None:
    """Write every file to a sibling temporary folder, then replace the bundle's files."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out_dir.parent))
    try:
        for name, text in contents.items():
            (staging / name).write_bytes(text.encode("utf-8"))
        out_dir.mkdir(exist_ok=True)
        for name in contents:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# README -----------------------------------------------------------------------------------------


def _readme(parsed: list[ParsedFile], collections: dict[str, dict[str, Any]]) -> str:
    registry = {Path(e.target).name: e for e in load_registry()}
    lines = [
        "# The data bundle (generated: do not edit)",
        "",
        "What the app shows on a fresh clone with no data directory: the rows the importer read from",
        "each public file below, and every boundary vintage simplified once. It is made by",
        "",
        "    oversight bundle build --from ../shared/data",
        "",
        "and `tests/test_sources_bundle.py` rebuilds it from `../shared/data` and checks it is identical,",
        "so change the inputs or the code, never these files. No public file is copied here: the tables",
        "hold parsed rows, each with the file, sheet and row it came from. On first use the app imports",
        "them under each file's own name and SHA-256, ranked as the file itself would be (Ofsted's",
        "releases above the curated tracker, the tracker above the community scrape).",
        "",
        "## Tables and their sources",
        "",
        "| File read | SHA-256 of its bytes | Rows | Source | Licence and attribution |",
        "|---|---|---|---|---|",
    ]
    for pf in parsed:
        name = Path(pf.path).name
        lines.append(
            f"| `{name}` | `{pf.sha256}` | {len(pf.records) + len(pf.neighbours)} | "
            f"{_source_words(pf, registry.get(name))} | {_licence_words(pf)} |"
        )
    lines += [
        "",
        "## Boundaries (`boundaries.topo.json`)",
        "",
        "Upper-tier local authorities (counties and unitary authorities), England, one TopoJSON object per",
        "vintage (`utla_YYYY`), simplified as a coverage (shared borders simplified once) and held on a",
        "0.001° grid. Source: Office for National Statistics, Open Geography Portal. "
        f"Licence: {OGL}; {OS_DATA}.",
        "",
        "| Object | Authorities | Source file |",
        "|---|---|---|",
    ]
    for name, collection in collections.items():
        entry = registry.get(f"{name}.geojson")
        title = entry.title if entry else f"boundaries/{name}.geojson"
        lines.append(f"| `{name}` | {len(collection['features'])} | {title} |")
    lines += [
        "",
        "## Files",
        "",
        "`files.csv` (one row per public file read), `sources.csv` (the sources facts cite),",
        "`inspections.csv`, `visits.csv`, `neighbours.csv` (the parsed rows), `boundaries.topo.json`,",
        "this README, and `MANIFEST.csv` (each file's size and SHA-256, checked when the bundle is read).",
        "",
    ]
    return "\n".join(lines)


def _source_words(pf: ParsedFile, entry: Any) -> str:
    if pf.kind == "community_scrape":
        return (
            f"{SCRAPE_ATTRIBUTION} (GitHub repository JT-39/ofsted-ilacs-scrape-tool, "
            "`ofsted_csc_ilacs_history.csv`; URNs mapped by its `Provider_data_lookup.csv`)"
        )
    info = pf.neighbour_source or next((i for _, i in pf.records), None)
    publisher = (entry.publisher if entry else None) or (info.publisher if info else None) or "not recorded"
    title = (entry.title if entry else None) or (info.title if info else None) or Path(pf.path).name
    url = (entry.url if entry else None) or (info.url if info else None)
    return f"{publisher}: {title}" + (f" <{url}>" if url else "")


def _licence_words(pf: ParsedFile) -> str:
    if pf.kind == "community_scrape":
        return f"Facts: Ofsted, Crown copyright, {OGL}; tool: MIT licence. Attribute “{SCRAPE_ATTRIBUTION}”"
    return f"Crown copyright, {OGL}"
