"""Plausibility of a proposed tracker fact: warnings in words, never refusals.

A fact can be valid (every column parses, the authority is known) and still unlikely: a start
in 2027, a notice for North Northamptonshire in 2015 (it began on 1 April 2021), a direction
dated before the inadequate judgement that would cause it, or for a council whose judgement in
force was good. Each is more often a typo than the truth, but each can be true (DOMAIN §5: a
notice may follow a focused visit or a joint inspection, before any inadequate judgement), so
the editor and the reviewer are told and decide; nothing here blocks a save.

Pure: the council's dates, its judgements, visits and other instruments come in a ``Context``
(``store/fact_context`` reads them); ``today`` is given, so every rule is tested on fixed dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from oversight.data.domain import vocab
from oversight.data.domain.dates import long_date

#: Levels that need a DfE instrument, which an inadequate judgement usually causes (DOMAIN §5).
#: Support and supervision follows an exit from inadequate, so it is not held to a judgement.
INSTRUMENTS = (
    vocab.IMPROVEMENT_NOTICE,
    vocab.DIRECTION,
    vocab.DIRECTION_COMMISSIONER,
    vocab.ALTERNATIVE_DELIVERY,
)
#: An instrument dated this many days before the judgement's publication is not "before" it:
#: the council has the report weeks before Ofsted publishes it, and sources date loosely.
SLACK_DAYS = 31
#: How far ahead an inadequate judgement is taken as the one an earlier instrument anticipates.
AHEAD_DAYS = 366
#: How long after an inadequate judgement stops being in force an instrument is still plausible:
#: DfE lifts or reissues a notice 0-24 months after a better judgement (DOMAIN §5, exit).
AFTER_EXIT_DAYS = 731
#: How long before an instrument a focused visit or a joint inspection may have prompted it.
PROMPT_DAYS = 366
#: Visit kinds after which a notice may come before any inadequate judgement (DOMAIN §5).
PROMPTING_VISITS = ("focused", "jtai")


@dataclass(frozen=True)
class Judgement:
    """A full inspection's overall grade, in force from its publication (DOMAIN §2)."""

    published: dt.date
    grade: str | None
    by: str = ""  # a predecessor's name, when the judgement is its


@dataclass(frozen=True)
class Visit:
    kind: str  # monitoring | focused | jtai
    day: dt.date


@dataclass(frozen=True)
class Instrument:
    """Another intervention recorded for the council (the proposed one left out)."""

    level: str
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class Context:
    """What the record knows of the council the fact is about."""

    name: str
    code: str
    existed_from: dt.date | None  # None: before the register's coverage
    existed_to: dt.date | None  # None: still exists
    judgements: tuple[Judgement, ...] = ()  # its own, and its predecessors' before it began
    visits: tuple[Visit, ...] = ()
    instruments: tuple[Instrument, ...] = ()


@dataclass(frozen=True)
class Fact:
    """The proposed fact's parts the rules read (a tracker row's, typed)."""

    record: str  # intervention | event | visit | inspection
    day: dt.date | None
    precision: str = "day"
    end: dt.date | None = None
    published: dt.date | None = None
    level: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Warning:
    """One reason to look again: the tracker column it is about, and a sentence."""

    column: str
    text: str

    def __str__(self) -> str:
        return self.text


def period_end(day: dt.date, precision: str | None) -> dt.date:
    """The last day a date of this precision may mean ("2021-04" with month precision: 30 April)."""
    if precision == "year":
        return dt.date(day.year, 12, 31)
    if precision == "month":
        return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def _when(day: dt.date, precision: str | None) -> str:
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{calendar.month_name[day.month]} {day.year}"
    return long_date(day)


def _noun(fact: Fact) -> str:
    if fact.record == "intervention" and fact.level:
        return vocab.LEVELS.get(fact.level, "support and supervision").lower()
    return {"event": "event", "visit": "visit", "inspection": "inspection"}.get(fact.record, "fact")


def warnings(fact: Fact, context: Context | None, today: dt.date) -> list[Warning]:
    """Every reason to doubt the fact, in a fixed order: dates in the future, an end before the
    start, a date outside the council's life, then (for an instrument) its judgements."""
    out = _future(fact, today) + _order(fact)
    if context is not None:
        out += _lifetime(fact, context)
        if fact.record == "intervention" and fact.level in INSTRUMENTS and fact.day is not None:
            out += _judged(fact, context)
    return out


def _future(fact: Fact, today: dt.date) -> list[Warning]:
    out = []
    for column, day, words in (
        ("date", fact.day, "date"),
        ("published", fact.published, "publication date"),
        ("end_date", fact.end, "end date"),
    ):
        if day is not None and day > today:
            precision = fact.precision if column == "date" else "day"
            out.append(
                Warning(
                    column,
                    f"The {words}, {_when(day, precision)}, is in the future (today is {long_date(today)}).",
                )
            )
    return out


def _order(fact: Fact) -> list[Warning]:
    if fact.day is not None and fact.end is not None and fact.end < fact.day:
        return [
            Warning("end_date", f"It ends ({long_date(fact.end)}) before it starts ({long_date(fact.day)}).")
        ]
    return []


def _lifetime(fact: Fact, ctx: Context) -> list[Warning]:
    """A date before the council began (by the last day its precision allows) or after it ended."""
    day = fact.day or fact.published
    if day is None:
        return []
    who = f"{ctx.name} ({ctx.code})"
    if ctx.existed_from is not None and period_end(day, fact.precision) < ctx.existed_from:
        return [
            Warning(
                "date",
                f"{who} came into being on {long_date(ctx.existed_from)}, after this {_noun(fact)} "
                f"({_when(day, fact.precision)}): a fact from before then belongs to the council it replaced.",
            )
        ]
    if ctx.existed_to is not None and day > ctx.existed_to:
        return [
            Warning(
                "date",
                f"{who} ceased on {long_date(ctx.existed_to)}, before this {_noun(fact)} "
                f"({_when(day, fact.precision)}): a later fact belongs to the council that replaced it.",
            )
        ]
    return []


def _in_force(judgements: tuple[Judgement, ...], day: dt.date) -> Judgement | None:
    """The latest judgement published on or before ``day``."""
    published = [j for j in judgements if j.published <= day]
    return max(published, key=lambda j: j.published) if published else None


def _recently_inadequate(judgements: tuple[Judgement, ...], start: dt.date) -> bool:
    """An inadequate judgement was in force at some time in the ``AFTER_EXIT_DAYS`` before
    ``start`` (a notice kept, or reissued, after the council improved)."""
    since = start - dt.timedelta(days=AFTER_EXIT_DAYS)
    ordered = sorted(judgements, key=lambda j: j.published)
    for n, here in enumerate(ordered):
        ends = ordered[n + 1].published if n + 1 < len(ordered) else dt.date.max
        if here.grade == vocab.INADEQUATE and here.published <= start and ends >= since:
            return True
    return False


def _judged(fact: Fact, ctx: Context) -> list[Warning]:
    """An instrument's judgement: inadequate in force (or published within ``SLACK_DAYS``
    after it), or another instrument already in force (a revision, an escalation), is plausible.
    So is an instrument within ``AFTER_EXIT_DAYS`` of an inadequate judgement's end (kept or
    reissued after the council improved). Otherwise it is dated before the inadequate judgement
    that followed, or is for a council whose judgement in force was better (with none in force
    the record cannot say, and says nothing); a focused visit or joint inspection before it is
    named, as it may explain it."""
    assert fact.day is not None
    start, last = fact.day, period_end(fact.day, fact.precision)
    noun = _noun(fact)
    current = _in_force(ctx.judgements, last + dt.timedelta(days=SLACK_DAYS))
    if current is not None and current.grade == vocab.INADEQUATE:
        return []
    if any(i.start <= last and (i.end is None or i.end >= start) for i in ctx.instruments):
        return []
    if _recently_inadequate(ctx.judgements, start):
        return []
    prompt = [
        v
        for v in ctx.visits
        if v.kind in PROMPTING_VISITS and start - dt.timedelta(PROMPT_DAYS) <= v.day <= last
    ]
    note = ""
    if prompt:
        visit = max(prompt, key=lambda v: v.day)
        note = (
            f" A notice may follow a {vocab.VISIT_KINDS[visit.kind].lower()} ({long_date(visit.day)}) "
            "before any inadequate judgement: if that is what happened, it is right."
        )
    later = sorted(
        (
            j
            for j in ctx.judgements
            if j.grade == vocab.INADEQUATE and last < j.published <= last + dt.timedelta(days=AHEAD_DAYS)
        ),
        key=lambda j: j.published,
    )
    when = _when(start, fact.precision)
    if later:
        return [
            Warning(
                "date",
                f"This {noun} ({when}) is dated before the inadequate judgement that would cause it, "
                f"published {long_date(later[0].published)}.{note}",
            )
        ]
    if current is None:
        return []  # no judgement yet (or before the record's coverage): the record cannot say
    grade = (current.grade or "no overall grade").lower()
    by = f" (as {current.by})" if current.by else ""
    state = f"its judgement in force{by}, published {long_date(current.published)}, was {grade}"
    return [
        Warning(
            "level",
            f"{ctx.name} was not judged inadequate when this {noun} began ({when}): {state}, and no "
            f"other intervention is recorded in force.{note}",
        )
    ]
