"""Intervention level of each authority on a date (DOMAIN.md §5): pure functions.

Inputs are plain records; the rules:

* an intervention is in force from its start (an "observed" start — known in force on a
  date, start unknown — counts from the start of the latest inadequate spell up to that
  date, else from the date itself) to its recorded end;
* a notice or direction with no recorded end is presumed lifted ``PRESUMED_REVIEW_MONTHS``
  after the first better-than-inadequate judgement that follows its start (DfE lifts it
  after a better judgement and a review, 0–24 months later in cases seen), but never
  before a date on which a source observed it in force; alternative delivery (a trust, a
  company, another council) has no presumed end: it lasts until a source ends it;
* the level is the most severe intervention in force (legend order); support and
  supervision is not a legend level; with none in force, an authority whose latest
  judgement is inadequate is "inadequate, no intervention recorded" — a data gap made
  visible — and otherwise "no intervention".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oversight.data.domain import vocab

PRESUMED_REVIEW_MONTHS = 12
LEGEND = tuple(vocab.LEVELS)  # most severe first
SEVERITY = {level: i for i, level in enumerate(LEGEND)}


@dataclass(frozen=True)
class Intervention:
    level: str
    start: dt.date
    start_precision: str
    end: dt.date | None
    title: str | None = None
    source: str | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class Span:
    """An intervention's effective span, with how its ends were decided."""

    intervention: Intervention
    start: dt.date
    end: dt.date | None
    end_presumed: bool


@dataclass(frozen=True)
class Level:
    level: str
    since: dt.date | None
    since_precision: str
    intervention: Intervention | None
    end_presumed: bool = False

    @property
    def label(self) -> str:
        return vocab.LEVELS[self.level]


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + year, month + 1, min(day.day, 28))


def spell_start_containing(day: dt.date, judgements: Sequence[tuple[dt.date, str | None]]) -> dt.date | None:
    """Start of the inadequate spell in force on ``day`` (judgements: published, grade)."""
    start = None
    for published, grade in sorted(judgements):
        if published > day:
            break
        if grade == vocab.INADEQUATE:
            start = start or published
        elif grade:
            start = None
    return start


def latest_spell_start(day: dt.date, judgements: Sequence[tuple[dt.date, str | None]]) -> dt.date | None:
    """Start of the inadequate spell in force on ``day``, else of the last one before it."""
    start = last = None
    for published, grade in sorted(judgements):
        if published > day:
            break
        if grade == vocab.INADEQUATE:
            start = start or published
            last = start
        elif grade:
            start = None
    return last


def spans(
    interventions: Iterable[Intervention], judgements: Sequence[tuple[dt.date, str | None]]
) -> list[Span]:
    """Effective spans of one authority's interventions (see module docstring)."""
    ordered = sorted(judgements)
    result = []
    for iv in interventions:
        start = iv.start
        if iv.start_precision == "observed":
            # Start not recorded: the inadequate judgement that led to it is the best start.
            start = latest_spell_start(iv.start, ordered) or iv.start
        end, presumed = iv.end, False
        if end is None and iv.level != vocab.ALTERNATIVE_DELIVERY:
            exit_day = next((p for p, g in ordered if p > start and g and g != vocab.INADEQUATE), None)
            if exit_day is not None:
                end = _add_months(exit_day, PRESUMED_REVIEW_MONTHS)
                if iv.start_precision == "observed":
                    end = max(end, iv.start)
                presumed = True
        result.append(Span(iv, start, end, presumed))
    return result


def level_on(
    day: dt.date,
    interventions: Iterable[Intervention],
    judgements: Sequence[tuple[dt.date, str | None]],
) -> Level:
    """The authority's intervention level on ``day``."""
    in_force = [
        sp
        for sp in spans(interventions, judgements)
        if sp.start <= day and (sp.end is None or day <= sp.end) and sp.intervention.level in SEVERITY
    ]
    if in_force:
        top = min(in_force, key=lambda sp: (SEVERITY[sp.intervention.level], sp.start))
        same = [sp.start for sp in in_force if sp.intervention.level == top.intervention.level]
        # "spell": the start was not recorded and is taken from the inadequate judgement.
        precision = (
            "spell" if top.intervention.start_precision == "observed" else top.intervention.start_precision
        )
        return Level(top.intervention.level, min(same), precision, top.intervention, top.end_presumed)
    latest = [(p, g) for p, g in sorted(judgements) if p <= day and g]
    if latest and latest[-1][1] == vocab.INADEQUATE:
        return Level(vocab.INADEQUATE_NO_INTERVENTION, spell_start_containing(day, latest), "day", None)
    return Level(vocab.NO_INTERVENTION, None, "day", None)
