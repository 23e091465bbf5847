"""What changed between two dates (issue 12): the store's side of the digest.

``changes_between`` reads, in a fixed handful of queries (never one per authority), everything the
rules of ``oversight.data.domain.digest`` need: the register (authorities, their codes and
reorganisations), every full inspection with its source (the grade before, the spells and the
clocks need the history before the window), the area judgements of the reports published in the
window, every intervention (its effective span depends on the judgements), the visits and events
up to the window's end, and the newest publication in the data. The domain does the rest.

It also reads the facts *recorded* in the window whatever their own date (issue 21): a fact is
recorded when a proposal to create or correct it is applied (the ``applied`` review's time) or
when an import run writes it (the run's ``finished_at``; a fact keeps the run that last changed
it). There is no column for the moment a row was made: these two are the record. The database's
starting record is not news: the register, the seed tracker, the errata and the data bundle (the
project's own data, loaded on first use) are left out. The recording window ends with the window,
or today when the window reaches the newest data ("up to the newest data" is "up to now").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, Engine, and_, func, not_, or_, select

from oversight.data.domain import digest, register
from oversight.data.store import coverage, queries
from oversight.data.store import schema as s

__all__ = ["changes_between", "default_until", "recording_end"]

#: Import runs of the project's own data (the starting record, not news): their kinds...
STARTING_KINDS = ("register", "seed", "errata")
#: ... and the note a run read from the data bundle carries (``sources.bundle.FROM_BUNDLE``).
FROM_BUNDLE = "read from the project's data bundle (data/bundle), built from this file"
#: Proposals whose application records a fact (a retraction removes one).
RECORDING_ACTIONS = {"create": digest.BY_PROPOSAL, "correct": digest.BY_CORRECTION}


def default_until(engine: Engine, since: dt.date | None = None, today: dt.date | None = None) -> dt.date:
    """Where a digest ends when no end is given: today (issue 22). A board asks what changed up to
    its meeting, not up to the newest publication; the digest's words say where each layer of the
    data ends, so a window past the data's end is not read as "nothing happened". ``engine`` and
    ``since`` are kept for the callers' one signature."""
    del engine, since
    return today or dt.date.today()


def recording_end(engine: Engine, until: dt.date, today: dt.date | None = None) -> dt.date:
    """The last day a fact's recording counts in a window ending ``until``: ``until``, or today
    when ``until`` reaches the newest data (a window up to the newest data is up to now)."""
    today = today or dt.date.today()
    newest = queries.data_as_at(engine) or today
    return max(until, today) if until >= newest else until


def changes_between(
    engine: Engine,
    since: dt.date,
    until: dt.date | None = None,
    region: str | None = None,
    *,
    today: dt.date | None = None,
) -> digest.Digest:
    """Every change from ``since`` to ``until``, both days included (``until`` None: today,
    ``default_until``), in England or one region (an ONS region code), as a ``Digest``.

    ``today`` (default: the real today) bounds the statutory clocks: one not yet due has not passed.
    Raises ``ValueError`` when ``until`` is before ``since``.
    """
    until = until if until is not None else default_until(engine, since, today)
    if until < since:
        raise ValueError(f"the end of the window ({until}) is before its start ({since})")
    recorded_to = recording_end(engine, until, today)
    regions = dict(register.load_regions())
    with engine.connect() as conn:
        places = _places(conn)
        in_region = {p.id for p in places if region is None or p.region_code == region}
        inspections = _inspections(conn, since, until, in_region)
        interventions = _interventions(conn, in_region)
        visits = _visits(conn, until, in_region)
        listed = coverage.monitoring_listed(conn)
        events = _events(conn, until, in_region)
        recorded = _recorded(conn, since, recorded_to, in_region)
        reorganisations = [
            digest.Link(r.predecessor_id, r.successor_id, r.date, r.kind)
            for r in conn.execute(select(s.authority_links))
        ]
    newest = queries.newest_publication(engine, today)
    return digest.build_digest(
        since,
        until,
        places=places,
        inspections=inspections,
        interventions=interventions,
        visits=visits,
        events=events,
        reorganisations=reorganisations,
        region=region,
        region_name=regions.get(region) if region else None,
        today=today or dt.date.today(),
        monitoring_listed=listed,
        newest_publication=newest.published if newest else None,
        newest_publication_source=digest.Source.of(newest.title, newest.url, newest.publisher)
        if newest
        else None,
        recorded=recorded,
        recorded_until=recorded_to,
    )


def _places(conn: Connection) -> list[digest.Place]:
    """Every authority with every code it has had (one query)."""
    a, c = s.authorities, s.authority_codes
    rows = conn.execute(
        select(
            a.c.id,
            a.c.code.label("latest"),
            a.c.name.label("latest_name"),
            a.c.region_code,
            a.c.existed_from,
            a.c.existed_to,
            c.c.code,
            c.c.name,
            c.c.type,
            c.c.valid_from,
            c.c.valid_to,
        )
        .outerjoin(c, c.c.authority_id == a.c.id)
        .order_by(a.c.id, c.c.code)
    ).all()
    info: dict[int, tuple] = {}
    codes: dict[int, list[digest.Code]] = {}
    for r in rows:
        info[r.id] = (r.latest, r.latest_name, r.region_code, r.existed_from, r.existed_to)
        if r.code is not None:
            codes.setdefault(r.id, []).append(digest.Code(r.code, r.name, r.type, r.valid_from, r.valid_to))
    return [
        digest.Place(aid, code, name, region, start, end, tuple(codes.get(aid, ())))
        for aid, (code, name, region, start, end) in info.items()
    ]


def _source(row) -> digest.Source:
    return digest.Source.of(row.source_title, row.source_url, row.source_publisher)


def _source_columns():
    src = s.sources
    return (
        src.c.title.label("source_title"),
        src.c.url.label("source_url"),
        src.c.publisher.label("source_publisher"),
    )


def _inspections(
    conn: Connection, since: dt.date, until: dt.date, authority_ids: set[int]
) -> list[digest.Inspection]:
    """Every full inspection published by ``until`` (one query), with the area judgements of
    those published in the window (one more)."""
    i, j = s.inspections, s.inspection_judgements
    window = and_(i.c.publication_date >= since, i.c.publication_date <= until)
    areas: dict[int, list[tuple[str, str]]] = {}
    for r in conn.execute(
        select(j.c.inspection_id, j.c.area, j.c.grade)
        .join(i, i.c.id == j.c.inspection_id)
        .where(i.c.is_full.is_(True), window)
        .order_by(j.c.inspection_id, j.c.area)
    ):
        areas.setdefault(r.inspection_id, []).append((r.area, r.grade))
    rows = conn.execute(
        _inspection_select().where(
            i.c.is_full.is_(True), i.c.publication_date.is_not(None), i.c.publication_date <= until
        )
    )
    return [_inspection(r, areas.get(r.id, ())) for r in rows if r.authority_id in authority_ids]


def _inspection_select():
    i = s.inspections
    return (
        select(
            i.c.id,
            i.c.authority_id,
            i.c.kind,
            i.c.inspection_date,
            i.c.publication_date,
            i.c.publication_estimated,
            i.c.date_precision,
            i.c.overall_effectiveness,
            i.c.overall_derived,
            *_source_columns(),
        )
        .join(s.sources, s.sources.c.id == i.c.source_id)
        .order_by(i.c.authority_id, i.c.publication_date, i.c.id)
    )


def _inspection(r, areas: Iterable[tuple[str, str]] = ()) -> digest.Inspection:
    return digest.Inspection(
        authority_id=r.authority_id,
        published=r.publication_date,
        inspected=r.inspection_date,
        kind=r.kind,
        grade=r.overall_effectiveness,
        derived=bool(r.overall_derived),
        source=_source(r),
        estimated=bool(r.publication_estimated),
        precision=r.date_precision or "day",
        areas=tuple(areas),
        id=r.id,
    )


def _interventions(conn: Connection, authority_ids: set[int]) -> list[digest.InterventionRecord]:
    rows = conn.execute(_intervention_select())
    return [_intervention(r) for r in rows if r.authority_id in authority_ids]


def _intervention_select():
    iv = s.interventions
    return (
        select(
            iv.c.id,
            iv.c.authority_id,
            iv.c.level,
            iv.c.kind,
            iv.c.start_date,
            iv.c.start_precision,
            iv.c.end_date,
            iv.c.end_precision,
            iv.c.title,
            *_source_columns(),
        )
        .join(s.sources, s.sources.c.id == iv.c.source_id)
        .order_by(iv.c.authority_id, iv.c.start_date, iv.c.id)
    )


def _intervention(r) -> digest.InterventionRecord:
    return digest.InterventionRecord(
        r.authority_id,
        r.level,
        r.kind,
        r.start_date,
        r.start_precision or "day",
        r.end_date,
        r.end_precision,
        r.title,
        _source(r),
    )


def _visits(conn: Connection, until: dt.date, authority_ids: set[int]) -> list[digest.Visit]:
    """Visits up to ``until`` (the monitoring visits before the window stop the clocks)."""
    v = s.visits
    rows = conn.execute(
        _visit_select().where(
            or_(v.c.visit_date <= until, and_(v.c.visit_date.is_(None), v.c.publication_date <= until))
        )
    )
    return [_visit(r) for r in rows if r.authority_id in authority_ids]


def _visit_select():
    v = s.visits
    return (
        select(
            v.c.id,
            v.c.authority_id,
            v.c.kind,
            v.c.visit_date,
            v.c.publication_date,
            v.c.date_precision,
            v.c.theme,
            v.c.summary,
            *_source_columns(),
        )
        .join(s.sources, s.sources.c.id == v.c.source_id)
        .order_by(v.c.authority_id, func.coalesce(v.c.visit_date, v.c.publication_date), v.c.id)
    )


def _visit(r) -> digest.Visit:
    return digest.Visit(
        r.authority_id,
        r.kind,
        r.visit_date,
        r.publication_date,
        r.date_precision or "day",
        r.theme,
        r.summary,
        _source(r),
    )


def _events(conn: Connection, until: dt.date, authority_ids: set[int]) -> list[digest.Event]:
    rows = conn.execute(_event_select().where(s.events.c.date <= until))
    return [_event(r) for r in rows if r.authority_id in authority_ids]


def _event_select():
    e = s.events
    return (
        select(
            e.c.id,
            e.c.authority_id,
            e.c.kind,
            e.c.date,
            e.c.date_precision,
            e.c.title,
            e.c.details,
            *_source_columns(),
        )
        .join(s.sources, s.sources.c.id == e.c.source_id)
        .order_by(e.c.authority_id, e.c.date, e.c.id)
    )


def _event(r) -> digest.Event:
    return digest.Event(
        r.authority_id, r.kind, r.date, r.date_precision or "day", r.title, r.details, _source(r)
    )


# Newly recorded --------------------------------------------------------------------------------
def _day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The window as timestamps (UTC, naive, as the store keeps them): [since 00:00, until+1 00:00)."""
    start = dt.datetime.combine(since, dt.time())
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time())


def _recorded(
    conn: Connection, since: dt.date, until: dt.date, authority_ids: set[int]
) -> list[digest.Recorded]:
    """The facts recorded from ``since`` to ``until`` (both days included): written by an import
    run that finished then (not the starting record) or by a create or correct applied then.
    A few queries: the runs, the applied proposals, then each fact table once."""
    start, end = _day_bounds(since, until)
    r = s.import_runs
    runs = {
        row.id: (row.finished_at.date(), row.file_name)
        for row in conn.execute(
            select(r.c.id, r.c.finished_at, r.c.file_name).where(
                r.c.outcome == "ok",
                r.c.kind.not_in(STARTING_KINDS),
                r.c.finished_at >= start,
                r.c.finished_at < end,
                or_(r.c.message.is_(None), not_(r.c.message.contains(FROM_BUNDLE, autoescape=True))),
            )
        )
    }
    c, rv = s.changes, s.reviews
    applied: dict[str, dict[int, list[tuple[dt.date, str]]]] = {}
    for row in conn.execute(
        select(c.c.fact_table, c.c.fact_id, c.c.action, rv.c.decided_at)
        .join(rv, rv.c.change_id == c.c.id)
        .where(
            rv.c.decision == "applied",
            c.c.action.in_(tuple(RECORDING_ACTIONS)),
            c.c.fact_id.is_not(None),
            rv.c.decided_at >= start,
            rv.c.decided_at < end,
        )
        .order_by(rv.c.id)  # in the order they were applied: the later of one day is listed
    ):
        how = RECORDING_ACTIONS[row.action]
        applied.setdefault(row.fact_table, {}).setdefault(row.fact_id, []).append(
            (row.decided_at.date(), how)
        )
    out: list[digest.Recorded] = []
    readers = (
        (s.inspections, _inspection_select, _inspection),
        (s.interventions, _intervention_select, _intervention),
        (s.visits, _visit_select, _visit),
        (s.events, _event_select, _event),
    )
    for table, select_, record in readers:
        ids = list(applied.get(table.name, {}))
        conditions = []
        if runs:
            conditions.append(table.c.import_run_id.in_(list(runs)))
        if ids:
            conditions.append(table.c.id.in_(ids))
        if not conditions:
            continue
        stmt = select_().add_columns(table.c.import_run_id).where(or_(*conditions))
        if table is s.inspections:
            stmt = stmt.where(table.c.is_full.is_(True), table.c.publication_date.is_not(None))
        for row in conn.execute(stmt):
            if row.authority_id not in authority_ids:
                continue
            fact = record(row)
            if row.import_run_id in runs:
                day, name = runs[row.import_run_id]
                out.append(digest.Recorded(fact, day, digest.BY_IMPORT, name))
            for day, how in applied.get(table.name, {}).get(row.id, []):
                out.append(digest.Recorded(fact, day, how))
    return out
