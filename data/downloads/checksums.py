"""The trust-on-first-use record, ``<data dir>/checksums.txt``, and the error for a hash that disagrees.

ONS publishes no checksum for its boundary downloads, and its portal does not promise the same
bytes on every request, so the registry cannot hold their SHA-256. Instead the first download is
trusted and its hash is written here; every later download (and ``--check``) must match it. The
file uses ``sha256sum``'s ``sha256  target`` lines, so a person can verify it with standard tools.

Hashing itself is ``oversight.data.checksum.sha256_of``, the project's one SHA-256 helper.
"""

from __future__ import annotations

import os
from pathlib import Path

from oversight.data.downloads.registry import PART_SUFFIX, SHA256_HEX, FetchError

CHECKSUMS_NAME = "checksums.txt"


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
        self.source, self.origin = source, origin
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

    def one_line(self) -> str:
        """The mismatch in one line: the file, where the bytes came from, both checksums."""
        text = (
            f"{self.target}: checksum mismatch: expected sha256 {self.expected} "
            f"({'the registry' if self.origin == 'registry' else 'recorded on first use'}), "
            f"got sha256 {self.actual} from {self.source}"
        )
        return text + (f"; the download was kept aside at {self.kept}" if self.kept else "")


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
        if len(parts) != 2 or not SHA256_HEX.match(parts[0]):
            raise FetchError(f"{path}, line {number}: expected 'sha256  target', got {line!r}")
        record[parts[1].strip().lstrip("*")] = parts[0]
    return record


def record_checksum(data_dir: Path, target: str, digest: str | None) -> None:
    """Add (or, with ``digest`` None, remove) one line of checksums.txt.

    The file is rewritten through a temporary name, so it is never half-written.
    """
    record = read_checksums(data_dir)
    if digest is None:
        if target not in record:
            return
        del record[target]
    else:
        record[target] = digest
    path = Path(data_dir) / CHECKSUMS_NAME
    tmp = path.with_name(path.name + PART_SUFFIX)
    body = "".join(f"{sha}  {name}\n" for name, sha in sorted(record.items()))
    try:
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
