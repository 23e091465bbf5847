"""How far each layer of the record runs, and what the last load really was (issue 22, item 2).

One "newest publication" date is true of judgements only: the tracker's interventions and Ofsted's
visits come from other sources and stop earlier, so a map "as at" today would claim more than the
record holds. Each layer's newest date is asked separately, with the source of the fact that
carries it (a ``queries.Publication``), on or before ``today`` (a date typed in the future is not
news). The same SQL on SQLite and PostgreSQL; several facts on the newest day: the highest-ranked
source's, then the newest source row, so every backend gives one answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import CompoundSelect, Engine, Select, String, case, func, literal, select

from oversight.data.store import schema as s
from oversight.data.store.queries import Publication

#: Import runs of the project's own reference data (not a load of facts).
STARTING_KINDS = ("register", "seed", "errata")
#: The note every run read from the data bundle carries (``sources.bundle.FROM_BUNDLE``; a test
#: checks the two agree, as ``store.changes`` does: the store may not import the sources layer).
FROM_BUNDLE = "read from the project's data bundle (data/bundle), built from this file"


@dataclass(frozen=True)
class LayerEnd(Publication):
    """A layer's newest fact: its date as exact as it was recorded (``precision``: day, month,
    year; "1 October 2025" would claim a day nobody recorded) and its source."""

    precision: str = "day"


@dataclass(frozen=True)
class Layers:
    """The newest dated fact of each layer, with its source (None: the layer holds none)."""

    judgements: LayerEnd | None  # inspection reports' publication dates (not estimated ones)
    interventions: LayerEnd | None  # the tracker's notices, directions, commissioners and events
    visits: LayerEnd | None  # monitoring and focused visits, by their letter's date


@dataclass(frozen=True)
class LastLoad:
    """The newest import of facts: when it finished on this machine, its file, and whether its rows
    came from the project's data bundle (then "last import" would read as "refreshed today")."""

    finished_at: dt.datetime
    file_name: str
    from_bundle: bool


def _newest(engine: Engine, facts: Select | CompoundSelect) -> LayerEnd | None:
    """The newest (day, precision, source_rank, source_id) of ``facts``, with its source."""
    sub = facts.subquery()
    src = s.sources
    stmt = (
        select(sub.c.day, sub.c.precision, src.c.title, src.c.publisher, src.c.url, src.c.kind)
        .join(src, src.c.id == sub.c.source_id)
        .order_by(sub.c.day.desc(), sub.c.source_rank.desc(), src.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    day = row.day if isinstance(row.day, dt.date) else dt.date.fromisoformat(str(row.day)[:10])
    return LayerEnd(day, row.title, row.publisher, row.url, row.kind, row.precision or "day")


def _dated(table, column, precision, day: dt.date) -> Select:
    return select(
        column.label("day"),
        precision.label("precision"),
        table.c.source_rank.label("source_rank"),
        table.c.source_id.label("source_id"),
    ).where(column.is_not(None), column <= day)


def layer_ends(engine: Engine, today: dt.date | None = None) -> Layers:
    """Each layer's newest date on or before ``today`` (default: the real today) and its source."""
    day = today or dt.date.today()
    i, iv, ev, v = s.inspections, s.interventions, s.events, s.visits
    # A publication date is a day's (``date_precision`` describes the inspection's own date).
    day_only = literal("day", String)
    judgements = _dated(i, i.c.publication_date, day_only, day).where(i.c.publication_estimated.is_(False))
    interventions = _dated(iv, iv.c.start_date, iv.c.start_precision, day).union_all(
        _dated(iv, iv.c.end_date, func.coalesce(iv.c.end_precision, "day"), day),
        _dated(ev, ev.c.date, ev.c.date_precision, day),
    )
    # A visit's letter date when published, else the visit's own date at its recorded precision.
    visits = _dated(
        v,
        func.coalesce(v.c.publication_date, v.c.visit_date),
        case((v.c.publication_date.is_not(None), "day"), else_=v.c.date_precision),
        day,
    )
    return Layers(
        judgements=_newest(engine, judgements),
        interventions=_newest(engine, interventions),
        visits=_newest(engine, visits),
    )


def last_load(engine: Engine) -> LastLoad | None:
    """The newest successful import of facts (not the register, seed tracker or errata), or None."""
    r = s.import_runs
    stmt = (
        select(r.c.finished_at, r.c.file_name, r.c.message)
        .where(r.c.outcome == "ok", r.c.kind.not_in(STARTING_KINDS), r.c.finished_at.is_not(None))
        .order_by(r.c.finished_at.desc(), r.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        return None
    return LastLoad(row.finished_at, row.file_name, FROM_BUNDLE in (row.message or ""))
