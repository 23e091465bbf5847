"""Read the Data to Insight ILACS scrape (``ofsted_csc_ilacs_history.csv``) into inspections.

The scrape is the only public source of judgements Ofsted has published since its latest
official release, so it imports like a release, ranked below Ofsted's releases and the
curated tracker (:data:`SCRAPE_RANK`): it fills gaps, it never overrides them. It is
recognised by its header, not its name. Rows name authorities by Ofsted URN;
``Provider_data_lookup.csv`` beside the file maps each URN to an ONS code, and an unknown
URN is an error naming its row. Grades the scraper could not read ("data_unreadable",
"inspection_pre_dates_judgement", blank) are unknown, not judgements; "not_reported_post_reform"
is the April 2026 framework's missing overall grade, derived by :mod:`..domain.framework`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from oversight.data.domain import framework, vocab
from oversight.data.domain.links import is_web_link
from oversight.data.sources import limits
from oversight.data.sources.records import (
    AuthorityRef,
    ImportRefused,
    InspectionRecord,
    ParsedFile,
    SourceInfo,
    Where,
)

#: Below the seed (1) and any tracker (2): official releases > curated tracker > scrape.
SCRAPE_RANK = 0
KIND = "community_scrape"
LOOKUP_NAME = "Provider_data_lookup.csv"
TITLE = "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool"
PUBLISHER = "Ofsted (compiled by the Data to Insight ILACS scrape tool)"
LICENCE = "Open Government Licence v3.0"
HOME = "https://jt-39.github.io/ofsted-ilacs-scrape-tool"
REQUIRED = ("urn", "publication_date", "inspection_link", "overall_effectiveness_grade")
EARLIEST = dt.date(2005, 1, 1)
ILACS_START = dt.date(2018, 1, 1)

#: Cells the scraper writes when it could not read a grade: unknown, not a judgement.
UNKNOWN = {"", "data_unreadable", "inspection_pre_dates_judgement"}
NOT_REPORTED = "not_reported_post_reform"
#: Scrape column -> area key of the vocabulary.
AREAS = {
    "impact_of_leaders_grade": "impact_of_leaders",
    "help_and_protection_grade": "help_protection",
    "in_care_grade": "children_in_care",
    "care_leavers_grade": "care_leavers",
}
#: Framework cells -> inspection kind ("inspection duration longer than standard framework"
#: is a standard inspection that over-ran, as in Wiltshire 2019).
FRAMEWORKS = {
    "standard": "ilacs_standard",
    "short": "ilacs_short",
    "inspection duration longer than standard framework": "ilacs_standard",
}
_SHORT_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2}")
_LONG_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


class _RowError(ValueError):
    """A cell that cannot be read; its message already names file, row and column."""


def looks_like_scrape(header: list[str]) -> bool:
    """The scrape's header: a URN, the report link and the scraped grades."""
    names = {h.strip().lower() for h in header}
    return all(c in names for c in REQUIRED)


def read_lookup(path: Path) -> dict[str, str]:
    """URN -> ONS code from ``Provider_data_lookup.csv`` beside the scrape (BOM and all),
    read within the same limits as any CSV."""
    lookup = path.parent / LOOKUP_NAME
    try:
        raw = limits.read_input(lookup, limits.MAX_CSV_BYTES, "a CSV file").decode("utf-8-sig")
    except ImportRefused as exc:
        raise ImportRefused(
            path.name,
            [
                f"{path.name}: needs {LOOKUP_NAME} beside it to map URNs to ONS codes: {p}"
                for p in exc.problems
            ],
        ) from None
    except UnicodeDecodeError as exc:
        raise limits.refuse(lookup.name, f"cannot be read as UTF-8 text ({exc})") from None
    limits.check_csv_lines(lookup.name, raw)
    reader = csv.DictReader(io.StringIO(raw))
    if not {"urn", "la_code_new"} <= set(reader.fieldnames or []):
        raise limits.refuse(lookup.name, "expected columns 'urn' and 'la_code_new' (ONS code)")
    return {r["urn"].strip(): (r["la_code_new"] or "").strip() for r in reader if (r["urn"] or "").strip()}


def parse_scrape(path: Path, raw: str) -> ParsedFile:
    """One :class:`InspectionRecord` per scraped report; every bad cell is an error with its row."""
    parsed = ParsedFile(path=str(path), kind=KIND)
    try:
        lookup = read_lookup(path)
    except ImportRefused as exc:
        parsed.errors.extend(exc.problems)
        return parsed
    reader = csv.DictReader(io.StringIO(raw))
    reader.fieldnames = [h.strip().lower() for h in reader.fieldnames or []]
    latest = dt.date.today() + dt.timedelta(days=31)
    ungraded = 0
    for line, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            record, source = _record(path.name, line, row, lookup, latest)
        except _RowError as exc:
            parsed.errors.append(str(exc))
            continue
        if _says_nothing(record, row):
            ungraded += 1
            continue
        parsed.records.append((record, source))
    parsed.tables.append(
        f"ILACS scrape (URNs mapped by {LOOKUP_NAME}; {ungraded} reports with no readable grade skipped)"
    )
    return parsed


def _says_nothing(record: InspectionRecord, row: dict[str, str | None]) -> bool:
    """A report the scraper read no grade from (most SIF reports): stored, it would be an
    ungraded "latest inspection" hiding the grade in force (Doncaster's January 2018
    re-inspection, Good in Ofsted's release), and it adds nothing a release does not say."""
    stated_none = _cell(row, "overall_effectiveness_grade").lower() == NOT_REPORTED
    return record.overall is None and not record.judgements and not stated_none


def _cell(row: dict[str, str | None], column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def _record(
    name: str, line: int, row: dict[str, str | None], lookup: dict[str, str], latest: dt.date
) -> tuple[InspectionRecord, SourceInfo]:
    """The row as an inspection and its source (the report's own link when it has one)."""
    urn = _cell(row, "urn")
    code = lookup.get(urn)
    if not code:
        raise _RowError(
            f"{Where(name, row=line, column='urn')}: unknown Ofsted URN {urn!r} (not in {LOOKUP_NAME})"
        )
    ref = AuthorityRef(
        code=code, name=_cell(row, "local_authority") or None, where=Where(name, row=line, column="urn")
    )
    pub = _date(name, line, row, "publication_date", _SHORT_DATE, "%d/%m/%y", "dd/mm/yy", latest)
    start = _date(name, line, row, "inspection_start_date", _LONG_DATE, "%d/%m/%Y", "dd/mm/yyyy", latest)
    if pub is None:
        raise _RowError(f"{Where(name, row=line, column='publication_date')}: no publication date")
    kind, kind_known = _kind(name, line, row, start or pub)
    judgements = {area: g for col, area in AREAS.items() if (g := _grade(name, line, row, col))}
    overall_cell = _cell(row, "overall_effectiveness_grade").lower()
    overall = None if overall_cell == NOT_REPORTED else _grade(name, line, row, "overall_effectiveness_grade")
    overall, derived = framework.overall_for(
        kind, overall, judgements, no_overall_given=overall_cell == NOT_REPORTED
    )
    record = InspectionRecord(
        ref,
        kind,
        start,
        pub,
        overall,
        judgements,
        overall_derived=derived,
        where=ref.where,
        kind_known=kind_known,
    )
    link = _cell(row, "inspection_link")
    url = link if is_web_link(link) else None
    source = SourceInfo(
        key=f"{KIND}:{url}" if url else f"{KIND}:{name}",
        title=TITLE,
        kind=KIND,
        url=url or HOME,
        publisher=PUBLISHER,
        published=pub if url else None,
        licence=LICENCE,
    )
    return record, source


def _date(
    name: str,
    line: int,
    row: dict[str, str | None],
    column: str,
    shape: re.Pattern[str],
    fmt: str,
    shown: str,
    latest: dt.date,
) -> dt.date | None:
    """A date in the column's own format, within 2005 .. a month from now; blank is None."""
    text = _cell(row, column)
    if not text:
        return None
    where = Where(name, row=line, column=column)
    try:
        if not shape.fullmatch(text):
            raise ValueError
        day = dt.datetime.strptime(text, fmt).date()
    except ValueError:
        raise _RowError(f"{where}: not a {shown} date: {text[:40]!r}") from None
    if not EARLIEST <= day <= latest:
        raise _RowError(f"{where}: impossible date {day.isoformat()} (outside {EARLIEST} .. {latest})")
    return day


def _kind(name: str, line: int, row: dict[str, str | None], day: dt.date) -> tuple[str, bool]:
    """ILACS standard/short as stated; a blank framework is SIF before 2018 (or when the
    scraper read no grade: a SIF report published in 2018), else an ILACS inspection of
    unstated kind. Inferred kinds may merge with any full inspection (``kind_known`` False)."""
    text = _cell(row, "inspection_framework").lower()
    if text in FRAMEWORKS:
        return FRAMEWORKS[text], True
    if text:
        raise _RowError(
            f"{Where(name, row=line, column='inspection_framework')}: unknown framework {text[:40]!r}"
        )
    unread = all(_cell(row, c).lower() in UNKNOWN for c in AREAS)
    return ("sif" if day < ILACS_START or unread else "ilacs"), False


def _grade(name: str, line: int, row: dict[str, str | None], column: str) -> str | None:
    """A lower-case scraped grade in the vocabulary; unknown markers are None.

    "to requires improvement" (two 2019 reports) is the scraper catching the word before
    the grade: it is read as requires improvement.
    """
    text = _cell(row, column).lower()
    if text in UNKNOWN:
        return None
    text = text.removeprefix("to ")
    try:
        return vocab.normalise_grade(text)
    except ValueError:
        raise _RowError(
            f"{Where(name, row=line, column=column)}: not an Ofsted grade: {text[:40]!r}"
        ) from None
