"""What changed between two dates (issue 12): the store's side of the digest.

``changes_between`` reads, in a fixed handful of queries (never one per authority), everything the
rules of ``oversight.data.domain.digest`` need: the register (authorities, their codes and
reorganisations), every full inspection with its source (the grade before, the spells and the
clocks need the history before the window), the area judgements of the reports published in the
window, every intervention (its effective span depends on the judgements), the visits and events
up to the window's end, and the newest publication in the data. The domain does the rest.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, and_, func, or_, select

from oversight.data.domain import digest, register
from oversight.data.store import coverage, queries
from oversight.data.store import schema as s

__all__ = ["changes_between", "default_until"]


def default_until(engine: Engine) -> dt.date:
    """Where a digest ends when no end is given: the newest publication date in the data
    (``queries.data_as_at``), else today."""
    return queries.data_as_at(engine) or dt.date.today()


def changes_between(
    engine: Engine,
    since: dt.date,
    until: dt.date | None = None,
    region: str | None = None,
    *,
    today: dt.date | None = None,
) -> digest.Digest:
    """Every change from ``since`` to ``until``, both days included (``until`` None: the newest
    data, ``default_until``), in England or one region (an ONS region code), as a ``Digest``.

    ``today`` (default: the real today) bounds the statutory clocks: one not yet due has not passed.
    Raises ``ValueError`` when ``until`` is before ``since``.
    """
    until = until if until is not None else default_until(engine)
    if until < since:
        raise ValueError(f"the end of the window ({until}) is before its start ({since})")
    regions = dict(register.load_regions())
    with engine.connect() as conn:
        places = _places(conn)
        in_region = {p.id for p in places if region is None or p.region_code == region}
        inspections = _inspections(conn, since, until, in_region)
        interventions = _interventions(conn, in_region)
        visits = _visits(conn, until, in_region)
        listed = coverage.monitoring_listed(conn)
        events = _events(conn, until, in_region)
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
        .where(i.c.is_full.is_(True), i.c.publication_date.is_not(None), i.c.publication_date <= until)
        .order_by(i.c.authority_id, i.c.publication_date, i.c.id)
    )
    return [
        digest.Inspection(
            authority_id=r.authority_id,
            published=r.publication_date,
            inspected=r.inspection_date,
            kind=r.kind,
            grade=r.overall_effectiveness,
            derived=bool(r.overall_derived),
            source=_source(r),
            estimated=bool(r.publication_estimated),
            precision=r.date_precision or "day",
            areas=tuple(areas.get(r.id, ())),
            id=r.id,
        )
        for r in rows
        if r.authority_id in authority_ids
    ]


def _interventions(conn: Connection, authority_ids: set[int]) -> list[digest.InterventionRecord]:
    iv = s.interventions
    rows = conn.execute(
        select(
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
    return [
        digest.InterventionRecord(
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
        for r in rows
        if r.authority_id in authority_ids
    ]


def _visits(conn: Connection, until: dt.date, authority_ids: set[int]) -> list[digest.Visit]:
    """Visits up to ``until`` (the monitoring visits before the window stop the clocks)."""
    v = s.visits
    rows = conn.execute(
        select(
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
        .where(or_(v.c.visit_date <= until, and_(v.c.visit_date.is_(None), v.c.publication_date <= until)))
        .order_by(v.c.authority_id, func.coalesce(v.c.visit_date, v.c.publication_date), v.c.id)
    )
    return [
        digest.Visit(
            r.authority_id,
            r.kind,
            r.visit_date,
            r.publication_date,
            r.date_precision or "day",
            r.theme,
            r.summary,
            _source(r),
        )
        for r in rows
        if r.authority_id in authority_ids
    ]


def _events(conn: Connection, until: dt.date, authority_ids: set[int]) -> list[digest.Event]:
    e = s.events
    rows = conn.execute(
        select(
            e.c.authority_id,
            e.c.kind,
            e.c.date,
            e.c.date_precision,
            e.c.title,
            e.c.details,
            *_source_columns(),
        )
        .join(s.sources, s.sources.c.id == e.c.source_id)
        .where(e.c.date <= until)
        .order_by(e.c.authority_id, e.c.date, e.c.id)
    )
    return [
        digest.Event(
            r.authority_id, r.kind, r.date, r.date_precision or "day", r.title, r.details, _source(r)
        )
        for r in rows
        if r.authority_id in authority_ids
    ]
