"""Where the data's layers end, for clocks that say "not in the data" rather than "overdue"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from oversight.data.store import coverage, story
from oversight.data.store import schema as s


def test_judgements_end_at_the_newest_release_publication(loaded_engine):
    """Ofsted's releases (the 2025 release: to May 2025) end the judgements layer, not a tracker's rows."""
    with loaded_engine.connect() as conn:
        got = coverage.judgements_to(conn)
        newest = conn.execute(select(func.max(s.inspections.c.publication_date))).scalar()
    assert isinstance(got, dt.date) and dt.date(2025, 1, 1) <= got <= dt.date(2025, 12, 31)
    assert got <= newest
    # Every story carries it, so a re-inspection due after it is "not in the data".
    assert story.authority_story(loaded_engine, "E08000009").judgements_to == got


def test_a_database_without_a_release_has_no_judgements_end(fresh_engine):
    with fresh_engine.connect() as conn:
        assert coverage.judgements_to(conn) is None
