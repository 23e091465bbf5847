"""What ``oversight refresh`` imports after downloading, and how it undoes a changed file it could not use.

``importable_files`` lists the data directory's files the importer takes: Ofsted releases under
``ofsted/`` (``.ods``, ``.xlsx``), DfE statistical neighbour CSVs under ``reference/`` and the
community scrape under ``community/``, each CSV recognised by its header as the importer
recognises it (so ``Provider_data_lookup.csv`` and the ONS lookup are left out: they are read
beside, or not at all). Whatever else is in the folders (``.part``, ``.rejected``, notes) is not.

``KeptVersions`` remembers the files whose publisher rewrites them (``Entry.accepts_changes``)
before a refresh downloads them again. If the refresh then fails (a download, a checksum, an
import refusal), ``restore`` puts the previous versions and their ``checksums.txt`` lines back, so
the data directory still holds what the unchanged database was imported from.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from oversight.data.downloads.checksums import read_checksums, record_checksum
from oversight.data.downloads.registry import PART_SUFFIX, Entry
from oversight.data.sources.community_scrape import looks_like_scrape
from oversight.data.sources.neighbours import looks_like_neighbours

RELEASE_SUFFIXES = (".ods", ".xlsx")
HEADER_BYTES = 65_536  # enough for any header line; a CSV is never read whole here


def importable_files(data_dir: Path) -> list[Path]:
    """The files of the data directory to import, releases first, each folder in name order."""
    data_dir = Path(data_dir)
    releases = [p for p in _files(data_dir / "ofsted") if p.suffix.lower() in RELEASE_SUFFIXES]
    neighbours = [p for p in _csv_files(data_dir / "reference") if looks_like_neighbours(_header(p))]
    scrapes = [p for p in _csv_files(data_dir / "community") if looks_like_scrape(_header(p))]
    return releases + neighbours + scrapes


def _files(folder: Path) -> list[Path]:
    """Regular files of a folder, in name order, without hidden or office lock files."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$")))


def _csv_files(folder: Path) -> list[Path]:
    return [p for p in _files(folder) if p.suffix.lower() == ".csv"]


def _header(path: Path) -> list[str]:
    """The first line of a CSV as its cells (byte-order mark and undecodable bytes tolerated)."""
    with path.open("rb") as fh:
        head = fh.read(HEADER_BYTES).decode("utf-8-sig", errors="replace")
    first = next(iter(head.splitlines()), "")
    return next(csv.reader([first]), [])


@dataclass
class KeptVersions:
    """The bytes and recorded sha256 of each rewritable file before a refresh, to put back on failure."""

    data_dir: Path
    files: dict[str, bytes | None] = field(default_factory=dict)
    recorded: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def before(cls, data_dir: Path, entries: Sequence[Entry]) -> KeptVersions:
        data_dir = Path(data_dir)
        record = read_checksums(data_dir)
        kept = cls(data_dir)
        for entry in entries:
            if not entry.accepts_changes:
                continue
            path = data_dir / entry.download_target
            kept.files[entry.download_target] = path.read_bytes() if path.is_file() else None
            kept.recorded[entry.download_target] = record.get(entry.download_target)
        return kept

    def restore(self) -> list[str]:
        """Put back every kept file that changed (or remove one that was new); what was done, in words."""
        record = read_checksums(self.data_dir)
        restored = []
        for target, old in self.files.items():
            path = self.data_dir / target
            now = path.read_bytes() if path.is_file() else None
            if now != old:
                if old is None:
                    path.unlink(missing_ok=True)
                    restored.append(f"the new {target} removed")
                else:
                    tmp = path.with_name(path.name + PART_SUFFIX)
                    tmp.write_bytes(old)
                    os.replace(tmp, path)
                    restored.append(f"the previous {target} put back")
            if record.get(target) != self.recorded[target]:
                record_checksum(self.data_dir, target, self.recorded[target])
        return restored
