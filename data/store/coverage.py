"""What the data could show: the span Ofsted's lists of monitoring visits cover, and where its
releases' judgements end.

A tracker records visits one by one, where someone wrote them down; an Ofsted release lists every
monitoring visit of its years (the in-year sheets, from April 2021 in the shared releases). So
"no monitoring visit recorded" is evidence only inside that span: the digest's clocks and the
timeline's overdue marks say so outside it rather than implying that no visit came.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from oversight.data.store import schema as s

#: Sources that record facts one by one (the seed tracker, the tracker, people's edits), not lists.
RECORDED_BY_HAND = ("seed", "tracker")

#: The first and last monitoring visits of the sources that list them all.
Listed = tuple[dt.date, dt.date]


def monitoring_listed(conn: Connection) -> Listed | None:
    """The first and last monitoring visits in sources that list them all (None: no such source)."""
    v = s.visits
    first, last = conn.execute(
        select(func.min(v.c.visit_date), func.max(v.c.visit_date))
        .join(s.sources, s.sources.c.id == v.c.source_id)
        .where(v.c.kind == "monitoring", s.sources.c.kind.not_in(RECORDED_BY_HAND))
    ).one()
    return (first, last) if first is not None and last is not None else None


def judgements_to(conn: Connection) -> dt.date | None:
    """The newest publication of a judgement in Ofsted's releases (not a tracker's): a
    re-inspection due after it cannot be in the data yet (issue 22's "not in the data")."""
    i = s.inspections
    return conn.execute(
        select(func.max(i.c.publication_date))
        .join(s.sources, s.sources.c.id == i.c.source_id)
        .where(s.sources.c.kind.not_in(RECORDED_BY_HAND))
    ).scalar()
