"""Download the public data files into the data directory, each one checked by its checksum.

The app and the importer trust what they find in the data directory (``OVERSIGHT_DATA_DIR``). This
module makes sure those bytes are the ones the publisher released. Each file in the registry
(``data/reference/downloads.csv``) is downloaded with pooch to a temporary name. Its SHA-256 is
checked, and only then is it moved into place. A bad download never replaces a good file.

There are two kinds of checksum:

* Ofsted and DfE files: the registry holds the SHA-256 of the file as published.
* ONS boundary downloads: there is no published checksum, and the portal does not promise the same
  bytes on every request. The first download is trusted, and its hash is written to
  ``<data dir>/checksums.txt``. Later downloads must match it (trust on first use). When a later
  download differs, it is refused and kept aside to be inspected.

A raw ONS boundary file goes to ``<data dir>/raw/`` and is then normalised into the project's form,
``boundaries/utla_YYYY.geojson`` (see ``normalise_boundaries``).

``base_url`` (or the ``OVERSIGHT_DOWNLOAD_MIRROR`` variable) makes every file come from a mirror at
``<base_url>/<target>``. Tests use it, and so can an organisation with an internal mirror.

This module never imports Streamlit. ``add_parser`` adds the ``oversight download`` command.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oversight.data.checksum import sha256_of
from oversight.data.resources import reference_file

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2  # the same codes as data.cli

REGISTRY_PATH = reference_file("downloads.csv")
REGISTRY_COLUMNS = ("target", "url", "sha256", "publisher", "licence", "title")
CHECKSUMS_NAME = "checksums.txt"
MIRROR_ENV = "OVERSIGHT_DOWNLOAD_MIRROR"
RAW_DIR = "raw"
PART_SUFFIX = ".part"
REJECTED_SUFFIX = ".rejected"
BOUNDARY_TARGET = re.compile(r"^boundaries/utla_(\d{4})\.geojson$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")

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
ST_OK, ST_PRESENT, ST_MISSING, ST_MISMATCH = "ok", "present", "missing", "mismatch"


# Errors --------------------------------------------------------------------------------------


class FetchError(Exception):
    """Any refusal of this module. The message says what happened and what to do."""


class UnknownTarget(FetchError):
    """``only`` named a target that is not in the registry."""


class ChecksumMismatch(FetchError):
    """A file's SHA-256 is not the expected one, so the file was not put in place."""

    def __init__(
        self,
        target: str,
        expected: str,
        actual: str,
        *,
        source: str,
        origin: str,
        kept: Path | None = None,
        checksums: Path | None = None,
    ) -> None:
        self.target, self.expected, self.actual, self.kept = target, expected, actual, kept
        where = (
            "the registry (data/reference/downloads.csv)"
            if origin == "registry"
            else f"{checksums or CHECKSUMS_NAME}, recorded on first use"
        )
        lines = [
            f"checksum mismatch for {target} ({source}):",
            f"  expected sha256 {expected} (from {where})",
            f"  actual   sha256 {actual}",
        ]
        if kept is not None:
            lines.append(f"  the new file was kept aside at {kept}; nothing was overwritten.")
            lines.append(
                f"  If the publisher really changed the file, check it, then delete the line for {target}"
                f" in {checksums or CHECKSUMS_NAME} and move the file into place."
            )
        else:
            lines.append("  nothing was written at the target; any file already there is unchanged.")
        super().__init__("\n".join(lines))


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
        if entry.sha256 and not _HEX64.match(entry.sha256):
            raise FetchError(f"{path}: sha256 of {entry.target} is not 64 lower-case hex digits")
        if Path(entry.target).is_absolute() or ".." in Path(entry.target).parts:
            raise FetchError(f"{path}: target {entry.target} must be a relative path inside the data dir")
    return entries


def _select(entries: Sequence[Entry], only: Iterable[str] | None) -> list[Entry]:
    if not only:
        return list(entries)
    wanted = list(dict.fromkeys(only))
    known = {e.target: e for e in entries}
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise UnknownTarget(
            f"not in the registry: {', '.join(unknown)}. Known targets:\n  " + "\n  ".join(known)
        )
    return [known[t] for t in wanted]


# Checksums ------------------------------------------------------------------------------------


def read_checksums(data_dir: Path) -> dict[str, str]:
    """The trust-on-first-use record: ``sha256  target`` lines, as ``sha256sum`` writes them."""
    path = Path(data_dir) / CHECKSUMS_NAME
    if not path.is_file():
        return {}
    record: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or not _HEX64.match(parts[0]):
            raise FetchError(f"{path}, line {number}: expected 'sha256  target', got {line!r}")
        record[parts[1].strip().lstrip("*")] = parts[0]
    return record


def _record_checksum(data_dir: Path, target: str, digest: str) -> None:
    """Add one line to checksums.txt. The file is rewritten through a temporary name, so it is never half-written."""
    record = read_checksums(data_dir)
    record[target] = digest
    path = Path(data_dir) / CHECKSUMS_NAME
    tmp = path.with_name(path.name + PART_SUFFIX)
    body = "".join(f"{sha}  {name}\n" for name, sha in sorted(record.items()))
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, path)


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


def mirror_url(base_url: str, target: str) -> str:
    """A mirror holds every file at its target path, so its URL needs no per-file configuration."""
    return f"{base_url.rstrip('/')}/{target}"


def _download(url: str, dest: Path, progress: bool) -> Path:
    """Download ``url`` to ``dest`` + ``.part`` with pooch and return that temporary path.

    pooch gets ``known_hash=None`` and the caller checks the hash itself. If pooch checked it, a
    failed check would delete the file before its real hash could be reported, and before it could
    be kept aside.
    """
    import pooch

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART_SUFFIX)
    part.unlink(missing_ok=True)  # pooch would treat a leftover .part as already downloaded
    if progress:
        print(f"downloading {url}", file=sys.stderr, flush=True)
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # pooch logs every download and "use this hash" advice at INFO
    try:
        pooch.retrieve(url, known_hash=None, fname=part.name, path=part.parent, progressbar=False)
    finally:
        logger.setLevel(level)
    return part


def _expected(entry: Entry, record: dict[str, str]) -> tuple[str | None, str]:
    if entry.sha256:
        return entry.sha256, "registry"
    return record.get(entry.download_target), "first use"


def _fetch_one(data_dir: Path, entry: Entry, base_url: str | None, progress: bool) -> Result:
    import requests

    record = read_checksums(data_dir)
    expected, origin = _expected(entry, record)
    dest = data_dir / entry.download_target
    target_path = data_dir / entry.target
    checksums = data_dir / CHECKSUMS_NAME

    if entry.vintage and target_path.is_file() and not dest.exists() and expected is None:
        # A normalised file put there by hand (or copied) and never downloaded here: nothing to check.
        return Result(entry.target, PRESENT, target_path, None, "present (no raw file to verify)")

    local_mismatch: str | None = None
    if dest.is_file():
        actual = sha256_of(dest)
        if expected is None:
            _record_checksum(data_dir, entry.download_target, actual)
            result = Result(entry.target, RECORDED, dest, actual, f"present; sha256 recorded in {checksums}")
            return _normalise_if_needed(data_dir, entry, result)
        if actual == expected:
            result = Result(entry.target, PRESENT, dest, actual, "present, sha256 ok")
            return _normalise_if_needed(data_dir, entry, result)
        local_mismatch = actual  # the file on disk is damaged or changed: download it again

    url = mirror_url(base_url, entry.target) if base_url else entry.url
    if not url:
        if local_mismatch is not None:
            raise ChecksumMismatch(
                entry.target,
                expected or "",
                local_mismatch,
                source=f"the file on disk, {dest}",
                origin=origin,
                checksums=checksums,
            )
        return Result(entry.target, NO_URL, None, None, entry.by_hand(data_dir))

    try:
        part = _download(url, dest, progress)
    except (requests.RequestException, OSError, ValueError) as exc:
        return Result(
            entry.target,
            FAILED,
            None,
            None,
            f"download of {entry.target} from {url} failed: {exc}. "
            + entry.by_hand(data_dir).split("; ", 1)[-1],
        )
    actual = sha256_of(part)
    if expected is not None and actual != expected:
        kept = None
        if origin == "first use":
            kept = dest.with_name(dest.name + REJECTED_SUFFIX)
            os.replace(part, kept)
        else:
            part.unlink(missing_ok=True)
        raise ChecksumMismatch(
            entry.target, expected, actual, source=url, origin=origin, kept=kept, checksums=checksums
        )
    os.replace(part, dest)
    message = f"downloaded from {url}, sha256 ok"
    if expected is None:
        _record_checksum(data_dir, entry.download_target, actual)
        message = f"downloaded from {url}; no published checksum, sha256 recorded in {checksums}"
    result = Result(entry.target, DOWNLOADED, dest, actual, message)
    return _normalise_if_needed(data_dir, entry, result, force=True)


def _normalise_if_needed(data_dir: Path, entry: Entry, result: Result, force: bool = False) -> Result:
    if not entry.vintage:
        return result
    out = data_dir / entry.target
    if out.is_file() and not force:
        return result
    count = normalise_boundaries(data_dir / entry.download_target, out, entry.vintage)
    status = result.status if result.status == DOWNLOADED else NORMALISED
    return Result(
        entry.target,
        status,
        out,
        result.sha256,
        f"{result.message}; normalised to {entry.target} ({count} English authorities)",
    )


def fetch(
    data_dir: str | os.PathLike,
    only: Iterable[str] | None = None,
    base_url: str | None = None,
    progress: bool = False,
    registry: Sequence[Entry] | None = None,
) -> list[Result]:
    """Put every registry file (or those in ``only``) into ``data_dir``, checked by SHA-256.

    A file already there with the right hash is not downloaded again. An entry with no download
    address gives a ``no-url`` result that says where to put the file by hand. A failed transfer
    gives a ``failed`` result, and the other files still go ahead. A checksum mismatch raises
    ``ChecksumMismatch`` straight away: the bytes are not the publisher's, which needs a person to
    look before anything else happens. ``base_url`` (default: ``$OVERSIGHT_DOWNLOAD_MIRROR``) fetches
    every file from ``<base_url>/<target>`` instead.
    """
    data_dir = Path(data_dir)
    entries = _select(load_registry() if registry is None else registry, only)
    base_url = base_url or os.environ.get(MIRROR_ENV) or None
    data_dir.mkdir(parents=True, exist_ok=True)
    return [_fetch_one(data_dir, entry, base_url, progress) for entry in entries]


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
        """Missing and mismatched files fail ``--check``. A file with nothing to compare it to passes."""
        return self.state in (ST_OK, ST_PRESENT)


def status(
    data_dir: str | os.PathLike,
    only: Iterable[str] | None = None,
    registry: Sequence[Entry] | None = None,
) -> list[Status]:
    """Each entry as present, missing, hash ok or mismatch. This reads files and writes nothing."""
    data_dir = Path(data_dir)
    entries = _select(load_registry() if registry is None else registry, only)
    record = read_checksums(data_dir)
    out: list[Status] = []
    for entry in entries:
        expected, origin = _expected(entry, record)
        target_path = data_dir / entry.target
        raw = data_dir / entry.download_target
        if not target_path.is_file():
            note = "raw file present: run `oversight download` to normalise it" if raw.is_file() else ""
            note = note or (entry.by_hand(data_dir) if not entry.url else f"download from {entry.url}")
            out.append(Status(entry.target, ST_MISSING, target_path, expected, None, note))
            continue
        if not raw.is_file():  # a boundary file without its raw download
            out.append(Status(entry.target, ST_PRESENT, target_path, None, None, "no raw file to verify"))
            continue
        actual = sha256_of(raw)
        if expected is None:
            out.append(Status(entry.target, ST_PRESENT, raw, None, actual, "no checksum known yet"))
        elif actual == expected:
            out.append(Status(entry.target, ST_OK, raw, expected, actual, f"sha256 ok ({origin})"))
        else:
            note = f"expected {expected} ({origin}), found {actual}"
            out.append(Status(entry.target, ST_MISMATCH, raw, expected, actual, note))
    return out


# Boundaries -----------------------------------------------------------------------------------

_CODE_FIELD = re.compile(r"^(?:ctyua|utla)(\d{2})_?(?:cd|code)$", re.IGNORECASE)
_NAME_FIELD = re.compile(r"^(?:ctyua|utla)(\d{2})_?(?:nm|name)$", re.IGNORECASE)
_CRS84_NAMES = ("crs84", "epsg:4326", "epsg::4326", "wgs84")
_BNG_NAMES = ("epsg:27700", "epsg::27700")
ROUND = 6  # about 0.1 m; what every boundaries/utla_*.geojson uses


def _find_field(keys: Sequence[str], pattern: re.Pattern[str], plain: str) -> tuple[str | None, str | None]:
    """(field, two-digit year) by pattern, e.g. ``CTYUA23CD`` or ``ctyua18cd``; else a plain ``code``."""
    for key in keys:
        match = pattern.match(key)
        if match:
            return key, match.group(1)
    for key in keys:
        if key.lower() == plain:
            return key, None
    return None, None


def _crs_name(collection: dict[str, Any]) -> str:
    crs = collection.get("crs") or {}
    return str((crs.get("properties") or {}).get("name", "")).lower()


def _to_lonlat(geoms: Any, crs: str, raw: Path) -> Any:
    import numpy as np
    import shapely

    if not crs or any(name in crs for name in _CRS84_NAMES):
        return geoms
    if any(name in crs for name in _BNG_NAMES):
        from pyproj import Transformer

        to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
        return shapely.transform(geoms, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))
    raise BoundaryFormatError(f"{raw}: unsupported CRS {crs!r}; download it with outSR=4326")


def _polygonal(geom: Any, where: str) -> Any:
    """Keep the polygon parts: ``make_valid`` can return a collection with stray lines or points."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polygons = [
        p for part in shapely.get_parts(geom) for p in shapely.get_parts(part) if p.geom_type == "Polygon"
    ]
    if not polygons:
        raise BoundaryFormatError(f"{where}: geometry has no polygon left after repair")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def _rounded(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, ROUND)
    if isinstance(obj, list | tuple):
        return [_rounded(x) for x in obj]
    return obj


def normalise_boundaries(raw: Path, out: Path, vintage: str) -> int:
    """Turn a raw ONS GeoJSON into the project's ``boundaries/utla_YYYY.geojson``; return the feature count.

    These are the steps of ``boundaries/PROVENANCE.md``, so that a downloaded file and the team's
    shared copy are made the same way:

    * keep England only (codes starting ``E``);
    * find the code and name fields by pattern, case-insensitively (``CTYUA23CD``, ``ctyua18nm``,
      ``utla19_code``), and keep only ``code`` and ``name``;
    * reproject to EPSG:4326 and round coordinates to 6 dp (about 0.1 m);
    * repair invalid geometry with ``make_valid``;
    * make exterior rings clockwise, as plotly's geo traces need;
    * sort by code.

    The file is written through a temporary name, so a failure leaves any previous file in place.
    """
    import numpy as np
    import shapely
    from shapely.geometry import mapping, shape

    raw, out = Path(raw), Path(out)
    try:
        collection = json.loads(raw.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise BoundaryFormatError(f"{raw}: not a readable GeoJSON file ({exc})") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise BoundaryFormatError(f"{raw}: not a GeoJSON FeatureCollection")
    if collection.get("exceededTransferLimit") or (collection.get("properties") or {}).get(
        "exceededTransferLimit"
    ):
        raise BoundaryFormatError(
            f"{raw}: the service returned only part of the layer (exceededTransferLimit)"
        )
    features = collection.get("features") or []
    if not features:
        raise BoundaryFormatError(f"{raw}: no features")
    keys = list((features[0].get("properties") or {}).keys())
    code_field, code_year = _find_field(keys, _CODE_FIELD, "code")
    name_field, name_year = _find_field(keys, _NAME_FIELD, "name")
    if not code_field or not name_field:
        raise BoundaryFormatError(
            f"{raw}: no code/name fields like CTYUA{vintage[-2:]}CD/CTYUA{vintage[-2:]}NM among {keys}"
        )
    for year in (code_year, name_year):
        if year is not None and year != vintage[-2:]:
            raise BoundaryFormatError(
                f"{raw}: fields {code_field}/{name_field} are for 20{year}, "
                f"but this is the {vintage} vintage (utla_{vintage}.geojson)"
            )

    rows: list[tuple[str, str]] = []
    geoms = []
    for feature in features:
        props = feature.get("properties") or {}
        code = str(props.get(code_field) or "").strip()
        if not code.startswith("E"):
            continue
        if not feature.get("geometry"):
            raise BoundaryFormatError(f"{raw}: {code} has no geometry")
        rows.append((code, str(props.get(name_field) or "").strip()))
        geoms.append(shape(feature["geometry"]))
    if not rows:
        raise BoundaryFormatError(f"{raw}: no English features (codes starting E) in {code_field}")
    codes = [c for c, _ in rows]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise BoundaryFormatError(f"{raw}: duplicate codes {', '.join(duplicates)}")

    array = _to_lonlat(np.array(geoms, dtype=object), _crs_name(collection), raw)
    bounds = shapely.total_bounds(array)
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        raise BoundaryFormatError(f"{raw}: coordinates are not longitude/latitude degrees (bounds {bounds})")
    array = shapely.transform(array, lambda xy: np.round(xy, ROUND))
    invalid = ~shapely.is_valid(array)
    array[invalid] = shapely.make_valid(array[invalid])
    array = np.array(
        [_polygonal(g, f"{raw}: {c}") for g, (c, _) in zip(array, rows, strict=True)], dtype=object
    )
    array = shapely.orient_polygons(array, exterior_cw=True)

    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + PART_SUFFIX)
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write('{\n"type": "FeatureCollection",\n')
        fh.write('"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},\n')
        fh.write('"features": [\n')
        for n, i in enumerate(order):
            gj = mapping(array[i])
            feature = {
                "type": "Feature",
                "properties": {"code": rows[i][0], "name": rows[i][1]},
                "geometry": {"type": gj["type"], "coordinates": _rounded(gj["coordinates"])},
            }
            fh.write(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
            fh.write(",\n" if n < len(order) - 1 else "\n")
        fh.write("]\n}\n")
    os.replace(tmp, out)
    return len(rows)
