"""Errata: curated corrections of a date an Ofsted release demonstrably got wrong, with their evidence.

A newer release wins a disagreement, and that settles almost every date. Sometimes it does not:
Ofsted's releases as at 31 March 2023 and 2024 date Nottingham's inadequate report 5 November
2022 (a Saturday), while the report itself and the press date it 5 September 2022. Waiting for a
newer release (the 2025 one happens to correct it) would leave every database without it wrong,
and a rank can't say "this release, on this one cell". So ``data/seed/errata.csv`` (committed, one
row per correction: the fact, the field, the release's value, the corrected value, who gave the
wrong value, why, and the evidence) is applied by the importer *after* every file of a run has
been merged, so it wins whatever the order files arrive in, and by the seed when the file
changes (:func:`oversight.data.sources.seed.ensure_seeded`).

A corrected fact keeps its rank (so newer releases still merge into it) and cites the erratum as
its source: a ``sources`` row of kind ``erratum`` whose title says what was corrected from what
and why ("Publication date corrected from 5 November 2022 (...): ...") and whose link is the
evidence. Views show that title wherever they show the fact's source; no schema change is needed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from oversight.data.domain import vocab
from oversight.data.domain.dates import long_date
from oversight.data.domain.links import link_problem
from oversight.data.resources import seed_dir
from oversight.data.sources.matching import Fact, WorkingSet
from oversight.data.sources.records import ImportRefused, SourceInfo, Where

ERRATA_CSV = seed_dir() / "errata.csv"
KIND = "erratum"
PUBLISHER = "Oversight dashboard errata (data/seed/errata.csv)"
COLUMNS = (
    "id",
    "authority_code",
    "fact",
    "kind",
    "field",
    "release_value",
    "corrected_value",
    "given_by",
    "reason",
    "evidence_url",
    "evidence_title",
    "press_url",
)
#: Which fact tables and date fields an erratum may correct (the tracker's record words).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "inspection": ("inspections", ("publication_date", "inspection_date")),
    "visit": ("visits", ("publication_date", "visit_date")),
}
_WORDS = {
    "publication_date": "Publication date",
    "inspection_date": "Inspection date",
    "visit_date": "Visit date",
}


@dataclass(frozen=True)
class Erratum:
    """One correction: on ``authority_code``'s ``fact`` of ``kind`` (its framework), ``field`` is
    ``corrected_value``, not the ``release_value`` that ``given_by`` gives; ``reason`` and the
    evidence say why."""

    id: str
    authority_code: str
    fact: str
    kind: str
    field: str
    release_value: dt.date
    corrected_value: dt.date
    given_by: str
    reason: str
    evidence_url: str
    evidence_title: str
    press_url: str | None = None

    @property
    def table(self) -> str:
        return FIELDS[self.fact][0]

    @property
    def title(self) -> str:
        """What the views show as the corrected fact's source: corrected from what, by whom, why."""
        return (
            f"{_WORDS[self.field]} corrected from {long_date(self.release_value)} ({self.given_by}) "
            f"to {long_date(self.corrected_value)}: {self.reason}. Evidence: {self.evidence_title}"
        )

    @property
    def source(self) -> SourceInfo:
        return SourceInfo(
            key=f"{KIND}:{self.id}",
            title=self.title,
            kind=KIND,
            url=self.evidence_url,
            publisher=PUBLISHER,
            licence="Open Government Licence v3.0 (the corrected fact is Ofsted's)",
        )

    def matches(self, fact: Fact) -> bool:
        """The fact this erratum is about: the authority's fact of the same framework (inspections)
        or kind (visits) whose field holds the release's value, or already the corrected one."""
        v = fact.values
        if self.fact == "inspection":
            if v["framework"] != vocab.INSPECTION_KINDS[self.kind][0]:
                return False
        elif v["kind"] != self.kind:
            return False
        return v.get(self.field) in (self.release_value, self.corrected_value)


def load(path: Path | None = None) -> list[Erratum]:
    """The errata of ``path`` (default: the committed ``data/seed/errata.csv``; none if absent).

    Refuses (:class:`ImportRefused`) a row that is not a correction the importer can apply,
    naming its row and column: the file is ours, so a mistake in it must stop the import.
    """
    path = Path(path or ERRATA_CSV)
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportRefused(path.name, [f"{path.name}: missing column(s) {', '.join(missing)}"])
        rows = list(reader)
    problems: list[str] = []
    errata = [e for n, row in enumerate(rows, start=2) if (e := _erratum(path.name, n, row, problems))]
    ids = [e.id for e in errata]
    problems += [
        f"{path.name}: erratum {i!r} appears twice" for i in sorted({i for i in ids if ids.count(i) > 1})
    ]
    if problems:
        raise ImportRefused(path.name, problems)
    return errata


def _erratum(name: str, line: int, row: dict[str, str], problems: list[str]) -> Erratum | None:
    """One row as an :class:`Erratum`, or None with its problems added (row and column named)."""
    cells = {c: (row.get(c) or "").strip() for c in COLUMNS}
    before = len(problems)

    def bad(column: str, why: str) -> None:
        problems.append(f"{Where(name, row=line, column=column)}: {why}")

    for column in COLUMNS[:-1]:
        if not cells[column]:
            bad(column, "required")
    fact = FIELDS.get(cells["fact"])
    if cells["fact"] and fact is None:
        bad("fact", f"{cells['fact']!r} is not one of {', '.join(FIELDS)}")
    elif fact and cells["field"] and cells["field"] not in fact[1]:
        bad("field", f"{cells['field']!r} is not a date of a {cells['fact']} ({', '.join(fact[1])})")
    kinds = vocab.INSPECTION_KINDS if cells["fact"] == "inspection" else vocab.VISIT_KINDS
    if cells["kind"] and cells["kind"] not in kinds:
        bad("kind", f"unknown {cells['fact']} kind {cells['kind']!r}")
    days = {}
    for column in ("release_value", "corrected_value"):
        try:
            days[column] = dt.date.fromisoformat(cells[column]) if cells[column] else None
        except ValueError:
            bad(column, f"not a YYYY-MM-DD date: {cells[column]!r}")
    for column in ("evidence_url", "press_url"):
        if cells[column] and (problem := link_problem(cells[column])):
            bad(column, problem)
    if days.get("release_value") and days.get("release_value") == days.get("corrected_value"):
        bad("corrected_value", "the same as the release's value: nothing to correct")
    if len(problems) > before:
        return None
    return Erratum(
        id=cells["id"],
        authority_code=cells["authority_code"],
        fact=cells["fact"],
        kind=cells["kind"],
        field=cells["field"],
        release_value=days["release_value"],  # type: ignore[arg-type]
        corrected_value=days["corrected_value"],  # type: ignore[arg-type]
        given_by=cells["given_by"],
        reason=cells["reason"].rstrip("."),
        evidence_url=cells["evidence_url"],
        evidence_title=cells["evidence_title"],
        press_url=cells["press_url"] or None,
    )


def apply(
    ws: WorkingSet,
    errata: list[Erratum],
    authority_of: dict[str, int],
    source_id_of: Callable[[SourceInfo], int],
) -> list[Fact]:
    """Set each erratum's field on the one fact it is about; the facts corrected (changed or not).

    An erratum whose authority or fact is not in this database does nothing (a database without
    the release that gave the fact). One that fits several facts is not applied: an erratum must
    name one fact, and ``tests/test_sources_errata.py`` checks each does on the public data.
    """
    corrected: list[Fact] = []
    for erratum in errata:
        aid = authority_of.get(erratum.authority_code)
        if aid is None:
            continue
        found = [f for f in ws.facts[erratum.table] if f.values["authority_id"] == aid and erratum.matches(f)]
        if len(found) != 1:
            continue
        fact = found[0]
        v = fact.values
        v[erratum.field] = erratum.corrected_value
        if erratum.field == "publication_date" and erratum.table == "inspections":
            v["publication_estimated"] = False
        v["source_id"] = source_id_of(erratum.source)
        ws.index.moved(fact)
        corrected.append(fact)
    return corrected
