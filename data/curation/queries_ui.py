"""Reads the app needs from the curation tables: one query per run for the cache key.

Read-only. ``versions`` puts ``queries.data_version`` (the newest import run) and
``history.facts_version`` (the newest applied change) in one connection, so the UI's caches see
an approved proposal, a revert and an import on the next rerun without a second round trip.
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from oversight.data.curation import ledger
from oversight.data.store import schema as s


def versions(engine: Engine) -> tuple[int, int]:
    """(newest import run id, newest ``applied`` review id): both grow, never shrink."""
    runs = select(func.coalesce(func.max(s.import_runs.c.id), 0)).scalar_subquery()
    applied = (
        select(func.coalesce(func.max(s.reviews.c.id), 0))
        .where(s.reviews.c.decision == ledger.APPLIED)
        .scalar_subquery()
    )
    with engine.connect() as conn:
        row = conn.execute(select(runs, applied)).one()
    return int(row[0]), int(row[1])
