"""Plausibility warnings for a proposed fact (``domain/plausibility``), from a tracker row.

The record form asks before it files a proposal, the review card asks for the proposal it
shows, and a bulk upload asks for each of its rows: all three give tracker columns, read here
exactly as ``edits`` reads them (``tracker_csv.parse_row`` and the importer's ``Resolver``), with
the council's context from ``store/fact_context``. A row that does not parse has no warnings:
its refusal says what is wrong. Warnings never stop anything; they are read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection, Engine

from oversight.data.domain import plausibility as rules
from oversight.data.sources.importer import Resolver
from oversight.data.sources.records import (
    EventRecord,
    InspectionRecord,
    InterventionRecord,
    Record,
    VisitRecord,
)
from oversight.data.sources.tracker_csv import COLUMNS, parse_row
from oversight.data.store import fact_context


def fact_of(rec: Record) -> rules.Fact:
    """The parts of a parsed tracker record the rules read."""
    if isinstance(rec, InterventionRecord):
        return rules.Fact(
            "intervention", rec.start_date, rec.start_precision, rec.end_date, level=rec.level, kind=rec.kind
        )
    if isinstance(rec, EventRecord):
        return rules.Fact("event", rec.date, rec.date_precision, kind=rec.kind)
    if isinstance(rec, VisitRecord):
        return rules.Fact(
            "visit", rec.visit_date, rec.date_precision, published=rec.publication_date, kind=rec.kind
        )
    assert isinstance(rec, InspectionRecord)
    return rules.Fact("inspection", rec.inspection_date, rec.date_precision, published=rec.publication_date)


def record_warnings(
    conn: Connection,
    rec: Record,
    authority_id: int | None,
    *,
    exclude_intervention: int | None = None,
    today: dt.date | None = None,
) -> list[rules.Warning]:
    """The warnings of a parsed record whose authority is resolved (None: not resolved, so only
    the rules that need no council apply)."""
    ctx = None if authority_id is None else fact_context.context(conn, authority_id, exclude_intervention)
    return rules.warnings(fact_of(rec), ctx, today or dt.date.today())


def row_warnings(
    engine: Engine,
    row: Mapping[str, object],
    *,
    fact_table: str | None = None,
    fact_id: int | None = None,
    today: dt.date | None = None,
) -> list[rules.Warning]:
    """The warnings of a tracker row (a form's, or a proposal's after-image). ``fact_table`` and
    ``fact_id``: the fact a correction changes (its own row is not "another" instrument)."""
    with engine.connect() as conn:
        return row_warnings_in(conn, row, fact_table=fact_table, fact_id=fact_id, today=today)


def row_warnings_in(
    conn: Connection,
    row: Mapping[str, object],
    *,
    fact_table: str | None = None,
    fact_id: int | None = None,
    today: dt.date | None = None,
) -> list[rules.Warning]:
    """``row_warnings`` on a connection the caller holds (a bulk upload's transaction)."""
    clean = {c: "" if row.get(c) is None else str(row.get(c)) for c in COLUMNS}
    rec, _, problems = parse_row(clean)
    if rec is None or problems:
        return []
    aid = Resolver(conn).resolve(rec.authority, rec.reference_date)
    exclude = fact_id if fact_table == "interventions" else None
    return record_warnings(
        conn, rec, aid if isinstance(aid, int) else None, exclude_intervention=exclude, today=today
    )
