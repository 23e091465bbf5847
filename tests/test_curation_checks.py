"""Plausibility warnings from the store (``store/fact_context``, ``curation/checks``) on SQLite
and PostgreSQL, with Ofsted's 2022-2025 releases loaded: the record as the rules see it.

North Northamptonshire (E06000061) began on 1 April 2021, its predecessor Northamptonshire
judged inadequate in 2019; Peterborough (E06000031) had a notice in August 2023 after a focused
visit, before its inadequate judgement published 30 January 2024 (DOMAIN §5).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from oversight.data.curation import checks
from oversight.data.store import fact_context
from oversight.data.store import schema as s

TODAY = dt.date(2026, 12, 7)
PETERBOROUGH = "E06000031"
NORTH_NORTHANTS = "E06000061"


def _row(code: str, day: str, level: str = "improvement_notice", **more: str) -> dict[str, str]:
    return {
        "record": "intervention",
        "authority_code": code,
        "date": day,
        "level": level,
        "source_url": "https://www.example.org/notice",
        "source_title": "Improvement notice",
        **more,
    }


def _authority_id(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(s.authorities.c.id).where(s.authorities.c.code == code)).scalar_one()


def test_the_context_has_the_registers_dates_and_a_predecessors_judgements(loaded_engine):
    with loaded_engine.connect() as conn:
        ctx = fact_context.context(conn, _authority_id(loaded_engine, NORTH_NORTHANTS))
        assert fact_context.context(conn, 10**6) is None
    assert (ctx.name, ctx.code, ctx.existed_from, ctx.existed_to) == (
        "North Northamptonshire",
        NORTH_NORTHANTS,
        dt.date(2021, 4, 1),
        None,
    )
    theirs = {(j.published, j.grade) for j in ctx.judgements if j.by == "Northamptonshire"}
    assert (dt.date(2019, 7, 29), "Inadequate") in theirs
    assert all(j.published < dt.date(2021, 4, 1) for j in ctx.judgements if j.by)
    assert any(not j.by and j.published > dt.date(2021, 4, 1) for j in ctx.judgements)


def test_a_notice_for_north_northamptonshire_in_2015_is_warned(loaded_engine):
    [warning] = checks.row_warnings(loaded_engine, _row(NORTH_NORTHANTS, "2015-03-01"), today=TODAY)
    assert warning.column == "date"
    assert warning.text.startswith("North Northamptonshire (E06000061) came into being on 1 April 2021")


def test_a_future_start_is_warned_and_a_plausible_one_is_not(loaded_engine):
    [warning] = checks.row_warnings(loaded_engine, _row("E10000008", "2027-01-15"), today=TODAY)
    assert warning.text == "The date, 15 January 2027, is in the future (today is 7 December 2026)."
    # Devon, judged inadequate in March 2020: a notice in 2021 is what one expects.
    assert checks.row_warnings(loaded_engine, _row("E10000008", "2021-04-01"), today=TODAY) == []


def test_a_correction_is_checked_without_its_own_fact(loaded_engine):
    """Peterborough's recorded notice is "another instrument in force" for a new one, but not for
    itself: corrected, it is checked against the judgements, and the focused visit is named."""
    row = _row(PETERBOROUGH, "2023-08", date_precision="month")
    assert checks.row_warnings(loaded_engine, row, today=TODAY) == []
    t = s.interventions
    with loaded_engine.connect() as conn:
        fact_id = conn.execute(
            select(t.c.id).where(t.c.authority_id == _authority_id(loaded_engine, PETERBOROUGH))
        ).scalar_one()
    [warning] = checks.row_warnings(
        loaded_engine, row, fact_table="interventions", fact_id=fact_id, today=TODAY
    )
    assert (
        "dated before the inadequate judgement that would cause it, published 30 January 2024" in warning.text
    )
    assert "A notice may follow a focused visit" in warning.text


def test_a_row_that_does_not_parse_has_no_warning_its_refusal_says_why(loaded_engine):
    assert checks.row_warnings(loaded_engine, _row("E10000008", "not a date"), today=TODAY) == []
    # An unknown council is the refusal's to say; the rules that need no council still apply.
    [warning] = checks.row_warnings(loaded_engine, _row("E99999999", "2027-01-01"), today=TODAY)
    assert "in the future" in warning.text
