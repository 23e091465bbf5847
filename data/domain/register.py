"""The register of English upper-tier authorities: the project's own committed data.

Codes, DfE numbers, names, regions, validity dates and reorganisations (DOMAIN.md §1) live
in ``data/reference/authorities.csv``. Names are never joined on directly: every name goes
through :func:`name_key`, which folds the spellings Ofsted and DfE use for the same council.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache

from oversight.data.resources import reference_file

AUTHORITIES_CSV = reference_file("authorities.csv")
REGIONS_CSV = reference_file("regions.csv")


def name_key(name: str) -> str:
    """Fold an authority name to a join key ("Bristol, City of" == "Bristol").

    Handles '&' vs 'and', 'St.' vs 'St', 'Upon' vs 'upon', hyphens, 'City of'/'County of'
    and 'Bedford Borough'.
    """
    text = str(name).lower().strip()
    text = text.replace("&", " and ").replace("-", " ").replace(".", " ").replace("'", "")
    text = re.sub(r",\s*(city|county) of\s*$", "", text)
    text = re.sub(r"^(city|county) of\s+", "", text)
    text = re.sub(r"^county\s+", "", text)
    text = re.sub(r"\s+borough( council)?$", "", text)
    text = re.sub(r"\s+council$", "", text)
    text = re.sub(r"[^a-z0-9 ]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class CodeRow:
    """One ONS code of an authority, with the dates it was in use."""

    code: str
    dfe_code: str
    name: str
    region_code: str
    type: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    predecessors: tuple[str, ...]
    aliases: tuple[str, ...]

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass
class Lineage:
    """An authority over time: one or more codes (recodes keep one lineage)."""

    key: str
    codes: list[CodeRow] = field(default_factory=list)

    @property
    def latest(self) -> CodeRow:
        return max(self.codes, key=lambda c: c.valid_from or dt.date.min)

    @property
    def existed_from(self) -> dt.date | None:
        starts = [c.valid_from for c in self.codes]
        return None if any(s is None for s in starts) else min(starts)  # type: ignore[type-var]

    @property
    def existed_to(self) -> dt.date | None:
        ends = [c.valid_to for c in self.codes]
        return None if any(e is None for e in ends) else max(ends)  # type: ignore[type-var]


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def load_regions() -> tuple[tuple[str, str], ...]:
    """The 9 English regions, in code order."""
    with REGIONS_CSV.open(newline="", encoding="utf-8") as fh:
        return tuple((r["code"], r["name"]) for r in csv.DictReader(fh))


@lru_cache(maxsize=1)
def load_codes() -> tuple[CodeRow, ...]:
    """Every row of the register."""
    with AUTHORITIES_CSV.open(newline="", encoding="utf-8") as fh:
        return tuple(
            CodeRow(
                code=r["code"],
                dfe_code=r["dfe_code"],
                name=r["name"],
                region_code=r["region_code"],
                type=r["type"],
                valid_from=_date(r["valid_from"]),
                valid_to=_date(r["valid_to"]),
                predecessors=tuple(p for p in r["predecessors"].split(";") if p),
                aliases=tuple(a for a in r["aliases"].split(";") if a),
            )
            for r in csv.DictReader(fh)
        )


def lineages() -> list[Lineage]:
    """Group codes into authorities: a shared DfE number means a recode, not a new body."""
    groups: dict[str, Lineage] = {}
    for row in load_codes():
        groups.setdefault(row.dfe_code, Lineage(key=row.dfe_code)).codes.append(row)
    return sorted(groups.values(), key=lambda lin: lin.latest.code)
