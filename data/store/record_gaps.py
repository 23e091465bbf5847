"""The inputs of ``domain/gaps`` from the store: spells, instruments, events, Ofsted's reports.

A few queries, then the pure rules; what the Tracker page's "Gaps in the record" and
``oversight tracker gaps`` show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, Engine, Row, select

from oversight.data.domain import gaps as rules
from oversight.data.domain import links
from oversight.data.store import fact_sources, queries
from oversight.data.store import schema as s


def _day(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, dt.date) else None


def record_gaps(engine: Engine, today: dt.date | None = None) -> list[rules.Gap]:
    """Every gap in the record as of ``today`` (default: the real today)."""
    today = today or dt.date.today()
    spells = [
        rules.SpellRow(r.code, r.name, _day(r.start), None if r.open else _day(r.end))  # type: ignore[arg-type]
        for r in queries.inadequate_spells(engine).itertuples()
    ]
    a, iv, ev, src, i = s.authorities, s.interventions, s.events, s.sources, s.inspections
    with engine.connect() as conn:
        iv_rows = conn.execute(
            select(
                iv.c.id,
                a.c.code,
                a.c.name,
                iv.c.level,
                iv.c.start_date,
                iv.c.start_precision,
                iv.c.end_date,
                iv.c.title,
                src.c.url,
            )
            .join(a, a.c.id == iv.c.authority_id)
            .join(src, src.c.id == iv.c.source_id)
            .where(iv.c.level.in_(rules.INSTRUMENT_LEVELS))
        ).all()
        iv_links = _linked(conn, "interventions", iv_rows)
        instruments = [
            rules.InstrumentRow(
                r.code, r.name, r.level, r.start_date, r.start_precision, r.end_date, r.title, iv_links[r.id]
            )
            for r in iv_rows
        ]
        ev_rows = conn.execute(
            select(ev.c.id, a.c.code, a.c.name, ev.c.kind, ev.c.date, ev.c.title, src.c.url)
            .join(a, a.c.id == ev.c.authority_id)
            .join(src, src.c.id == ev.c.source_id)
        ).all()
        ev_links = _linked(conn, "events", ev_rows)
        events = [rules.EventRow(r.code, r.name, r.kind, r.date, r.title, ev_links[r.id]) for r in ev_rows]
        reports = [
            rules.ReportRow(r.code, r.name, r.kind, r.publication_date)
            for r in conn.execute(
                select(a.c.code, a.c.name, i.c.kind, i.c.publication_date)
                .join(a, a.c.id == i.c.authority_id)
                .where(i.c.publication_date.is_not(None), i.c.publication_estimated.is_(False))
            )
        ]
    return rules.record_gaps(spells, instruments, events, reports, today)


def _linked(conn: Connection, table: str, rows: Sequence[Row]) -> dict[int, str | None]:
    """fact id -> a web link among its sources: its primary's, else its first other source's
    that has one (a fact with several sources lacks a link only if none has one)."""
    out = {r.id: r.url for r in rows}
    unlinked = [fid for fid, url in out.items() if not (url and links.is_web_link(url))]
    for fid, found in fact_sources.sources_of(conn, table, unlinked).items():
        url = next((x["url"] for x in found if x["url"] and links.is_web_link(x["url"])), None)
        if url is not None:
            out[fid] = url
    return out
