"""The registry of downloadable files (``data/reference/downloads.csv``) and the errors of ``downloads``.

Downloading, checking, ``--check`` and the ``oversight download`` command all start from the same
list of files: where each one lives in the data directory, where it is published, and its SHA-256
when the publisher's bytes are stable. This module reads that list once and refuses a malformed
row up front, so that a typo fails loudly rather than half-way through a download.

Two columns describe files that are not fixed bytes at a fixed address. ``changes`` is
``accepted`` for a file its publisher rewrites (the community scrape, daily): it has no pinned
SHA-256, every download fetches it again, and a new version replaces the old one (its hash is
recorded in ``checksums.txt``, trust on first use) instead of being refused as a changed boundary
download is. ``derived_from`` is the publisher's address of the file a registry file was made
from, when the two differ (DfE's 2021 neighbours are published inside an ``.xlsx`` tool; the data
directory holds a CSV of its table): it is provenance, never downloaded in its place.

Three columns bound and check what arrives (``transfer``, ``fetch``). ``bytes`` is the expected size
of the download (the shared copy's size, measured); it sets the download's byte limit, and an entry
without one gets an overall ceiling. ``redirect_hosts`` names the other hosts a redirect from the
file's address may go to (space-separated); a redirect to the same host is always followed, to any
other host refused. ``normalised_sha256`` (boundary rows only) is the SHA-256 of the team's shared
``boundaries/utla_YYYY.geojson``: with no raw download to normalise again, ``--check`` compares the
normalised file with it (or with the sha256 ``checksums.txt`` recorded when the file was normalised).

It also holds the error classes the other ``downloads`` modules raise (all subclasses of
``FetchError``, which the CLI catches), and the small facts about the data directory's layout that
they share (``RAW_DIR``, ``PART_SUFFIX``). It imports no other ``downloads`` module, so every other
module can import it without a cycle. ``ChecksumMismatch`` lives in ``checksums`` because its
message names the ``checksums.txt`` record.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from oversight.data.resources import reference_file

REGISTRY_PATH = reference_file("downloads.csv")
REGISTRY_COLUMNS = (
    "target",
    "url",
    "sha256",
    "publisher",
    "licence",
    "title",
    "changes",
    "derived_from",
    "bytes",
    "redirect_hosts",
    "normalised_sha256",
)
CHANGES_ACCEPTED = "accepted"  # the ``changes`` value of a file its publisher rewrites
RAW_DIR = "raw"  # raw ONS boundary downloads go to <data dir>/raw/<target>, then are normalised
PART_SUFFIX = ".part"  # every file is written under this suffix first, then moved into place
BOUNDARY_TARGET = re.compile(r"^boundaries/utla_(\d{4})\.geojson$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")
#: An ArcGIS feature service query (the ONS Open Geography Portal): it answers in pages.
FEATURE_SERVICE_QUERY = re.compile(r"/FeatureServer/\d+/query(\?|$)")


# Errors --------------------------------------------------------------------------------------


class FetchError(Exception):
    """Any refusal of the ``downloads`` modules. The message says what happened and what to do."""


class UnknownTarget(FetchError):
    """``only`` named a target that is not in the registry."""


class BoundaryFormatError(FetchError):
    """A raw boundary file is not what the registry entry promises (fields, vintage, CRS)."""


# Registry -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One row of ``downloads.csv``: a file of the data directory and where it comes from."""

    target: str
    url: str = ""
    sha256: str = ""
    publisher: str = ""
    licence: str = ""
    title: str = ""
    changes: str = ""
    derived_from: str = ""
    bytes: str = ""
    redirect_hosts: str = ""
    normalised_sha256: str = ""

    @property
    def accepts_changes(self) -> bool:
        """True for a file its publisher rewrites: each download may be a new version, accepted."""
        return self.changes == CHANGES_ACCEPTED

    @property
    def size(self) -> int | None:
        """The expected size of the download in bytes (``bytes``), which sets its byte limit; None if unknown."""
        return int(self.bytes) if self.bytes else None

    @property
    def redirect_host_names(self) -> frozenset[str]:
        """The other hosts a redirect from this file's address may go to (``redirect_hosts``)."""
        return frozenset(self.redirect_hosts.split())

    @property
    def paged(self) -> bool:
        """True when the address is a feature service query, which gives its features in pages."""
        return bool(FEATURE_SERVICE_QUERY.search(self.url))

    @property
    def vintage(self) -> str | None:
        """The boundary vintage (``"2023"``) if this is a ``boundaries/utla_YYYY.geojson`` entry."""
        match = BOUNDARY_TARGET.match(self.target)
        return match.group(1) if match else None

    @property
    def download_target(self) -> str:
        """Where the downloaded bytes go. A boundary download is raw and is normalised afterwards."""
        return f"{RAW_DIR}/{self.target}" if self.vintage else self.target

    @property
    def derived(self) -> bool:
        """True for a file made by this project (no publisher to download it from)."""
        return self.publisher.lower().startswith("derived")

    def by_hand(self, data_dir: Path) -> str:
        """What to do when there is no download address: the same sentence everywhere."""
        if self.derived:
            return (
                f"no known download address for {self.target}: {self.publisher} ({self.title}); "
                f"put the file at {Path(data_dir) / self.target} by hand"
            )
        text = (
            f"no known download address for {self.target}; put the file at "
            f"{Path(data_dir) / self.download_target} by hand (from {self.publisher}, page {self.title})"
        )
        if self.derived_from:
            text += f"; it is made from {self.derived_from}"
        if self.vintage:
            text += f", then run `oversight download` again to normalise it into {self.target}"
        return text


def load_registry(path: Path | None = None) -> list[Entry]:
    """The registry's entries, checked once here so that a typo fails loudly, not mid-download."""
    path = Path(path) if path else REGISTRY_PATH
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != REGISTRY_COLUMNS:
            raise FetchError(f"{path}: header must be {','.join(REGISTRY_COLUMNS)}")
        entries = [Entry(**{k: (row[k] or "").strip() for k in REGISTRY_COLUMNS}) for row in reader]
    seen: set[str] = set()
    for entry in entries:
        if entry.target in seen:
            raise FetchError(f"{path}: target {entry.target} is listed twice")
        seen.add(entry.target)
        if entry.sha256 and not SHA256_HEX.match(entry.sha256):
            raise FetchError(f"{path}: sha256 of {entry.target} is not 64 lower-case hex digits")
        if entry.changes not in ("", CHANGES_ACCEPTED):
            raise FetchError(f"{path}: changes of {entry.target} must be empty or {CHANGES_ACCEPTED!r}")
        if entry.accepts_changes and entry.sha256:
            raise FetchError(f"{path}: {entry.target} changes upstream, so it cannot have a pinned sha256")
        if entry.bytes and not (re.fullmatch(r"[0-9]+", entry.bytes) and int(entry.bytes) > 0):
            raise FetchError(f"{path}: bytes of {entry.target} must be a whole number of bytes above 0")
        bad_hosts = [h for h in entry.redirect_hosts.split() if not HOST_NAME.match(h)]
        if bad_hosts:
            raise FetchError(
                f"{path}: redirect_hosts of {entry.target} must be lower-case host names separated by spaces, "
                f"not {' '.join(bad_hosts)!r}"
            )
        if entry.normalised_sha256 and not (entry.vintage and SHA256_HEX.match(entry.normalised_sha256)):
            raise FetchError(
                f"{path}: normalised_sha256 of {entry.target} must be 64 lower-case hex digits, "
                "and only a boundaries/utla_YYYY.geojson file has one"
            )
        if Path(entry.target).is_absolute() or ".." in Path(entry.target).parts:
            raise FetchError(f"{path}: target {entry.target} must be a relative path inside the data dir")
    return entries


def select(entries: Sequence[Entry], only: Iterable[str] | None) -> list[Entry]:
    """The entries named in ``only`` (in that order, once each), or all of them when it is empty."""
    if not only:
        return list(entries)
    wanted = list(dict.fromkeys(only))
    known = {e.target: e for e in entries}
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UnknownTarget(f"not in the registry: {', '.join(unknown)} (known targets: {', '.join(known)})")
    return [known[t] for t in wanted]
