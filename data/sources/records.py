"""Parsed facts before they touch the database, each remembering where it was read.

Readers (Ofsted releases, tracker CSVs) produce these; the importer validates, resolves
authorities and merges them. ``where`` is the human location used in every error message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Where:
    """A cell or row in an input file, for error messages people can act on."""

    file: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as a spreadsheet shows it
    column: str | None = None  # letter(s) or CSV header
    header: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            col = f"column {self.column}"
            if self.header and self.header != self.column:
                col += f" ({self.header})"
            parts.append(col)
        return ", ".join(parts)


@dataclass
class AuthorityRef:
    """How a row names its authority: a code if the file has one, else a name."""

    code: str | None
    name: str | None
    where: Where


@dataclass
class InspectionRecord:
    authority: AuthorityRef
    kind: str
    inspection_date: dt.date | None
    publication_date: dt.date | None
    overall: str | None
    judgements: dict[str, str] = field(default_factory=dict)
    date_precision: str = "day"
    overall_derived: bool = False
    where: Where | None = None
    #: False when the table did not say which framework (a snapshot's "latest inspection"):
    #: such a record may merge with any full inspection of the authority.
    kind_known: bool = True

    @property
    def reference_date(self) -> dt.date:
        return self.publication_date or self.inspection_date  # type: ignore[return-value]


@dataclass
class VisitRecord:
    authority: AuthorityRef
    kind: str
    visit_date: dt.date | None
    publication_date: dt.date | None
    theme: str | None = None
    summary: str | None = None
    date_precision: str = "day"
    where: Where | None = None

    @property
    def reference_date(self) -> dt.date:
        return self.visit_date or self.publication_date  # type: ignore[return-value]


@dataclass
class InterventionRecord:
    authority: AuthorityRef
    level: str
    start_date: dt.date
    start_precision: str
    end_date: dt.date | None = None
    end_precision: str | None = None
    kind: str | None = None
    title: str | None = None
    details: str | None = None
    people: str | None = None
    where: Where | None = None

    @property
    def reference_date(self) -> dt.date:
        return self.start_date


@dataclass
class EventRecord:
    authority: AuthorityRef
    kind: str
    date: dt.date
    date_precision: str
    title: str
    details: str | None = None
    people: str | None = None
    where: Where | None = None

    @property
    def reference_date(self) -> dt.date:
        return self.date


@dataclass(frozen=True)
class SourceInfo:
    """Where a batch of records comes from (a release, a tracker row's link)."""

    key: str
    title: str
    kind: str
    url: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    licence: str | None = None


Record = InspectionRecord | VisitRecord | InterventionRecord | EventRecord


@dataclass
class ParsedFile:
    """Everything read from one input file, plus the problems found while reading it."""

    path: str
    kind: str  # ofsted_release | tracker_csv
    records: list[tuple[Record, SourceInfo]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # human list of recognised tables
    release_date: dt.date | None = None
    #: Statistical neighbours: (model, DfE code, rank, neighbour DfE code, closeness, row, column).
    neighbours: list[tuple] = field(default_factory=list)
    neighbour_source: SourceInfo | None = None
    #: SHA-256 of the bytes parsed (not of the file read again later, which may have changed).
    sha256: str | None = None


class ImportRefused(Exception):
    """An import refused before writing: carries every problem found, with locations."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        if len(problems) == 1:  # one line, as the command line prints every single failure
            super().__init__(f"Import of {path} refused, nothing was written: {problems[0]}")
            return
        shown = problems[:25]
        more = f"\n  ... and {len(problems) - 25} more" if len(problems) > 25 else ""
        super().__init__(f"Import of {path} refused, nothing was written:\n  " + "\n  ".join(shown) + more)
