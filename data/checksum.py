"""The one SHA-256 helper: import runs, the seed, downloads and the bundle all name files by it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(*paths: str | Path) -> str:
    """SHA-256 of one file, or of several files' bytes one after another, read in 1 MB chunks."""
    digest = hashlib.sha256()
    for path in paths:
        with Path(path).open("rb") as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of bytes already read: an import names a file by exactly the bytes it parsed."""
    return hashlib.sha256(data).hexdigest()
