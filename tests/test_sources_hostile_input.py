"""Hostile files are refused quickly, in bounded memory, naming the file and the limit, and
the database is left exactly as it was (issue 11: bounded inputs).

Every hostile file is generated here, in ``tmp_path``, never committed. The imports run in one
worker process (``attempt``), so each attempt's time and the worker's peak memory, with the
calamine child's, can be read without the rest of the test session's processes in the count.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import create_engine

from oversight import cli
from oversight.data import bootstrap
from oversight.data.domain import vocab
from oversight.data.sources import limits, matching, sandbox
from oversight.data.sources.importer import parse_file
from oversight.data.sources.ofsted_release import SHEET_CHOICE
from oversight.data.sources.records import (
    AuthorityRef,
    EventRecord,
    InspectionRecord,
    InterventionRecord,
    VisitRecord,
    Where,
)
from oversight.data.sources.tracker_csv import COLUMNS
from oversight.data.store import schema
from tests.conftest import ROOT, dump

MAX_SECONDS = 5
MAX_PEAK_MB = 500
TRACKER_HEADER = ",".join(COLUMNS) + "\n"

WORKER = r"""
import json, resource, sys, time
from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.store.engine import get_engine

engine = get_engine(sys.argv[1])
print("ready", flush=True)
for line in sys.stdin:
    start = time.perf_counter()
    try:
        import_paths(engine, json.loads(line))
        message = None
    except ImportRefused as exc:
        message = str(exc)
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a worker forked from a large
    # pytest process would report pytest's size; VmHWM is this process's own high-water mark.
    hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    peak = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps({"message": message, "seconds": time.perf_counter() - start, "peak_kb": peak}), flush=True)
"""


@dataclass
class Attempt:
    message: str | None
    seconds: float
    peak_mb: float


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A seeded SQLite store, and a worker process importing into it (started first: it loads
    its modules while the store is seeded; opening an engine writes nothing)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'store.sqlite'}"
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    engine = bootstrap.ready_engine(url)
    assert worker.stdout.readline().strip() == "ready"  # its imports are not any attempt's time
    yield engine, worker
    worker.stdin.close()
    worker.wait(timeout=30)
    bootstrap.forget(url)


@pytest.fixture
def attempt(store):
    """Import paths in the worker; the database must not change. The peak is the worker's
    high-water mark (with its children's): under the limit now means under it for every attempt."""
    engine, worker = store

    def run(*paths: Path | str) -> Attempt:
        before = dump(engine)
        worker.stdin.write(json.dumps([str(p) for p in paths]) + "\n")
        worker.stdin.flush()
        answer = json.loads(worker.stdout.readline())
        assert dump(engine) == before, "a refused import must leave the database exactly as it was"
        result = Attempt(answer["message"], answer["seconds"], answer["peak_kb"] / 1024)
        assert result.seconds < MAX_SECONDS, result
        assert result.peak_mb < MAX_PEAK_MB, result
        return result

    return run


def refused(attempt, path: Path | str, *words: str) -> str:
    result = attempt(path)
    assert result.message is not None, f"{path} was imported"
    name = Path(path).name
    assert f"Import of {name} refused, nothing was written" in result.message
    for word in (name, *words):
        assert word in result.message, result.message
    return result.message


# Hand-made spreadsheets -----------------------------------------------------------------------

_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="LA_level" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        "</Relationships>"
    ),
}
_HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>Local authority name</t></is></c></row>'


def _xlsx(path: Path, dimension: str | None, cells: str) -> Path:
    """An .xlsx written part by part: one sheet with this dimension and these cells."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f"<sheetData>{cells}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in _XLSX_PARTS.items():
            book.writestr(name, text)
        book.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _far_cell(ref: str) -> str:
    return f'<row r="{ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")}"><c r="{ref}"><v>1</v></c></row>'


def _ods(path: Path, rows: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="LA_level">'
        f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        book.writestr("content.xml", content)
        book.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return path


_ODS_CELL = '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
_ODS_HEADER = (
    '<table:table-row><table:table-cell office:value-type="string">'
    "<text:p>Local authority name</text:p></table:table-cell></table:table-row>"
)


# Spreadsheets that ask for billions of cells ------------------------------------------------


def test_the_far_cell_xlsx_is_refused(attempt, tmp_path):
    path = _xlsx(tmp_path / "far_cell.xlsx", "XFD1048576", _far_cell("XFD1048576"))
    assert path.stat().st_size < 2_000  # the review's 1.6 KB file that aborted the process
    refused(attempt, path, "17,179,869,184 cells", "the limit is 2,000,000 cells per sheet")


def test_a_cell_at_cv1000000_is_refused(attempt, tmp_path):
    path = _xlsx(tmp_path / "cv_cell.xlsx", "A1:CV1000000", _HEADER_ROW + _far_cell("CV1000000"))
    refused(attempt, path, "100,000,000 cells", "the limit is 2,000,000")


def test_a_dimension_that_lies_does_not_hide_a_far_cell(attempt, tmp_path):
    # calamine sizes a sheet by its cells: A1 and XFD1048576 make 17 billion, whatever the dimension says.
    lying = _xlsx(tmp_path / "lying.xlsx", "A1", _HEADER_ROW + _far_cell("XFD1048576"))
    refused(attempt, lying, "spans 1,048,576 rows x 16,384 columns")
    undeclared = _xlsx(tmp_path / "undeclared.xlsx", None, _HEADER_ROW + _far_cell("CV1000000"))
    refused(attempt, undeclared, "100,000,000 cells")


def test_repeated_rows_and_columns_in_an_ods_are_counted(attempt, tmp_path):
    # 99,999,900 cells: one under calamine's own cap, 3 GB in memory.
    below_cap = _ods(
        tmp_path / "repeated.ods",
        _ODS_HEADER
        + '<table:table-row table:number-rows-repeated="999998">'
        + '<table:table-cell table:number-columns-repeated="100"/></table:table-row>'
        + f'<table:table-row><table:table-cell table:number-columns-repeated="99"/>{_ODS_CELL}</table:table-row>',
    )
    refused(attempt, below_cap, "'LA_level' spans 1,000,000 rows x 100 columns")
    # Trailing empty rows and columns (LibreOffice writes a million) cost nothing and are not counted.
    trailing = _ods(
        tmp_path / "trailing.ods",
        _ODS_HEADER
        + '<table:table-row table:number-rows-repeated="1048575">'
        + '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>',
    )
    refused(attempt, trailing, "layout not recognised")


def test_xml_entity_expansion_is_still_refused(attempt, tmp_path):
    """A billion laughs: calamine does not expand an entity the file declares."""
    laughs = '<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    laughs += "]>"
    path = _xlsx(tmp_path / "laughs.xlsx", "A1", _HEADER_ROW.replace("Local authority name", "&lol9;"))
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"?>", b"?>" + laughs.encode(), 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)
    refused(attempt, path, "cannot be read as a spreadsheet", "entity")


# Zip bombs -------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_is_unpacked(attempt, tmp_path):
    path = tmp_path / "bomb.xlsx"
    zeros = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        for name, text in _XLSX_PARTS.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(1024):  # 1 GB of zeros, written a megabyte at a time
                part.write(zeros)
    assert path.stat().st_size < 8 << 20
    refused(attempt, path, "unpacks to 1 GB", "the limit is 200 MB per part")


def test_a_highly_compressed_part_is_refused(attempt, tmp_path):
    path = tmp_path / "spaces.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in _XLSX_PARTS.items():
            book.writestr(name, text)
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            for _ in range(64):  # 64 MB of whitespace: under the part limit, 1000 times its packed size
                part.write(b" " * (1 << 20))
            part.write(b"</sheetData></worksheet>")
    refused(attempt, path, "times its packed size", "the limit is 100 times")


def test_a_zip_of_many_parts_is_refused(attempt, tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        for i in range(limits.MAX_ZIP_ENTRIES + 1):
            book.writestr(f"p{i}", b"")
    refused(attempt, path, "too many parts", f"the limit is {limits.MAX_ZIP_ENTRIES:,}")


# Files that are not files, or hold nothing -----------------------------------------------------


def test_dev_zero_is_refused_unread(attempt):
    refused(attempt, "/dev/zero", "/dev/zero: not a regular file but a character device")


def test_a_symlink_to_dev_zero_is_refused(attempt, tmp_path):
    link = tmp_path / "tracker.csv"
    link.symlink_to("/dev/zero")
    refused(attempt, link, "not a regular file but a character device")


def test_a_fifo_is_refused_without_blocking(attempt, tmp_path):
    fifo = tmp_path / "tracker.csv"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading would wait for ever
    refused(attempt, fifo, "not a regular file but a FIFO")


def test_a_directory_is_refused(attempt, tmp_path):
    folder = tmp_path / "release.xlsx"
    folder.mkdir()
    refused(attempt, folder, "not a regular file but a directory")


def test_empty_files_are_refused(attempt, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    refused(attempt, tmp_path / "empty.csv", "the file is empty")
    (tmp_path / "empty.xlsx").write_bytes(b"")
    refused(attempt, tmp_path / "empty.xlsx", "cannot be read as a spreadsheet")


def test_a_header_only_tracker_csv_is_refused(attempt, tmp_path):
    path = tmp_path / "header_only.csv"
    path.write_text(TRACKER_HEADER + "\n,,,\n\n", encoding="utf-8")
    refused(attempt, path, "no data rows")


def test_a_whitespace_bomb_is_refused(attempt, tmp_path):
    big = tmp_path / "whitespace.csv"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(TRACKER_HEADER)
        for _ in range(40):
            fh.write(" \n" * (1 << 19))  # 40 MB of blank lines: over the CSV limit, never read
    refused(attempt, big, "too large: 40 MB", "the limit for a CSV file is 32 MB")
    small = tmp_path / "blank_lines.csv"
    small.write_text(TRACKER_HEADER + " \n" * 50_000, encoding="utf-8")
    refused(attempt, small, "no data rows")


def test_a_release_whose_tables_have_no_rows_is_refused(attempt, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Local authority name", "Inspection date", "Overall effectiveness"])
    for _ in range(50):
        sheet.append(["   ", " ", ""])
    book.save(tmp_path / "no_rows.xlsx")
    refused(attempt, tmp_path / "no_rows.xlsx", "no data rows")


def test_a_tracker_over_the_line_limit_is_refused_up_front(attempt, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text(TRACKER_HEADER + "\n" * (limits.MAX_CSV_LINES + 1), encoding="utf-8")
    refused(attempt, path, "too many lines", f"the limit is {limits.MAX_CSV_LINES:,} rows per file")


# The reader's own limits (what no scan catches) --------------------------------------------------


def test_a_reader_abort_becomes_a_refusal(tmp_path):
    # Past the scans (called directly), calamine asks for 17 billion cells and aborts: SIGABRT.
    lying = _xlsx(tmp_path / "lying.xlsx", "A1", _HEADER_ROW + _far_cell("XFD1048576"))
    with pytest.raises(sandbox.ReaderFailed, match="ran out of memory"):
        sandbox.read_sheets(lying.read_bytes(), SHEET_CHOICE)


def test_a_slow_reader_is_stopped(tmp_path):
    path = _xlsx(tmp_path / "small.xlsx", "A1", _HEADER_ROW)
    with pytest.raises(sandbox.ReaderFailed, match=r"took longer than 0\.01 s"):
        sandbox.read_sheets(path.read_bytes(), SHEET_CHOICE, seconds=0.01)


def test_a_crash_is_named():
    with pytest.raises(sandbox.ReaderFailed, match=r"the reader crashed \(SIGSEGV\)"):
        sandbox._answer(-11, b"", b"", sandbox.MEMORY_LIMIT_BYTES, 60)


def test_cells_come_back_as_calamine_gives_them(tmp_path):
    """Through the pipe (JSON, dates tagged) the frames are what calamine returns in-process."""
    book = openpyxl.Workbook()
    book.active.append(
        ["Local authority name", dt.datetime(2024, 3, 31, 12), dt.date(2024, 1, 2), 3, 1.5, True]
    )
    book.active.append(["Darlington", dt.time(9, 30), "", None, -0.0, "2024-03-31"])
    book.save(tmp_path / "types.xlsx")
    frames = sandbox.read_sheets((tmp_path / "types.xlsx").read_bytes(), SHEET_CHOICE)
    direct = CalamineWorkbook.from_path(str(tmp_path / "types.xlsx")).get_sheet_by_name("Sheet").to_python()
    assert frames["Sheet"] == direct
    assert [type(v) for row in frames["Sheet"] for v in row] == [type(v) for row in direct for v in row]


# The command line ------------------------------------------------------------------------------


def test_the_cli_refuses_dev_zero_in_one_line(store, capsys):
    """`oversight import /dev/zero`: one line on standard error, exit 1 (run in this process:
    a new interpreter spends seconds loading the whole command line first)."""
    engine, _ = store
    before = dump(engine)
    url = engine.url.render_as_string(hide_password=False)
    code = cli.main(["import", "/dev/zero", "--database", url])
    err = capsys.readouterr().err
    # The note naming the database a writing command opened (issue 21), then the refusal's one line.
    lines = [line for line in err.strip().splitlines() if not line.startswith("Database: ")]
    assert code == 1 and len(lines) == 1, err
    assert "/dev/zero: not a regular file but a character device" in err and "Traceback" not in err
    assert dump(engine) == before


# Matching in linear time -------------------------------------------------------------------------


def _tracker(path: Path, code: str, n: int) -> Path:
    """A valid tracker of ``n`` rows for one authority: events with distinct titles, and visits
    of each kind six days apart, so that every row is a fact of its own."""
    kinds = ("monitoring", "focused", "jtai")
    rows = []
    for k in range(n):
        if k % 3 == 0:
            day = dt.date(2000, 1, 1) + dt.timedelta(days=2 * (k // 3))
            rows.append(f"visit,{code},,{day},day,,,,,{kinds[(k // 3) % 3]},,Visit {k},,,,Letters,Ofsted")
        else:
            day = dt.date(2000, 1, 1) + dt.timedelta(days=k % 4000)
            rows.append(f"event,{code},,{day},day,,,,,board,,Board meeting {k},,,,Minutes,Council")
    path.write_text(",".join(COLUMNS) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def empty_working_set():
    """Two working sets over an empty store: one indexed, one that scans every fact of the
    authority (the matching before the index), to compare."""
    engine = create_engine("sqlite://")
    schema.metadata.create_all(engine)
    with engine.connect() as conn:
        indexed, scanning = matching.WorkingSet(conn), matching.WorkingSet(conn)
    everyone = scanning.index.groups

    def scan(table: str, authority_id: int, probe: dict) -> list:
        facts = [
            f for key, group in everyone.items() if key[:2] == (table, authority_id) for f in group.values()
        ]
        return sorted(facts, key=lambda f: f.seq)

    scanning.candidates = scan  # type: ignore[method-assign]
    return indexed, scanning


def test_a_record_meets_a_bounded_number_of_facts(tmp_path, empty_working_set):
    indexed, _ = empty_working_set
    parsed = parse_file(_tracker(tmp_path / "tracker.csv", "E08000025", 6_000))
    assert not parsed.errors
    compared = []
    for rec, _ in parsed.records:
        table, values, _ = matching.record_values(rec)
        compared.append(len(indexed.candidates(table, 1, values)))
        assert matching.absorb(indexed, 1, rec, 2, 1).is_new
    # 2,000 visits: each meets the visits of its kind within the 75 days a letter may follow (~26).
    assert max(compared) <= 40, max(compared)


def test_the_index_matches_what_a_full_scan_matches(empty_working_set):
    """Random records, many of them the same fact again (coarser dates, a letter published
    later, an intervention seen in force): merged into the same facts, in the same way."""
    indexed, scanning = empty_working_set
    rng = random.Random(11)
    ref = AuthorityRef("E08000025", None, Where("t.csv"))
    base = dt.date(2015, 1, 1)
    for n in range(3_000):
        day = base + dt.timedelta(days=rng.randrange(0, 700))
        precision = rng.choice(("day", "day", "day", "month", "year", "observed"))
        kind = rng.random()
        if kind < 0.3:
            rec = VisitRecord(
                ref,
                rng.choice(("monitoring", "focused")),
                day,
                day + dt.timedelta(days=rng.randrange(0, 90)) if rng.random() < 0.5 else None,
                date_precision=precision if precision != "observed" else "day",
            )
        elif kind < 0.55:
            rec = InspectionRecord(
                ref,
                rng.choice(("ilacs_standard", "ilacs_short", "ilacs", "sif")),
                day if rng.random() < 0.7 else None,
                day + dt.timedelta(days=rng.randrange(20, 120)),
                rng.choice(vocab.GRADES),
                date_precision=precision if precision != "observed" else "day",
                kind_known=rng.random() < 0.8,
            )
        elif kind < 0.8:
            rec = EventRecord(
                ref,
                "board",
                day,
                precision if precision != "observed" else "day",
                rng.choice(("Board", "board ", "Improvement board")),
            )
        else:
            end = day + dt.timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.5 else None
            rec = InterventionRecord(
                ref, rng.choice(vocab.INTERVENTION_LEVELS[:2]), day, precision, end_date=end
            )
        rank = rng.choice((2, 2, 1, 10_000_000 + n))
        a = matching.absorb(indexed, 1, rec, rank, 1)
        b = matching.absorb(scanning, 1, rec, rank, 1)
        assert (a.seq, a.values) == (b.seq, b.values), n
    assert sum(len(f) for f in indexed.facts.values()) < 3_000  # some records did merge
