"""How many cells a spreadsheet's sheets will take in memory, found before calamine reads them.

calamine holds a sheet as one dense block from its first to its last non-empty cell, so a
1.6 KB .xlsx with a value in A1 and one at XFD1048576 asks for 17 billion cells (the process
aborts), and an .ods row of 100 cells repeated a million times (``table:number-rows-repeated``)
takes 3 GB. The extent is read from the file's own text, cheaply:

* .xlsx: each worksheet's ``<dimension ref="A1:AX3616">`` (in the first bytes of the part)
  refuses a sheet that declares too many cells at once; then its cell references
  (``<c r="XFD1048576">``) are scanned, since calamine sizes the sheet by the cells, not by
  what the dimension says (a file may lie, or have none);
* .ods: ``content.xml`` row by row, as calamine reads it: repeated rows and columns count,
  trailing empty ones (LibreOffice writes a million of them) do not.

What the scans cannot see (cells hidden from the patterns, a format calamine reads otherwise)
meets the reader's memory and time limits (:mod:`.sandbox`). Real releases: at most 109,330
cells in a sheet, 311,276 in all; the scans take ~0.15 s (2022 .xlsx) and ~0.2 s (2023 .ods).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator

from oversight.data.sources.limits import refuse

#: Cells of one sheet (.xlsx: from A1 to its last row and column, as a spreadsheet shows it;
#: .ods: its first to last non-empty row, as calamine keeps it): 18 times the largest real
#: sheet; calamine takes ~60 bytes a cell, the reader's memory limit is 1 GB.
MAX_SHEET_CELLS = 2_000_000
#: Cells of all sheets of a release: 32 times the 2023 release; read in about 10 s.
MAX_BOOK_CELLS = 10_000_000
#: calamine's own caps on an .ods table (the .xlsx grid has the same size).
MAX_ROWS = 1 << 20
MAX_COLUMNS = 1 << 14

CHUNK = 8 << 20
HEAD = 64 << 10

_WORKSHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet[\s>]")
_DIMENSION = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?ref=\"\$?([A-Z]{1,3})\$?([0-9]{1,9})(?::\$?([A-Z]{1,3})\$?([0-9]{1,9}))?\""
)
_CELL_ROW = re.compile(rb' r="[A-Z]{1,3}([0-9]{1,9})"')
_CELL_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')

_ODS_EVENT = re.compile(rb"<table:table(-row)?[\s/>]")
_ODS_NAME = re.compile(rb'table:name="([^"]{0,200})')
_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="([0-9]{1,12})"')
_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="([0-9]{1,12})"')
_CELL_STARTS = (b"<table:table-cell", b"<table:covered-table-cell")
_CELL_ENDS = (b"</table:table-cell", b"</table:covered-table-cell")


#: What unpacking a damaged part raises (a bad CRC, truncated data, an unknown method, a password).
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError)


def check_cells(name: str, book: zipfile.ZipFile, suffix: str) -> None:
    """Refuse the release if a sheet, or all of them, would exceed the cell limits."""
    try:
        _check_extents(name, _ods_extents(book) if suffix == ".ods" else _xlsx_extents(name, book))
    except _UNREADABLE as exc:
        raise refuse(name, f"cannot be read as a spreadsheet ({type(exc).__name__}: {exc})") from None


def _check_extents(name: str, sheets: Iterable[tuple[str, int, int]]) -> None:
    """Each sheet against the per-sheet limit as it is measured, and their sum against the total."""
    total = 0
    for sheet, rows, columns in sheets:
        cells = rows * columns
        if cells > MAX_SHEET_CELLS:
            raise refuse(
                name,
                f"sheet {sheet} spans {rows:,} rows x {columns:,} columns = {cells:,} cells; "
                f"the limit is {MAX_SHEET_CELLS:,} cells per sheet",
            )
        total += cells
        if total > MAX_BOOK_CELLS:
            raise refuse(
                name, f"its sheets span {total:,} cells or more in all; the limit is {MAX_BOOK_CELLS:,}"
            )


def _column_number(letters: bytes) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


# .xlsx ------------------------------------------------------------------------------------


def _xlsx_extents(name: str, book: zipfile.ZipFile) -> Iterator[tuple[str, int, int]]:
    """(part, rows, columns) of every worksheet part, wherever the workbook puts it; a sheet
    whose dimension declares more than :data:`MAX_SHEET_CELLS` is refused before its scan."""
    for part in book.infolist():
        if not part.filename.endswith(".xml"):
            continue
        with book.open(part) as fh:
            head = fh.read(HEAD)
            if not _WORKSHEET.search(head):
                continue
            shown = repr(part.filename[:80])
            found = _DIMENSION.search(head)
            if found:
                rows, columns = _dimension_extent(found)
                if rows * columns > MAX_SHEET_CELLS:
                    raise refuse(
                        name,
                        f"sheet {shown} declares {rows:,} rows x {columns:,} columns = {rows * columns:,} "
                        f"cells (its dimension); the limit is {MAX_SHEET_CELLS:,} cells per sheet",
                    )
            yield shown, *_scanned_extent(head, fh)


def _dimension_extent(found: re.Match[bytes]) -> tuple[int, int]:
    """Rows and columns from A1 to the dimension's last cell (``ref="A1:AX3616"`` or ``"B2"``)."""
    first_col, first_row, last_col, last_row = found.groups()
    return int(last_row or first_row), _column_number(last_col or first_col)


def _scanned_extent(head: bytes, fh) -> tuple[int, int]:  # noqa: ANN001 - a zip part's reader
    """The largest row and column any cell names, reading the part in chunks; a cell without
    a reference (allowed, rare) counts as one more row and one more column."""
    rows = columns = unnamed = 0
    carry = head
    while True:
        chunk = fh.read(CHUNK)
        buf = carry + chunk
        cut = buf.rfind(b"<") if chunk else len(buf)
        buf, carry = buf[: max(cut, 0)], buf[max(cut, 0) :]
        found = _CELL_ROW.findall(buf)
        if found:
            rows = max(rows, max(map(int, found)))
            columns = max(columns, max(map(_column_number, set(_CELL_COLUMN.findall(buf)))))
        unnamed += max(0, buf.count(b"<c ") + buf.count(b"<c>") - len(found))
        if not chunk:
            return min(rows + unnamed, MAX_ROWS), min(columns + unnamed, MAX_COLUMNS)


# .ods -------------------------------------------------------------------------------------


class _Table:
    """One table's rows as calamine counts them: from the first to the last non-empty row,
    as wide as the widest row up to its last non-empty cell."""

    def __init__(self, start_tag: bytes):
        found = _ODS_NAME.search(start_tag)
        self.name = repr(found.group(1).decode("utf-8", "replace")[:80]) if found else "(unnamed)"
        self.rows = 0
        self.first: int | None = None
        self.last = 0
        self.width = 0

    def add_row(self, start_tag: bytes, buf: bytes, start: int, end: int) -> None:
        """A row whose cells are ``buf[start:end]`` (passed as a range: slicing would copy)."""
        found = _ROWS_REPEATED.search(start_tag)
        repeat = min(int(found.group(1)), MAX_ROWS) if found else 1
        width = 0 if start_tag.endswith(b"/") else _row_width(buf, start, end)
        if width:
            if self.first is None:
                self.first = self.rows
            self.last = self.rows + repeat
            self.width = max(self.width, width)
        self.rows = min(self.rows + repeat, MAX_ROWS)

    def extent(self) -> tuple[str, int, int]:
        rows = 0 if self.first is None else min(self.last, MAX_ROWS) - self.first
        return self.name, rows, self.width


def _row_width(buf: bytes, start: int, end: int) -> int:
    """Columns up to the last non-empty cell of the row in ``buf[start:end]`` (0: an empty
    row). Walks back over trailing empty self-closed cells; a cell with a value, a formula or
    content ends the walk."""
    while True:
        lt = buf.rfind(b"<", start, end)
        if lt < 0:
            return 0
        if buf.startswith(_CELL_ENDS, lt, end):
            break
        if buf.startswith(_CELL_STARTS, lt, end):
            gt = buf.find(b">", lt, end)
            closed = gt > lt and buf[gt - 1] == ord("/")
            if not closed or buf.find(b"value-type", lt, gt) >= 0 or buf.find(b"formula", lt, gt) >= 0:
                break
        end = lt
    last = buf.find(b">", lt, end) + 1 or end
    cells = buf.count(_CELL_STARTS[0], start, last) + buf.count(_CELL_STARTS[1], start, last)
    repeated = sum(min(int(n), MAX_COLUMNS) - 1 for n in _COLUMNS_REPEATED.findall(buf, start, last))
    return min(cells + max(repeated, 0), MAX_COLUMNS)


def _ods_extents(book: zipfile.ZipFile) -> Iterator[tuple[str, int, int]]:
    """(table, rows, columns) of every table in ``content.xml``, read in chunks that end at a
    row or table start, so each row is seen whole."""
    try:
        part = book.getinfo("content.xml")
    except KeyError:
        return  # calamine refuses it with its own message
    table: _Table | None = None
    carry = b""
    with book.open(part) as fh:
        while True:
            chunk = fh.read(CHUNK)
            buf = carry + chunk
            events = [(m.start(), m.group(1)) for m in _ODS_EVENT.finditer(buf)]
            carry = b""
            if chunk:  # keep the last row (it may continue in the next chunk) or, in a table, all
                carry = buf[events[-1][0] :] if events else buf if table is not None else buf[-HEAD:]
                events = events[:-1]
            ends = [at for at, _ in events[1:]] + [len(buf) - len(carry)]
            for (at, is_row), nxt in zip(events, ends, strict=True):
                close = buf.find(b">", at, nxt)
                start_tag = buf[at : close if close >= 0 else nxt]
                if not is_row:
                    if table is not None:
                        yield table.extent()
                    table = _Table(start_tag)
                elif table is not None:
                    table.add_row(start_tag, buf, close + 1 if close >= 0 else nxt, nxt)
            if not chunk:
                break
    if table is not None:
        yield table.extent()
