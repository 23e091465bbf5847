"""The inputs of ``domain/plausibility`` from the store: what the record knows of one council.

Its dates (the register's, as loaded into ``authorities``), its inspections' grades, its
visits and its other interventions, in three small queries. A council that began in a merge or
split (North Northamptonshire, 2021) also gets its predecessors' judgements published before it
began, named as theirs: a trust set up on the day of the split continues their intervention.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from oversight.data.domain import plausibility as rules
from oversight.data.store import schema as s


def context(
    conn: Connection, authority_id: int, exclude_intervention: int | None = None
) -> rules.Context | None:
    """The council's ``Context``; ``exclude_intervention``: the fact being corrected, which is
    not "another" instrument. None if there is no such authority."""
    a = s.authorities
    row = conn.execute(select(a).where(a.c.id == authority_id)).mappings().first()
    if row is None:
        return None
    links = s.authority_links
    predecessors = conn.execute(
        select(a.c.id, a.c.name, links.c.date)
        .join(links, links.c.predecessor_id == a.c.id)
        .where(links.c.successor_id == authority_id)
    ).all()
    judgements = _judgements(conn, authority_id, None, "")
    for pred_id, pred_name, since in predecessors:
        judgements += _judgements(conn, pred_id, since, pred_name)
    v = s.visits
    day = func.coalesce(v.c.visit_date, v.c.publication_date)
    visits = tuple(
        rules.Visit(kind, when)
        for kind, when in conn.execute(
            select(v.c.kind, day).where(v.c.authority_id == authority_id, day.is_not(None))
        )
    )
    iv = s.interventions
    where = [iv.c.authority_id == authority_id]
    if exclude_intervention is not None:
        where.append(iv.c.id != exclude_intervention)
    instruments = tuple(
        rules.Instrument(level, start, end)
        for level, start, end in conn.execute(
            select(iv.c.level, iv.c.start_date, iv.c.end_date).where(*where)
        )
    )
    return rules.Context(
        name=row["name"],
        code=row["code"],
        existed_from=row["existed_from"],
        existed_to=row["existed_to"],
        judgements=judgements,
        visits=visits,
        instruments=instruments,
    )


def _judgements(conn: Connection, authority_id: int, before, by: str) -> tuple[rules.Judgement, ...]:
    """Inspections' overall grades by publication (``before``: only those published earlier). An
    older, graded inspection (a 2012 safeguarding inspection judged inadequate) counts: it is
    what the instruments of 2012-13 followed, before the single inspection framework."""
    i = s.inspections
    where = [
        i.c.authority_id == authority_id,
        i.c.publication_date.is_not(None),
        i.c.overall_effectiveness.is_not(None),
    ]
    if before is not None:
        where.append(i.c.publication_date < before)
    stmt = select(i.c.publication_date, i.c.overall_effectiveness).where(*where)
    return tuple(rules.Judgement(published, grade, by) for published, grade in conn.execute(stmt))
