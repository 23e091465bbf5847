"""Bounds on what an import reads, checked before any parser touches a file.

A file given to ``oversight import`` may be anything: a device that never ends (``/dev/zero``),
a FIFO that blocks, a directory, a 1 GB file, or a small spreadsheet that unpacks to gigabytes
or declares a billion cells. Python's readers and calamine (a native library: it aborts the
whole process when an allocation fails) would read such a file until memory or patience ran
out, so every file passes these checks first and is refused with :class:`ImportRefused`, naming
it and the limit it exceeds. Spreadsheet cells are bounded in :mod:`.sheet_extent`; what gets
past both (a spreadsheet lying about its size) meets :mod:`.sandbox`'s memory and time limits.

Each limit is many times what the real files need (measured on the 2022-2024 releases).
"""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

from oversight.data.sources.records import ImportRefused

MB = 1 << 20
#: An Ofsted release on disk: the real ones are 0.07-2.1 MB, so 50 MB is 20 times the largest.
MAX_RELEASE_BYTES = 50 * MB
#: A tracker or neighbours CSV on disk. A hand-kept tracker is a few thousand rows (~200 bytes
#: each); 32 MB is room for MAX_CSV_LINES rows with long notes, and reads in well under a second.
MAX_CSV_BYTES = 32 * MB
#: A tracker CSV uploaded in the app, where each row becomes a proposal a reviewer reads: a
#: week's batch is tens of rows, so 500 rows (~250 KB) and 1 MB are many times enough.
MAX_UPLOAD_BYTES = 1 * MB
MAX_UPLOAD_ROWS = 500
#: Lines of a CSV. An import writes ~4,000 new facts a second (one INSERT each, in one
#: transaction), so 100,000 rows finish in under a minute; the seed tracker has 132.
MAX_CSV_LINES = 100_000

#: Parts in a release's zip container (the 2022 .xlsx has 84, an .ods 6).
MAX_ZIP_ENTRIES = 1_000
#: The zip's central directory (its list of parts, read whole before any part): 8 KB in the
#: 2022 release; the limit keeps a directory of a million dummy parts from being parsed.
MAX_ZIP_DIRECTORY_BYTES = 1 * MB
#: One part, unpacked: the largest real one is the 2023 release's content.xml, 40 MB.
MAX_PART_BYTES = 200 * MB
#: All parts together, unpacked (40 MB in the 2023 release).
MAX_UNPACKED_BYTES = 300 * MB
#: Unpacked / packed size of a part: real parts reach 21 (repetitive XML); a zip bomb is ~1000.
MAX_COMPRESSION_RATIO = 100
#: Parts smaller than this, unpacked, are not held to the ratio (tiny XML compresses very well).
RATIO_CHECKED_FROM = 1 * MB

ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods"}
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def size_text(n: int) -> str:
    """Bytes for people: 1.6 KB, 50 MB, 1.0 GB."""
    for unit, scale in (("GB", 1 << 30), ("MB", MB), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def refuse(name: str, problem: str) -> ImportRefused:
    """The refusal of one file for one reason, worded like every other import problem."""
    return ImportRefused(name, [f"{name}: {problem}"])


def check_regular(path: Path) -> os.stat_result:
    """The file's status if it is an existing regular file (a symlink to one is fine);
    devices, FIFOs, sockets and directories are refused without being opened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise refuse(str(path), "no such file") from None
    except OSError as exc:
        raise refuse(str(path), f"cannot be opened ({exc.strerror})") from None
    except ValueError as exc:  # a NUL byte in the name
        raise refuse(repr(str(path)), f"cannot be opened ({exc})") from None
    if not stat.S_ISREG(st.st_mode):
        what = next((word for test, word in _KINDS if test(st.st_mode)), "not a file")
        raise refuse(str(path), f"not a regular file but {what}; give a .ods, .xlsx or .csv file")
    return st


def read_input(path: Path, max_bytes: int, what: str) -> bytes:
    """The bytes of a regular file no larger than ``max_bytes``, read once.

    The file is opened non-blocking (a FIFO swapped in after :func:`check_regular` cannot
    block the open) and checked again through its descriptor, and never more than
    ``max_bytes`` + 1 bytes are read, so a file that grows or is replaced is refused too.
    Parsers get these bytes, not the path: what was checked is what is parsed.
    """
    st = check_regular(path)
    limit = f"the limit for {what} is {size_text(max_bytes)}"
    if st.st_size > max_bytes:
        raise refuse(path.name, f"too large: {size_text(st.st_size)}; {limit}")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise refuse(str(path), f"cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise refuse(str(path), "changed while being opened; import it again")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise refuse(path.name, f"too large: more than {size_text(max_bytes)} read; {limit}")
    return data


def check_csv_lines(name: str, text: str) -> None:
    """Refuse a CSV with more lines than :data:`MAX_CSV_LINES` (+ its header) before parsing it."""
    lines = text.count("\n") + text.count("\r") - text.count("\r\n")
    if lines > MAX_CSV_LINES + 1:
        raise refuse(
            name,
            f"too many lines: {lines:,}; the limit is {MAX_CSV_LINES:,} rows per file "
            "(split the file, or import it in parts)",
        )


def open_zip(name: str, data: bytes) -> zipfile.ZipFile:
    """The release's zip container, once its directory and every part's sizes are within the
    limits; its parts are not unpacked here (see :mod:`.sheet_extent`)."""
    _check_directory(name, data)
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as exc:
        raise refuse(name, f"cannot be read as a spreadsheet (not a valid zip container: {exc})") from None
    _check_parts(name, book.infolist())
    return book


def _check_directory(name: str, data: bytes) -> None:
    """Read the end record before :mod:`zipfile` parses the directory it points to: a 50 MB
    file can hold a million part entries, each a Python object once parsed."""
    at = data.rfind(_EOCD, max(0, len(data) - 65_535 - _EOCD_SIZE))
    if at < 0 or len(data) - at < _EOCD_SIZE:
        raise refuse(name, "cannot be read as a spreadsheet (not a valid .xlsx/.ods zip container)")
    _, _, _, _, entries, dir_size, _, _ = struct.unpack("<4s4H2LH", data[at : at + _EOCD_SIZE])
    if entries > MAX_ZIP_ENTRIES:
        raise refuse(
            name, f"too many parts in its zip container ({entries:,}; the limit is {MAX_ZIP_ENTRIES:,})"
        )
    if dir_size > MAX_ZIP_DIRECTORY_BYTES:
        raise refuse(
            name,
            f"zip directory too large ({size_text(dir_size)}; the limit is {size_text(MAX_ZIP_DIRECTORY_BYTES)})",
        )


def _check_parts(name: str, parts: list[zipfile.ZipInfo]) -> None:
    """Count, unpacked size and compression ratio of each part, as the directory declares them;
    :mod:`zipfile` never unpacks more than a part declares, so the later scans are bounded too."""
    if len(parts) > MAX_ZIP_ENTRIES:
        raise refuse(
            name, f"too many parts in its zip container ({len(parts):,}; the limit is {MAX_ZIP_ENTRIES:,})"
        )
    total = 0
    for part in parts:
        shown = repr(part.filename[:80])
        if part.file_size > MAX_PART_BYTES:
            raise refuse(
                name,
                f"part {shown} unpacks to {size_text(part.file_size)}; "
                f"the limit is {size_text(MAX_PART_BYTES)} per part",
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= RATIO_CHECKED_FROM and ratio > MAX_COMPRESSION_RATIO:
            raise refuse(
                name,
                f"part {shown} unpacks {ratio:,.0f} times its packed size (a zip bomb?); "
                f"the limit is {MAX_COMPRESSION_RATIO} times",
            )
        total += part.file_size
    if total > MAX_UNPACKED_BYTES:
        raise refuse(
            name, f"unpacks to {size_text(total)}; the limit is {size_text(MAX_UNPACKED_BYTES)} in all"
        )
