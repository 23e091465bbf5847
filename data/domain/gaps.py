"""Gaps in the record (issue 20): what the tracker does not yet say, each a line an editor can close.

The map colours a council judged inadequate by the DfE instrument in force; where the tracker
holds none, or holds one without a real start, an end or a link, every figure built on it (the
map, time to exit, the digest, the board pack) is weaker than it looks. These pure rules list
those places, so they are seen and closed rather than silently drawn:

* ``no_instrument``: an inadequate spell with no notice or direction that has a real start date
  and an http(s) link, from a year before the spell began (a notice may follow a focused visit)
  to its end. An event recorded in the spell explains it (an improvement board only, an adviser
  named without an instrument: DOMAIN §5) and the line says so; a spell begun in the last
  ``RECENT_DAYS`` says DfE may not have acted yet.
* ``no_real_start``: an instrument whose start is only "seen in force on" a date, or a year.
* ``no_end``: an instrument with no end although the council left inadequate more than
  ``LIFTED_WITHIN_MONTHS`` before today (DfE lifts a notice 0–24 months after a better grade).
* ``no_link``: a fact whose source has no http(s) link.
* ``weekend_publication``: an Ofsted report dated a Saturday or Sunday (Ofsted publishes on
  weekdays: such a date is usually an error in a release, to be corrected by an erratum).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oversight.data.domain import links, vocab

RECENT_DAYS = 42
LIFTED_WITHIN_MONTHS = 24
BEFORE_SPELL_DAYS = 366
REAL_PRECISIONS = ("day", "month")
KINDS = ("no_instrument", "no_real_start", "no_end", "no_link", "weekend_publication")
#: Event kinds that explain a spell with no instrument (DOMAIN §5: a commissioner, an adviser or a
#: board named without an instrument), the strongest first: the line names the strongest one found.
EXPLAINING_EVENTS = ("commissioner_appointed", "adviser_appointed", "board", "partner")
#: The DfE instruments that are intervention levels (DOMAIN §5).
INSTRUMENT_LEVELS = (
    vocab.ALTERNATIVE_DELIVERY,
    vocab.DIRECTION_COMMISSIONER,
    vocab.DIRECTION,
    vocab.IMPROVEMENT_NOTICE,
)


@dataclass(frozen=True)
class SpellRow:
    authority_code: str
    authority_name: str
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class InstrumentRow:
    authority_code: str
    authority_name: str
    level: str
    start: dt.date
    start_precision: str
    end: dt.date | None
    title: str | None
    source_url: str | None


@dataclass(frozen=True)
class EventRow:
    authority_code: str
    authority_name: str
    kind: str
    date: dt.date
    title: str
    source_url: str | None


@dataclass(frozen=True)
class ReportRow:
    authority_code: str
    authority_name: str
    kind: str
    published: dt.date
    corrected: bool = False


@dataclass(frozen=True)
class Gap:
    """One gap: which council, what kind, the date it concerns, and what is missing in words."""

    kind: str
    authority_code: str
    authority_name: str
    date: dt.date | None
    words: str
    explained: bool = False  # an event in the record says why (not a silent gap)


def _linked(url: str | None) -> bool:
    return bool(url) and links.is_web_link(url)


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 - months
    year = day.year + month // 12
    return dt.date(year, month % 12 + 1, min(day.day, 28))


def _no_instrument(
    spells: Sequence[SpellRow],
    instruments: Sequence[InstrumentRow],
    events: Sequence[EventRow],
    today: dt.date,
) -> list[Gap]:
    out = []
    for sp in spells:
        window_start = sp.start - dt.timedelta(days=BEFORE_SPELL_DAYS)
        window_end = sp.end or today
        good = [
            iv
            for iv in instruments
            if iv.authority_code == sp.authority_code
            and iv.start_precision in REAL_PRECISIONS
            and _linked(iv.source_url)
            and window_start <= iv.start <= window_end
            and (iv.end is None or iv.end >= sp.start)
        ]
        if good:
            continue
        since = f"judged inadequate from {sp.start.isoformat()}" + (
            f" to {sp.end.isoformat()}" if sp.end else " (still)"
        )
        why = [
            ev
            for ev in events
            if ev.authority_code == sp.authority_code
            and ev.kind in EXPLAINING_EVENTS
            and window_start <= ev.date <= window_end
            and _linked(ev.source_url)
        ]
        why.sort(key=lambda ev: (EXPLAINING_EVENTS.index(ev.kind), ev.date))
        if why:
            words = f"{since}: no notice or direction recorded; explained by “{why[0].title}” ({why[0].date})"
        elif sp.end is None and (today - sp.start).days <= RECENT_DAYS:
            words = f"{since}: no notice or direction yet (the report is recent: DfE may not have acted yet)"
        else:
            words = f"{since}: no notice or direction with a real start date and a link"
        out.append(Gap("no_instrument", sp.authority_code, sp.authority_name, sp.start, words, bool(why)))
    return out


def _instrument_gaps(
    spells: Sequence[SpellRow], instruments: Sequence[InstrumentRow], today: dt.date
) -> list[Gap]:
    out = []
    for iv in instruments:
        label = vocab.LEVELS.get(iv.level, iv.level)
        if iv.start_precision not in REAL_PRECISIONS:
            how = "only seen in force on" if iv.start_precision == "observed" else "dated by its year only:"
            out.append(
                Gap(
                    "no_real_start",
                    iv.authority_code,
                    iv.authority_name,
                    iv.start,
                    f"{label} {how} {iv.start.isoformat()}: its start date is not recorded",
                )
            )
        if not _linked(iv.source_url):
            out.append(
                Gap(
                    "no_link",
                    iv.authority_code,
                    iv.authority_name,
                    iv.start,
                    f"{label}: its source has no link",
                )
            )
        if iv.end is None and iv.level != vocab.ALTERNATIVE_DELIVERY:
            left = [
                sp.end
                for sp in spells
                if sp.authority_code == iv.authority_code and sp.end is not None and sp.end >= iv.start
            ]
            if left and min(left) <= _months_before(today, LIFTED_WITHIN_MONTHS):
                out.append(
                    Gap(
                        "no_end",
                        iv.authority_code,
                        iv.authority_name,
                        iv.start,
                        f"{label} from {iv.start.isoformat()}: no end recorded, although the council left "
                        f"inadequate on {min(left).isoformat()}",
                    )
                )
    return out


def record_gaps(
    spells: Iterable[SpellRow],
    instruments: Iterable[InstrumentRow],
    events: Iterable[EventRow],
    reports: Iterable[ReportRow],
    today: dt.date,
) -> list[Gap]:
    """Every gap, ordered by kind (``KINDS``), then council, then date."""
    spells, instruments, events = list(spells), list(instruments), list(events)
    gaps = _no_instrument(spells, instruments, events, today) + _instrument_gaps(spells, instruments, today)
    gaps += [
        Gap(
            "no_link",
            ev.authority_code,
            ev.authority_name,
            ev.date,
            f"event “{ev.title}”: its source has no link",
        )
        for ev in events
        if not _linked(ev.source_url)
    ]
    gaps += [
        Gap(
            "weekend_publication",
            r.authority_code,
            r.authority_name,
            r.published,
            f"{vocab.INSPECTION_KINDS.get(r.kind, (None, None, r.kind))[2]} published on a "
            f"{r.published:%A} ({r.published.isoformat()}): Ofsted publishes on weekdays; check the date",
        )
        for r in reports
        if r.published.weekday() >= 5 and not r.corrected
    ]
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(gaps, key=lambda g: (order[g.kind], g.authority_name, g.date or dt.date.min, g.words))
