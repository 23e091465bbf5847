"""Inadequate spells (DOMAIN.md §3): pure functions over an authority's full inspections.

A spell starts when a full inspection judged inadequate is published and the authority is
not already in a spell; further inadequate judgements extend it; the next full inspection
judged better ends it, and that grade is the exit grade. Open spells are right-censored at
the data's as-at date, or at the authority's last day if it ceased mid-spell
(Northamptonshire, 2021): its successors start "not yet inspected". Such a spell is
``ceased``: it ended with the council, not with a judgement, so a picture closes it at that day
and says "council ceased", never "still inadequate"; for the curves it stays censored (the
council never exited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from oversight.data.domain import vocab

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Judgement:
    """A full inspection as the spell rules see it: when in force, and what grade."""

    published: dt.date
    grade: str | None
    estimated: bool = False
    framework: str | None = None  # sif | ilacs: the framework of the judgement


@dataclass(frozen=True)
class Spell:
    start: dt.date
    end: dt.date | None  # None: open
    exit_grade: str | None
    censored_at: dt.date  # end, or where an open spell is censored
    inadequate_judgements: int = 1
    estimated: bool = False  # a date in it is an estimate (publication not yet in data)
    framework: str | None = None  # framework of the inadequate judgement that started it
    ceased: bool = False  # no judgement ended it: the council ceased on ``censored_at``

    @property
    def is_open(self) -> bool:
        return self.end is None

    @property
    def days(self) -> int:
        return ((self.end or self.censored_at) - self.start).days

    @property
    def months(self) -> float:
        return months_between(self.start, self.end or self.censored_at)


def months_between(start: dt.date, end: dt.date) -> float:
    """Length in months as DOMAIN §3 defines it: days / 30.4375."""
    return (end - start).days / DAYS_PER_MONTH


def spells_of(
    judgements: Iterable[Judgement],
    data_as_at: dt.date,
    existed_to: dt.date | None = None,
) -> list[Spell]:
    """Every inadequate spell in one authority's history of full inspections."""
    ordered = sorted((j for j in judgements if j.grade), key=lambda j: j.published)
    result: list[Spell] = []
    start: Judgement | None = None
    count = 0
    estimated = False
    for j in ordered:
        if j.published > data_as_at:
            break
        if j.grade == vocab.INADEQUATE:
            if start is None:
                start, count, estimated = j, 1, j.estimated
            else:
                count += 1
                estimated = estimated or j.estimated
        elif start is not None:
            result.append(
                Spell(
                    start.published,
                    j.published,
                    j.grade,
                    j.published,
                    count,
                    estimated or j.estimated,
                    start.framework,
                )
            )
            start = None
    if start is not None:
        ceased = existed_to is not None and existed_to <= data_as_at
        censor = existed_to if ceased and existed_to is not None else data_as_at
        result.append(Spell(start.published, None, None, censor, count, estimated, start.framework, ceased))
    return result
