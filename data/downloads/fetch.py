"""Download the public data files into the data directory, each one checked by its checksum.

The app and the importer trust what they find in the data directory (``OVERSIGHT_DATA_DIR``). This
module makes sure those bytes are the ones the publisher released. ``fetch`` (``oversight
download``) streams each registry file to a temporary name within the limits of ``transfer`` (a
byte limit from the registry's ``bytes``, a total time per file, redirects only to the same host or
the row's ``redirect_hosts``), checks its SHA-256, and only then moves it into place, so a bad or
cut-off download never replaces a good file and leaves no temporary file behind. ``status``
(``oversight download --check``) reports the same checks without downloading or writing anything,
and checks the file the app actually reads too: each ``boundaries/utla_YYYY.geojson`` must be what
its raw download normalises to or, with no raw download, have a recorded SHA-256 (the registry's
``normalised_sha256`` for the team's shared copies, or the one ``checksums.txt`` recorded when the
file was normalised); one with neither is ``unverifiable``, a failure.

The expected hash comes from the registry (Ofsted and DfE files, as published) or, for ONS boundary
downloads, from the trust-on-first-use record in ``checksums``. A raw ONS boundary file goes to
``<data dir>/raw/`` and is then normalised into ``boundaries/utla_YYYY.geojson`` by ``normalise``.

Two kinds of entry are downloaded differently. An ONS feature service (``Entry.paged``) answers
a query in pages of at most a few thousand features: the pages are requested with
``resultOffset``/``resultRecordCount`` while the service says ``exceededTransferLimit``, and merged
into one FeatureCollection (features sorted, keys sorted) before anything is checked. Such a
response is not byte-stable, so the checked thing is what it normalises to: a download whose raw
bytes differ from the first-use record but normalise to the very file already in place is
accepted. A file whose publisher rewrites it (``Entry.accepts_changes``: the community scrape) is
downloaded on every run; a changed one is a new version, accepted and recorded, not refused.

``base_url`` (or the ``OVERSIGHT_DOWNLOAD_MIRROR`` variable) makes every file come from a mirror at
``<base_url>/<target>``. Tests use it, and so can an organisation with an internal mirror.

This module never imports Streamlit; ``oversight.cli.download`` adds the ``oversight download``
command on top of it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from oversight.data.checksum import sha256_of
from oversight.data.downloads.checksums import (
    CHECKSUMS_NAME,
    ChecksumMismatch,
    read_checksums,
    record_checksum,
)
from oversight.data.downloads.normalise import normalise_boundaries
from oversight.data.downloads.registry import PART_SUFFIX, Entry, FetchError, load_registry, select
from oversight.data.downloads.transfer import Limits, Transfer, TransferError, limits_for

MIRROR_ENV = "OVERSIGHT_DOWNLOAD_MIRROR"
REJECTED_SUFFIX = ".rejected"

# Result and status states. Both are plain strings so that the CLI can print them directly.
DOWNLOADED, PRESENT, RECORDED, NORMALISED, NO_URL, FAILED = (
    "downloaded",
    "present",
    "recorded",
    "normalised",
    "no-url",
    "failed",
)
OK_RESULTS = frozenset({DOWNLOADED, PRESENT, RECORDED, NORMALISED})
ST_OK, ST_PRESENT, ST_MISSING, ST_MISMATCH, ST_ABSENT = "ok", "present", "missing", "mismatch", "absent"
ST_UNVERIFIABLE = "unverifiable"
PAGE_SUFFIX = ".page"  # one page of a feature service, on disk while it is read
NORMALISED_IN_REGISTRY = "the registry's normalised_sha256"
#: Features asked for per page of a feature service; the service may give fewer (its own limit).
PAGE_SIZE = 1000
MAX_PAGES = 500
_PAGE_KEYS = {"resultOffset", "resultRecordCount"}  # replaced on every page's query
#: ``progress``: True prints "downloading URL" on standard error; a function gets (target, url).
Progress = bool | Callable[[str, str], None]


# Fetch ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """What ``fetch`` did for one registry entry."""

    target: str
    status: str
    path: Path | None = None
    sha256: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when the file is in place and checked (or recorded on first use)."""
        return self.status in OK_RESULTS


def fetch(
    data_dir: str | os.PathLike,
    only: Iterable[str] | None = None,
    base_url: str | None = None,
    progress: Progress = False,
    registry: Sequence[Entry] | None = None,
) -> list[Result]:
    """Put every registry file (or those in ``only``) into ``data_dir``, checked by SHA-256.

    A file already there with the right hash is not downloaded again. An entry with no download
    address gives a ``no-url`` result that says where to put the file by hand. A failed transfer
    (an HTTP error, or a limit of ``transfer`` reached) gives a ``failed`` result, and the other
    files still go ahead. A checksum mismatch raises ``ChecksumMismatch`` straight away: the bytes
    are not the publisher's, which needs a person to look before anything else happens. ``base_url`` (default: ``$OVERSIGHT_DOWNLOAD_MIRROR``) fetches
    every file from ``<base_url>/<target>`` instead (one plain file each: a mirror is not paged).
    A file whose publisher rewrites it is downloaded again every time (``_fetch_changing``).
    """
    data_dir = Path(data_dir)
    entries = select(load_registry() if registry is None else registry, only)
    base_url = base_url or os.environ.get(MIRROR_ENV) or None
    data_dir.mkdir(parents=True, exist_ok=True)
    return [_fetch_one(data_dir, entry, base_url, progress) for entry in entries]


def mirror_url(base_url: str, target: str) -> str:
    """A mirror holds every file at its target path, so its URL needs no per-file configuration."""
    return f"{base_url.rstrip('/')}/{target}"


def _expected(entry: Entry, record: dict[str, str]) -> tuple[str | None, str]:
    """The hash a file must have, and where it comes from: ``"registry"`` or ``"first use"``."""
    if entry.sha256:
        return entry.sha256, "registry"
    return record.get(entry.download_target), "first use"


def _fetch_one(data_dir: Path, entry: Entry, base_url: str | None, progress: Progress) -> Result:
    """One entry: keep a good local file, else download and check it, then normalise a boundary."""
    record = read_checksums(data_dir)
    url = mirror_url(base_url, entry.target) if base_url else entry.url
    limits = limits_for(entry, mirror=bool(base_url))
    if entry.accepts_changes:
        return _fetch_changing(data_dir, entry, url, record.get(entry.download_target), progress, limits)
    expected, origin = _expected(entry, record)
    dest = data_dir / entry.download_target
    target_path = data_dir / entry.target

    if entry.vintage and target_path.is_file() and not dest.exists():
        # A normalised file with no raw download: the team's shared copy, or one whose raw file is gone.
        actual = sha256_of(target_path)
        known = _normalised_expected(entry, record)
        matched = next((where for sha, where in known if sha == actual), None)
        if matched is not None and (expected is None or not url):
            return Result(entry.target, PRESENT, target_path, actual, f"present, sha256 ok ({matched})")
        if not known and expected is None:  # nothing known of it yet: trusted on first use
            record_checksum(data_dir, entry.target, actual)
            message = (
                f"present with no raw download to verify it against; its sha256 is recorded in "
                f"{data_dir / CHECKSUMS_NAME} (first use)"
            )
            return Result(entry.target, RECORDED, target_path, actual, message)
        if known and matched is None and not url:  # changed, and nothing to remake it from
            sha, where = known[0]
            raise ChecksumMismatch(
                entry.target,
                sha,
                actual,
                source=f"the file on disk, {target_path}",
                origin="registry" if where == NORMALISED_IN_REGISTRY else "first use",
                checksums=data_dir / CHECKSUMS_NAME,
            )
        # Changed, or its raw download is recorded but gone: download it again (and remake this file).

    local_mismatch: str | None = None
    if dest.is_file():
        actual = sha256_of(dest)
        if expected is None or actual == expected:
            return _normalise_if_needed(data_dir, entry, _accept_local(data_dir, entry, expected, actual))
        local_mismatch = actual  # the file on disk is damaged or changed: download it again

    if not url:
        if local_mismatch is not None:
            raise ChecksumMismatch(
                entry.target,
                expected or "",
                local_mismatch,
                source=f"the file on disk, {dest}",
                origin=origin,
                checksums=data_dir / CHECKSUMS_NAME,
            )
        return Result(entry.target, NO_URL, None, None, entry.by_hand(data_dir))

    paged = entry.paged and not base_url
    return _download_checked(data_dir, entry, url, expected, origin, progress, limits, paged)


def _normalised_expected(entry: Entry, record: dict[str, str]) -> list[tuple[str, str]]:
    """The sha256 a normalised boundary file may have when there is no raw file to remake it from,
    each with where it comes from: the registry (the team's shared copy) and ``checksums.txt``
    (recorded when this data directory's file was normalised, or first found)."""
    known = []
    if entry.normalised_sha256:
        known.append((entry.normalised_sha256, NORMALISED_IN_REGISTRY))
    if recorded := record.get(entry.target):
        known.append((recorded, f"recorded in {CHECKSUMS_NAME}"))
    return known


def _failed(data_dir: Path, entry: Entry, url: str, exc: Exception) -> Result:
    """A transfer that failed, in one line: the file, where from, why (the limit), and what to do instead."""
    why = " ".join(str(exc).split()) or type(exc).__name__
    why = "".join(c if c.isprintable() else "?" for c in why)  # a server's words: never a terminal escape
    return Result(
        entry.target,
        FAILED,
        None,
        None,
        f"download of {entry.target} from {url} failed: {why}. " + entry.by_hand(data_dir).split("; ", 1)[-1],
    )


def _fetch_changing(
    data_dir: Path, entry: Entry, url: str, recorded: str | None, progress: Progress, limits: Limits
) -> Result:
    """A file its publisher rewrites: download it again, keep a new version, record its sha256.

    There is nothing to check it against but the last version, so a changed file is not refused:
    it replaces the old one, and the result says so (``downloaded``, "new version"); the same
    bytes again are ``present`` ("unchanged"). With no address, the file on disk is taken as it is.
    """
    dest = data_dir / entry.download_target
    checksums = data_dir / CHECKSUMS_NAME
    previous = sha256_of(dest) if dest.is_file() else None
    if not url:
        if previous is None:
            return Result(entry.target, NO_URL, None, None, entry.by_hand(data_dir))
        if previous == recorded:
            return Result(entry.target, PRESENT, dest, previous, "present, sha256 as recorded")
        record_checksum(data_dir, entry.download_target, previous)
        return Result(entry.target, RECORDED, dest, previous, f"present; sha256 recorded in {checksums}")
    try:
        part = _download(url, dest, progress, entry.target, limits)
    except (TransferError, OSError) as exc:
        return _failed(data_dir, entry, url, exc)
    try:
        actual = sha256_of(part)
        known = previous or recorded
        if previous == actual:
            if recorded != actual:
                record_checksum(data_dir, entry.download_target, actual)
            return Result(entry.target, PRESENT, dest, actual, f"downloaded again from {url}: unchanged")
        os.replace(part, dest)
        record_checksum(data_dir, entry.download_target, actual)
    finally:
        part.unlink(missing_ok=True)  # moved into place, or not wanted: never left behind
    if known is None:
        message = f"downloaded from {url}; it changes upstream, so sha256 {actual} is recorded in {checksums} (first use)"
    elif known == actual:
        message = f"downloaded from {url}; sha256 as recorded"
    else:
        message = (
            f"new version downloaded from {url}: sha256 {known} -> {actual}; "
            f"this file changes upstream, so the new version is accepted and recorded in {checksums}"
        )
    return Result(entry.target, DOWNLOADED, dest, actual, message)


def _accept_local(data_dir: Path, entry: Entry, expected: str | None, actual: str) -> Result:
    """A file already on disk that matches, or that is trusted now because nothing was known yet."""
    dest = data_dir / entry.download_target
    if expected is None:
        record_checksum(data_dir, entry.download_target, actual)
        return Result(
            entry.target, RECORDED, dest, actual, f"present; sha256 recorded in {data_dir / CHECKSUMS_NAME}"
        )
    return Result(entry.target, PRESENT, dest, actual, "present, sha256 ok")


def _download_checked(
    data_dir: Path,
    entry: Entry,
    url: str,
    expected: str | None,
    origin: str,
    progress: Progress,
    limits: Limits,
    paged: bool = False,
) -> Result:
    """Download ``url``, move it into place only if its hash is right (or recorded on first use), normalise.

    A failed transfer (a limit reached, an HTTP error) is a ``failed`` result. A wrong hash raises
    ``ChecksumMismatch``: a download that contradicts the first-use record is kept aside as
    ``.rejected``, one that contradicts the registry is deleted. A paged download is not byte-stable,
    so one that normalises to the very file already in place is accepted (and its sha256 recorded)
    however its raw bytes differ. A boundary download is normalised before either file is moved, so
    a download that does not normalise replaces nothing. The temporary file never outlives the call.
    """
    dest = data_dir / entry.download_target
    checksums = data_dir / CHECKSUMS_NAME
    try:
        part = (
            _download_pages(url, dest, progress, entry.target, limits)
            if paged
            else _download(url, dest, progress, entry.target, limits)
        )
    except (TransferError, OSError, ValueError) as exc:
        return _failed(data_dir, entry, url, exc)
    try:
        actual = sha256_of(part)
        if (
            paged
            and expected is not None
            and actual != expected
            and _normalises_to_the_same(data_dir, entry, part)
        ):
            os.replace(part, dest)
            record_checksum(data_dir, entry.download_target, actual)
            record_checksum(data_dir, entry.target, sha256_of(data_dir / entry.target))
            message = (
                f"downloaded from {url} in pages; its raw bytes differ from the first download but it normalises "
                f"to the same {entry.target}, so sha256 {actual} is recorded in {checksums}"
            )
            return Result(entry.target, DOWNLOADED, dest, actual, message)
        if expected is not None and actual != expected:
            kept = None
            if origin == "first use":
                kept = dest.with_name(dest.name + REJECTED_SUFFIX)
                os.replace(part, kept)
            raise ChecksumMismatch(
                entry.target, expected, actual, source=url, origin=origin, kept=kept, checksums=checksums
            )
        message = f"downloaded from {url}, sha256 ok"
        if expected is None:
            message = f"downloaded from {url}; no published checksum, sha256 recorded in {checksums}"
        if entry.vintage:
            count = _normalise(data_dir, entry, part)
            message += f"; normalised to {entry.target} ({count} English authorities)"
        os.replace(part, dest)
        if expected is None:
            record_checksum(data_dir, entry.download_target, actual)
        return Result(entry.target, DOWNLOADED, dest, actual, message)
    finally:
        part.unlink(missing_ok=True)  # moved into place, or refused: never left behind


def _announce(progress: Progress, target: str, url: str) -> None:
    if callable(progress):
        progress(target, url)
    elif progress:
        print(f"downloading {url}", file=sys.stderr, flush=True)


def _download(url: str, dest: Path, progress: Progress, target: str, limits: Limits) -> Path:
    """Stream ``url`` to ``dest`` + ``.part`` within ``limits``; return that temporary path.

    The caller checks the hash, so that a failed check can report the real hash and keep the file
    aside. On any failure the ``.part`` file is removed (``Transfer.to_file``).
    """
    part = dest.with_name(dest.name + PART_SUFFIX)
    _announce(progress, target, url)
    with Transfer(target, limits) as transfer:
        transfer.to_file(url, part)
    return part


def _download_pages(url: str, dest: Path, progress: Progress, target: str, limits: Limits) -> Path:
    """Every feature of a feature service query, page by page, merged into ``dest`` + ``.part``.

    Each page asks for ``PAGE_SIZE`` features from ``resultOffset``; the service may send fewer
    (its own limit) and says whether more remain with ``exceededTransferLimit`` (at the top level,
    or under ``properties`` in GeoJSON). The merged collection has its features sorted and its keys
    sorted, so the same features give the same bytes whatever order the pages came in. An error
    answer, a page that is not GeoJSON, or a service that says "more" but sends nothing raises
    ``ValueError`` (a failed download). Every page is streamed to disk and read from there; the
    pages together are one file for the limits (their bytes add up, one deadline covers them all).
    """
    part = dest.with_name(dest.name + PART_SUFFIX)
    page_file = dest.with_name(dest.name + PAGE_SUFFIX + PART_SUFFIX)
    _announce(progress, target, url)
    pieces = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(pieces.query, keep_blank_values=True) if k not in _PAGE_KEYS]
    features: list[Any] = []
    crs = None
    try:
        with Transfer(target, limits) as transfer:
            for page in range(MAX_PAGES):
                paging = [("resultOffset", str(len(features))), ("resultRecordCount", str(PAGE_SIZE))]
                page_url = urlunsplit(pieces._replace(query=urlencode(query + paging)))
                transfer.to_file(page_url, page_file)
                with page_file.open("rb") as fh:
                    body = json.load(fh)
                page_file.unlink()
                if not isinstance(body, dict) or "error" in body:
                    error = body.get("error") if isinstance(body, dict) else body
                    raise ValueError(
                        f"page {page + 1} ({page_url}): the service answered with an error: {error}"
                    )
                if body.get("type") != "FeatureCollection":
                    raise ValueError(f"page {page + 1} ({page_url}): not a GeoJSON FeatureCollection")
                got = body.get("features") or []
                features.extend(got)
                crs = crs or body.get("crs")
                more = body.get("exceededTransferLimit") or (body.get("properties") or {}).get(
                    "exceededTransferLimit"
                )
                if not more:
                    break
                if not got:
                    raise ValueError(
                        f"page {page + 1} ({page_url}): the service said more features remain but sent none"
                    )
            else:
                raise ValueError(f"more than {MAX_PAGES} pages of {PAGE_SIZE} features: not a boundary layer")
        features.sort(key=lambda f: json.dumps(f.get("properties"), sort_keys=True, default=str))
        merged: dict[str, Any] = {"type": "FeatureCollection", "features": features}
        if crs:
            merged["crs"] = crs
        with part.open("w", encoding="utf-8") as fh:
            json.dump(merged, fh, sort_keys=True, separators=(",", ":"))
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        page_file.unlink(missing_ok=True)
    return part


def _normalises_to_the_same(data_dir: Path, entry: Entry, raw: Path) -> bool:
    """True when ``raw`` normalises to exactly the boundary file already in place."""
    target_path = data_dir / entry.target
    if not entry.vintage or not target_path.is_file():
        return False
    with tempfile.TemporaryDirectory(prefix="oversight-paged-") as tmp:
        again = Path(tmp) / target_path.name
        try:
            normalise_boundaries(raw, again, entry.vintage)
        except FetchError:
            return False
        return sha256_of(again) == sha256_of(target_path)


def _normalise(data_dir: Path, entry: Entry, raw: Path) -> int:
    """Make ``boundaries/utla_YYYY.geojson`` from ``raw`` and record its sha256 (for when the raw file is gone)."""
    out = data_dir / entry.target
    count = normalise_boundaries(raw, out, entry.vintage or "")
    record_checksum(data_dir, entry.target, sha256_of(out))
    return count


def _normalise_if_needed(data_dir: Path, entry: Entry, result: Result) -> Result:
    """For a boundary entry whose raw download is in place, make ``boundaries/utla_YYYY.geojson`` if it is missing."""
    if not entry.vintage or (data_dir / entry.target).is_file():
        return result
    count = _normalise(data_dir, entry, data_dir / entry.download_target)
    return Result(
        entry.target,
        NORMALISED,
        data_dir / entry.target,
        result.sha256,
        f"{result.message}; normalised to {entry.target} ({count} English authorities)",
    )


# Status ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """The state of one registry entry on disk, found without downloading anything."""

    target: str
    state: str
    path: Path
    expected: str | None = None
    actual: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """Missing, mismatched and unverifiable files fail ``--check``. A raw or rewritable file with
        nothing to compare it to yet passes (``present``), and so does an absent one with a download
        address (``oversight download`` fetches it)."""
        return self.state in (ST_OK, ST_PRESENT, ST_ABSENT)


def status(
    data_dir: str | os.PathLike,
    only: Iterable[str] | None = None,
    registry: Sequence[Entry] | None = None,
) -> list[Status]:
    """Each entry as ok, present, absent, missing, mismatch or unverifiable. This reads files and writes nothing."""
    data_dir = Path(data_dir)
    entries = select(load_registry() if registry is None else registry, only)
    record = read_checksums(data_dir)
    return [_status_one(data_dir, entry, record) for entry in entries]


def _status_one(data_dir: Path, entry: Entry, record: dict[str, str]) -> Status:
    expected, origin = _expected(entry, record)
    target_path = data_dir / entry.target
    raw = data_dir / entry.download_target
    if not target_path.is_file():
        if raw.is_file():
            note = "raw file present: run `oversight download` to normalise it"
            return Status(entry.target, ST_MISSING, target_path, expected, None, note)
        if entry.url:  # nothing for a person to do: `oversight download` / `refresh` fetches it
            note = f"not here yet; `oversight download` or `oversight refresh` fetches it from {entry.url}"
            return Status(entry.target, ST_ABSENT, target_path, expected, None, note)
        return Status(entry.target, ST_MISSING, target_path, expected, None, entry.by_hand(data_dir))
    if not raw.is_file():  # a boundary file without its raw download
        return _status_without_raw(data_dir, entry, record, target_path)
    actual = sha256_of(raw)
    if entry.accepts_changes and expected is not None and actual != expected:
        note = (
            f"changed since sha256 {expected} was recorded; it changes upstream, so a new version is accepted"
        )
        return Status(entry.target, ST_PRESENT, raw, expected, actual, note)
    if expected is not None and actual != expected:
        note = f"expected {expected} ({origin}), found {actual}"
        return Status(entry.target, ST_MISMATCH, raw, expected, actual, note)
    if entry.vintage:  # the app reads the normalised file, so it is the one that must be right
        derived = _check_normalised(raw, target_path, entry)
        if derived is not None:
            return derived
    if expected is None:
        return Status(entry.target, ST_PRESENT, raw, None, actual, "no checksum known yet")
    note = f"sha256 ok ({origin})" + ("; normalised file matches its raw download" if entry.vintage else "")
    return Status(entry.target, ST_OK, raw, expected, actual, note)


def _status_without_raw(data_dir: Path, entry: Entry, record: dict[str, str], target_path: Path) -> Status:
    """A normalised boundary file with no raw download to remake it from: checked against its recorded sha256.

    The registry holds the sha256 of the team's shared copies (``normalised_sha256``);
    ``checksums.txt`` holds the one recorded when this data directory's file was normalised (or
    first found by ``oversight download``). Either one matching is ``ok``; a file that matches
    neither was changed (``mismatch``); a file with neither to compare is ``unverifiable``.
    """
    actual = sha256_of(target_path)
    known = _normalised_expected(entry, record)
    for sha, where in known:
        if actual == sha:
            note = f"sha256 ok ({where}); no raw download to normalise again"
            return Status(entry.target, ST_OK, target_path, sha, actual, note)
    remedy = (
        f"run `oversight download --only {entry.target}` to download and remake it"
        if entry.url
        else entry.by_hand(data_dir).split("; ", 1)[-1]
    )
    if not known:
        note = (
            f"unverifiable: no raw download ({data_dir / entry.download_target}) to normalise again and no "
            f"sha256 recorded for it (no normalised_sha256 in the registry, no line in {CHECKSUMS_NAME}); "
            f"if it is genuine, `oversight download --only {entry.target}` records it as it is, "
            f"else delete it and {remedy}"
        )
        return Status(entry.target, ST_UNVERIFIABLE, target_path, None, actual, note)
    sha, where = known[0]
    note = f"expected {sha} ({where}), found {actual}: the file the app reads was changed; delete it and {remedy}"
    return Status(entry.target, ST_MISMATCH, target_path, sha, actual, note)


def _check_normalised(raw: Path, target_path: Path, entry: Entry) -> Status | None:
    """A ``mismatch`` if ``boundaries/utla_YYYY.geojson`` is not what its raw download normalises to.

    The raw file's hash only proves the download; the app draws the normalised file, which could be
    edited or damaged afterwards. Normalising is deterministic and takes well under a second, so
    the raw file is normalised again into a temporary folder (outside the data directory: ``--check``
    writes nothing there) and the two files' SHA-256 are compared.
    """
    with tempfile.TemporaryDirectory(prefix="oversight-check-") as tmp:
        again = Path(tmp) / target_path.name
        try:
            normalise_boundaries(raw, again, entry.vintage or "")
        except FetchError as exc:
            first = (str(exc).splitlines() or [""])[0]
            return Status(
                entry.target, ST_MISMATCH, target_path, None, None, f"raw file no longer normalises: {first}"
            )
        expected = sha256_of(again)
    actual = sha256_of(target_path)
    if actual == expected:
        return None
    note = (
        f"expected {expected} (normalised from {raw}), found {actual}: the file the app reads was changed; "
        f"delete it and run `oversight download --only {entry.target}` to remake it"
    )
    return Status(entry.target, ST_MISMATCH, target_path, expected, actual, note)
