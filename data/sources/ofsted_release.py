"""Read Ofsted's official children's social care releases (.ods / .xlsx).

Releases change sheet names, header rows, column names and add columns from year to year,
so tables are recognised by their header row, never by sheet name or position:

* a header row has a "Local authority name" (or "LA name") column;
* a *history* table has several "... publication date" columns (one group per inspection, the
  2022-2024 releases), or one row per inspection with an "Inspection type" column, an
  inspection date and a publication date (the 2025 release's ILACS history);
* a *snapshot* table ("as at 31 March") has an inspection date and overall effectiveness;
* an *in-year* table has an "Inspection/Visit type" column.

From 2025 every table gives the ONS code ("Local authority area code") and both the inspection
and the publication date; the code, where a row gives one, names the authority.

From April 2026 an inspection has no overall effectiveness grade (DOMAIN §2): the 2026 release's
history sheet leaves that cell blank or writes "Not applicable" / "No overall grade" while the four
area judgements remain. Such a row is read with no overall grade and :mod:`..domain.framework`
derives inadequate from an inadequate practice judgement; the same words on an inspection before
1 April 2026 are an error naming the cell.

Provider-level sheets (children's homes etc.) have no authority-name header and are
skipped. Reading uses the calamine engine: ~0.5 s for a release that takes ~23 s with odf.
A release is read only within the input limits (:mod:`.limits`, :mod:`.sheet_extent`), and
calamine runs in a child process with a memory and a time limit (:mod:`.sandbox`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from oversight.data.domain import framework, vocab
from oversight.data.sources import limits, sandbox, sheet_extent
from oversight.data.sources.records import (
    AuthorityRef,
    ImportRefused,
    InspectionRecord,
    ParsedFile,
    SourceInfo,
    VisitRecord,
    Where,
)

OGL = "Open Government Licence v3.0"
ONS_CODE = re.compile(r"^E(06|08|09|10)\d{6}$")
EARLIEST = dt.date(2005, 1, 1)


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA: spreadsheet column names for error messages."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and pd.isna(value):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def _norm(header: object) -> str:
    return _clean(header).lower()


# Column classification ------------------------------------------------------------------

_NAME_HEADERS = {"local authority name", "la name", "local authority", "authority name"}
_ONS_HEADERS = (
    "ons code",
    "la code (ons)",
    "new la code",
    "ons la code",
    "gss code",
    "local authority code (ons)",
    "local authority area code",
)
_PROVIDER_HEADERS = {"urn", "provider type", "provider subtype", "setting name", "provider name"}
_NO_INSPECTION = ("no full inspection", "not yet inspected", "not inspected", "no inspection")
_DFE_HEADERS = ("old la code", "dfe la code", "la number", "la code")


def _group_of(header: str) -> str | None:
    """Which inspection a wide-history column belongs to (None: same as the column before)."""
    h = header
    if "ilacs" in h:
        if "second" in h:
            return "ilacs#2"
        if "third" in h:
            return "ilacs#3"
        return "ilacs#1"
    if "sif re-inspection" in h or "sif reinspection" in h:
        return "sif_reinspection"
    if "first sif" in h or "(sif)" in h or h.startswith("sif "):
        return "sif"
    if "slac re-inspection" in h or "slac reinspection" in h:
        if "safeguarding" in h:
            return "slac_reinspection_safeguarding"
        return "slac_reinspection_cla"
    if "slac" in h or "safeguarding & looked after" in h or "safeguarding and looked after" in h:
        return "slac"
    if "cpri" in h or "child protection re-inspection" in h:
        return "cpri"
    if "cpi" in h or "child protection inspection" in h:
        return "cpi"
    if "tlac" in h or "targeted looked after" in h:
        return "tlac"
    return None


def _field_of(header: str, group: str | None) -> str | None:
    """What a column holds: pub_date, insp_date, type, overall, or an area key."""
    h = header
    if "publication date" in h or h == "published" or "date published" in h:
        return "pub_date"
    if "inspection date" in h or "visit date" in h or "start date" in h or h == "date":
        return "insp_date"
    if "inspection type" in h or "visit type" in h or h == "type":
        return "type"
    if "theme" in h:
        return "theme"
    if group == "slac":
        if "looked after" in h:
            return "slac_looked_after"
        if "safeguarding" in h:
            return "slac_safeguarding"
    if "lscb" in h:
        return "lscb"
    if "help and protection" in h:
        return "help_protection"
    if "achieving permanence" in h or (
        "looked after" in h and "adoption" not in h and "care leavers" not in h
    ):
        return "looked_after_permanence"
    if "adoption" in h:
        return "adoption"
    if "children in care and care leavers" in h:
        return "children_in_care_and_leavers"
    if "children in care" in h:
        return "children_in_care"
    if "care leavers" in h:
        return "care_leavers"
    if "leadership, management" in h:
        return "leadership"
    if "impact of leaders" in h:
        return "impact_of_leaders"
    if "overall" in h or h.endswith(" oe") or "(oe)" in h:
        return "overall"
    return None


@dataclass
class _Table:
    sheet: str
    header_row: int  # 0-based index in the sheet frame
    end_row: int  # exclusive
    headers: list[str]
    kind: str  # history | snapshot | in_year
    #: A history table with one group of columns per inspection (2022-2024), not one row each.
    wide: bool = False


def _is_header(row: list) -> bool:
    return any(isinstance(v, str) and _norm(v) in _NAME_HEADERS for v in row)


def _find_tables(sheet: str, frame: list[list]) -> Iterator[_Table]:
    """Yield every authority-level table in a sheet (a sheet may hold two)."""
    header_rows = [i for i, row in enumerate(frame) if _is_header(row)]
    for n, start in enumerate(header_rows):
        stop = header_rows[n + 1] if n + 1 < len(header_rows) else len(frame)
        headers = [_norm(v) for v in frame[start]]
        if any(h in _PROVIDER_HEADERS for h in headers):
            continue  # provider-level table (children's homes etc.): not ours
        grouped = any(_group_of(h) for h in headers if "date" in h)
        if grouped:
            kind = "history"  # one group of columns per inspection (SIF, ILACS ...)
        elif any("visit type" in h or "visit date" in h for h in headers):
            kind = "in_year"
        elif _is_long_history(headers):
            kind = "history"  # one row per inspection (2025)
        elif any("overall" in h or "impact of leaders" in h for h in headers) and any(
            "date" in h for h in headers
        ):
            kind = "snapshot"
        else:
            continue
        yield _Table(sheet=sheet, header_row=start, end_row=stop, headers=headers, kind=kind, wide=grouped)


def _one_row_each(table: _Table) -> bool:
    """A history with one row per inspection, whose type column must be recognised."""
    return table.kind == "history" and not table.wide


def _is_long_history(headers: list[str]) -> bool:
    """One row per inspection: its type, both its dates and its grade (the 2025 release).

    A snapshot lists one inspection per authority and says no type; an in-year table mixes
    visits in ("Inspection/Visit type"); a history row names its inspection's type.
    """
    fields = {_field_of(h, None) for h in headers}
    return {"type", "insp_date", "pub_date", "overall"} <= fields


# Cell parsing -----------------------------------------------------------------------------


class _CellError(ValueError):
    pass


def _to_date(value: object) -> dt.date | None:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _clean(value)
    if not text or text.lower() in {"nan", "-", "n/a", "not applicable", "x", "."}:
        return None
    if any(phrase in text.lower() for phrase in _NO_INSPECTION):
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # a spreadsheet serial that escaped typing
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
    raise _CellError(f"not a date: {text!r}")


def _check_date(day: dt.date | None, release_date: dt.date | None) -> None:
    if day is None:
        return
    latest = (release_date or dt.date.today()) + dt.timedelta(days=31)
    if day < EARLIEST or day > latest:
        raise _CellError(
            f"impossible date {day.isoformat()} (outside {EARLIEST.isoformat()} .. {latest.isoformat()})"
        )


def _inspection_kind_from_type(text: str, day: dt.date | None) -> str | None:
    t = text.lower()
    if "monitoring" in t or "focused" in t or "jtai" in t or "joint targeted" in t:
        return None
    if "short" in t:
        return "ilacs_short"
    if "standard" in t:
        return "ilacs_standard"
    if "ilacs" in t:
        return "ilacs"
    if "sif" in t or "single inspection" in t:
        return "sif_reinspection" if "re" in t.split() or "re-inspection" in t else "sif"
    if not t and day is not None:
        return "ilacs" if day >= dt.date(2018, 1, 1) else "sif"
    return None


def _visit_kind_from_type(text: str) -> str | None:
    t = text.lower()
    if "monitoring" in t:
        return "monitoring"
    if "focused" in t or "focussed" in t:
        return "focused"
    if "jtai" in t or "joint targeted" in t:
        return "jtai"
    return None


# The reader -------------------------------------------------------------------------------


def _release_meta(frames: dict[str, list[list]], path: Path) -> tuple[dt.date | None, str]:
    """Release publication date and title from the cover sheet, if there is one."""
    published: dt.date | None = None
    title = path.stem.replace("_", " ")
    for frame in frames.values():
        for row in frame[:30]:
            if len(row) < 2:
                continue
            label = _norm(row[0])
            if label.startswith("published on") or label.startswith("publication date"):
                try:
                    published = _to_date(row[1])
                except _CellError:
                    published = None
            if label.startswith("policy area") and _clean(row[1]):
                title = _clean(row[1])
        if published:
            break
    return published, title


PROBE_ROWS = 40
#: Sheets with a local-authority header row are read whole, unless the header is a provider
#: table's; sheets without one (cover, notes) only as their probe rows, for the release metadata.
SHEET_CHOICE = sandbox.SheetChoice(PROBE_ROWS, frozenset(_NAME_HEADERS), frozenset(_PROVIDER_HEADERS))


def read_workbook(path: Path, data: bytes | None = None) -> dict[str, list[list]]:
    """The sheets that may hold authority tables (plus the cover), as lists of rows.

    ``data`` is the file's bytes as :func:`limits.read_input` returned them (read here if not
    given). The zip container and the sheets' cell extent are checked before calamine sees a
    byte, and calamine runs in a child process with a memory and a time limit; a file beyond
    any limit raises :class:`ImportRefused` naming it. Only the first rows of each sheet are
    read to decide, so provider-level sheets with thousands of rows are never read in full.
    """
    if data is None:
        data = limits.read_input(path, limits.MAX_RELEASE_BYTES, "an Ofsted release")
    suffix = path.suffix.lower()
    if suffix in limits.ZIP_SUFFIXES:
        with limits.open_zip(path.name, data) as book:
            sheet_extent.check_cells(path.name, book, suffix)
    try:
        return sandbox.read_sheets(data, SHEET_CHOICE)
    except sandbox.ReaderFailed as exc:
        raise limits.refuse(path.name, str(exc)) from None


def parse_release(path: str | Path, data: bytes | None = None) -> ParsedFile:
    """Parse one Ofsted release into records; problems go to ``ParsedFile.errors``."""
    path = Path(path)
    parsed = ParsedFile(path=str(path), kind="ofsted_release")
    try:
        frames = read_workbook(path, data)
    except ImportRefused as exc:
        parsed.errors.extend(exc.problems)
        return parsed

    release_date, title = _release_meta(frames, path)
    parsed.release_date = release_date
    source = SourceInfo(
        key=f"ofsted-release:{path.name}",
        title=title if title.lower().startswith(("children", "local", "la ")) else f"Ofsted: {title}",
        kind="ofsted_release",
        url="https://www.gov.uk/government/statistical-data-sets/childrens-social-care-data-in-england",
        publisher="Ofsted",
        published=release_date,
        licence=OGL,
    )

    for sheet, frame in frames.items():
        for table in _find_tables(sheet, frame):
            parsed.tables.append(f"{sheet} (row {table.header_row + 1}, {table.kind})")
            for record in _parse_table(path.name, frame, table, release_date, parsed.errors):
                parsed.records.append((record, source))
    if not parsed.tables:
        parsed.errors.append(
            f"{path.name}: layout not recognised: no sheet has a local-authority table "
            "(a header row with 'Local authority name')"
        )
    return parsed


def _parse_table(
    file_name: str,
    frame: list[list],
    table: _Table,
    release_date: dt.date | None,
    errors: list[str],
) -> Iterator[InspectionRecord | VisitRecord]:
    headers = table.headers
    name_col = next(i for i, h in enumerate(headers) if h in _NAME_HEADERS)
    ons_col = next((i for i, h in enumerate(headers) if any(k == h or k in h for k in _ONS_HEADERS)), None)

    # Group the columns: for history tables by inspection, else one group.
    groups: dict[str, dict[str, int]] = {}
    current: str | None = None
    for i, h in enumerate(headers):
        if i in (name_col, ons_col) or not h:
            continue
        if table.wide:
            g = _group_of(h) or current
            if g is None:
                continue
            current = g
        else:
            g = "row"
        f = _field_of(h, g.split("#")[0])
        if f and f not in groups.setdefault(g, {}):
            groups[g][f] = i

    width = len(headers)
    for r in range(table.header_row + 1, table.end_row):
        row = list(frame[r]) + [None] * (width - len(frame[r]))
        name = _clean(row[name_col])
        if not name or name.lower() in {"nan", "total", "england"}:
            continue
        excel_row = r + 1
        code = _clean(row[ons_col]) if ons_col is not None else ""
        ref = AuthorityRef(
            code=code if ONS_CODE.match(code) else None,
            name=name,
            where=Where(file_name, table.sheet, excel_row, column_letter(name_col), headers[name_col]),
        )
        for group, cols in groups.items():
            try:
                rec = _record_from_group(file_name, table, group, cols, row, ref, excel_row, release_date)
            except _CellError as exc:
                errors.append(str(exc))
                continue
            if rec is not None:
                yield rec


def _cell(row: list, cols: dict[str, int], key: str) -> object:
    i = cols.get(key)
    return None if i is None else row[i]


@dataclass(frozen=True)
class _GroupCells:
    """One table row's cells for one column group, each able to say where it came from.

    Every cell error must name file, sheet, row and column so people can fix the file;
    bundling the row with its location lets each reading step raise such errors itself.
    """

    file_name: str
    table: _Table
    cols: dict[str, int]
    row: list
    excel_row: int

    def where(self, key: str) -> Where:
        """The cell holding ``key``, as error messages name it."""
        i = self.cols[key]
        return Where(
            self.file_name, self.table.sheet, self.excel_row, column_letter(i), self.table.headers[i]
        )

    def text(self, key: str) -> str:
        """The cleaned text of ``key`` ("" if the group has no such column)."""
        return _clean(_cell(self.row, self.cols, key))

    def date(self, key: str, release_date: dt.date | None) -> dt.date | None:
        """A plausible date from ``key``; a bad or impossible one is an error naming the cell."""
        if key not in self.cols:
            return None
        try:
            day = _to_date(self.row[self.cols[key]])
            _check_date(day, release_date)
            return day
        except _CellError as exc:
            raise _CellError(f"{self.where(key)}: {exc}") from None

    def grade(self, key: str) -> str | None:
        """The grade in ``key`` in the house vocabulary; an unknown one is an error naming the cell."""
        try:
            return vocab.normalise_grade(self.row[self.cols[key]])
        except ValueError as exc:
            raise _CellError(f"{self.where(key)}: {exc}") from None


def _read_dates(cells: _GroupCells, release_date: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """Publication and inspection dates: with neither, the authority had no such inspection.

    The publication date is read (and checked) first, so that its error is the one reported
    when both cells are bad.
    """
    return cells.date("pub_date", release_date), cells.date("insp_date", release_date)


def _read_visit(
    cells: _GroupCells,
    ref: AuthorityRef,
    type_text: str,
    insp: dt.date | None,
    pub: dt.date | None,
) -> VisitRecord | None:
    """A monitoring / focused / JTAI visit, if the in-year type says so (else None).

    In-year tables mix visits with inspections; visits carry no grades, so they are
    recognised first and become a :class:`VisitRecord`.
    """
    visit_kind = _visit_kind_from_type(type_text)
    if not visit_kind:
        return None
    theme = cells.text("theme") or None
    return VisitRecord(ref, visit_kind, insp, pub, theme=theme, where=ref.where)


def _read_kind(
    cells: _GroupCells,
    ref: AuthorityRef,
    group: str,
    type_text: str,
    insp: dt.date | None,
    pub: dt.date | None,
) -> tuple[str, bool]:
    """The inspection kind and whether the file stated it (False: inferred from the date).

    Each table layout says the kind differently: in-year tables and the one-row-per-inspection
    history by a type column that must be recognised, snapshot tables by an optional type
    column (else ILACS), and wide history tables by the column group itself (ILACS groups may
    say short / standard).
    """
    if cells.table.kind == "in_year" or _one_row_each(cells.table):
        kind = _inspection_kind_from_type(type_text, insp or pub)
        if kind is None:
            at = cells.where("type") if "type" in cells.cols else ref.where
            raise _CellError(f"{at}: unknown inspection/visit type {type_text!r}")
        return kind, True
    if cells.table.kind == "snapshot":
        kind = _inspection_kind_from_type(type_text, insp or pub) or "ilacs"
        return kind, bool(type_text)
    base = group.split("#")[0]
    if base == "ilacs":
        return _inspection_kind_from_type(type_text or "ilacs", pub) or "ilacs", True
    return base, True


#: What the 2026 release writes in the overall effectiveness cell of an inspection under the
#: April 2026 framework, besides a blank or "Not applicable" (which mean the same).
_NO_OVERALL_WORDS = ("no overall", "not graded", "not given", "no grade", "not awarded", "2026 framework")


def _says_no_overall_grade(text: str) -> bool:
    """True for a cell stating that no overall grade was given (the April 2026 framework)."""
    t = text.lower()
    return any(words in t for words in _NO_OVERALL_WORDS)


def _read_grades(cells: _GroupCells) -> tuple[str | None, dict[str, str]]:
    """The overall grade (if the group has one) and every graded area judgement.

    The overall grade is read first and areas in column order, so the first bad cell in
    the row is the one reported; blank area cells are left out. An overall cell saying
    "No overall grade" (the 2026 release's history sheet, DOMAIN §2) reads as none.
    """
    overall = None
    if "overall" in cells.cols and not _says_no_overall_grade(cells.text("overall")):
        overall = cells.grade("overall")
    judgements: dict[str, str] = {}
    for key in cells.cols:
        if key in vocab.AREAS:
            grade = cells.grade(key)
            if grade:
                judgements[key] = grade
    return overall, judgements


def _derive_overall(
    kind: str, overall: str | None, judgements: dict[str, str], insp: dt.date | None, pub: dt.date | None
) -> tuple[str | None, bool]:
    """The overall grade, derived (and marked so) when a post-reform full inspection gives none.

    From April 2026 Ofsted gives no overall grade (DOMAIN §2): :mod:`.framework` decides
    (an inadequate practice judgement, not leadership alone). Before then a blank overall
    grade is unknown, not derived.
    """
    return framework.overall_for(
        kind, overall, judgements, no_overall_given=framework.is_post_reform(insp, pub)
    )


def _record_from_group(
    file_name: str,
    table: _Table,
    group: str,
    cols: dict[str, int],
    row: list,
    ref: AuthorityRef,
    excel_row: int,
    release_date: dt.date | None,
) -> InspectionRecord | VisitRecord | None:
    """One row group as an inspection or visit (None: nothing recorded for this group)."""
    cells = _GroupCells(file_name, table, cols, row, excel_row)
    pub, insp = _read_dates(cells, release_date)
    type_text = cells.text("type")
    if pub is None and insp is None:
        return None  # this authority had no inspection of this kind
    if table.kind == "in_year" or _one_row_each(table):
        visit = _read_visit(cells, ref, type_text, insp, pub)
        if visit is not None:
            return visit
    kind, kind_known = _read_kind(cells, ref, group, type_text, insp, pub)
    overall, judgements = _read_grades(cells)
    if _says_no_overall_grade(cells.text("overall")) and not framework.is_post_reform(insp, pub):
        raise _CellError(
            f"{cells.where('overall')}: {cells.text('overall')!r} for an inspection before "
            f"{framework.REFORM_DATE.day} {framework.REFORM_DATE:%B %Y}; only the April 2026 framework gives no overall grade"
        )
    overall, overall_derived = _derive_overall(kind, overall, judgements, insp, pub)
    if overall is None and not judgements:
        return None
    return InspectionRecord(
        ref,
        kind,
        inspection_date=insp,
        publication_date=pub,
        overall=overall,
        judgements=judgements,
        overall_derived=overall_derived,
        where=ref.where,
        kind_known=kind_known,
    )
