"""Plausibility warnings (``domain/plausibility``) on fixed dates: pure, no database.

The councils and dates are DOMAIN.md's: North Northamptonshire began on 1 April 2021;
Peterborough's notice of August 2023 followed a focused visit, before its inadequate judgement.
"""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.data.domain import plausibility as p
from oversight.data.domain import vocab

TODAY = dt.date(2026, 12, 7)
D = dt.date
GOOD, RI, INADEQUATE = vocab.GOOD, vocab.RI, vocab.INADEQUATE


def council(**more) -> p.Context:
    base = dict(name="Testshire", code="E10000099", existed_from=None, existed_to=None)
    return p.Context(**(base | more))


def notice(day: dt.date, precision: str = "day", level: str = vocab.IMPROVEMENT_NOTICE, **more) -> p.Fact:
    return p.Fact("intervention", day, precision, level=level, **more)


def texts(fact: p.Fact, ctx: p.Context | None) -> list[str]:
    return [w.text for w in p.warnings(fact, ctx, TODAY)]


def columns(fact: p.Fact, ctx: p.Context | None) -> list[str]:
    return [w.column for w in p.warnings(fact, ctx, TODAY)]


INADEQUATE_2020 = council(judgements=(p.Judgement(D(2020, 3, 2), INADEQUATE),))


def test_a_plausible_notice_has_no_warning():
    assert p.warnings(notice(D(2020, 6, 1)), INADEQUATE_2020, TODAY) == []


def test_a_date_in_the_future_is_warned_with_today():
    [text] = texts(notice(D(2027, 3, 1)), None)
    assert text == "The date, 1 March 2027, is in the future (today is 7 December 2026)."
    # This month, at month precision, is not in the future; next month is.
    assert texts(p.Fact("event", D(2026, 12, 1), "month"), None) == []
    [text] = texts(p.Fact("event", D(2027, 1, 1), "month"), None)
    assert "January 2027, is in the future" in text
    # An end or a publication date in the future too, each on its own column.
    fact = p.Fact("visit", D(2026, 11, 1), published=D(2026, 12, 25))
    assert columns(fact, None) == ["published"]
    assert columns(notice(D(2020, 6, 1), end=D(2027, 1, 1)), INADEQUATE_2020) == ["end_date"]


def test_an_end_before_the_start_is_warned():
    [warning] = p.warnings(notice(D(2020, 6, 1), end=D(2020, 5, 1)), INADEQUATE_2020, TODAY)
    assert warning.column == "end_date" and "before it starts" in warning.text


NORTH_NORTHANTS = council(name="North Northamptonshire", code="E06000061", existed_from=D(2021, 4, 1))


def test_a_fact_before_the_council_existed_is_warned():
    [text] = texts(p.Fact("event", D(2015, 6, 1)), NORTH_NORTHANTS)
    assert text.startswith("North Northamptonshire (E06000061) came into being on 1 April 2021")
    assert "(1 June 2015)" in text and "belongs to the council it replaced" in text
    # "2021" at year precision may mean a day after it began: no warning.
    assert texts(p.Fact("event", D(2021, 1, 1), "year"), NORTH_NORTHANTS) == []


def test_a_fact_after_the_council_ceased_is_warned():
    ended = council(name="Northamptonshire", code="E10000021", existed_to=D(2021, 3, 31))
    [text] = texts(p.Fact("event", D(2021, 6, 1)), ended)
    assert text.startswith("Northamptonshire (E10000021) ceased on 31 March 2021")


def test_an_instrument_before_the_inadequate_judgement_is_warned():
    ctx = council(judgements=(p.Judgement(D(2019, 1, 10), RI), p.Judgement(D(2024, 1, 30), INADEQUATE)))
    [warning] = p.warnings(notice(D(2023, 8, 1), "month"), ctx, TODAY)
    assert warning.column == "date"
    assert warning.text == (
        "This improvement notice (August 2023) is dated before the inadequate judgement that would "
        "cause it, published 30 January 2024."
    )


def test_a_notice_after_a_focused_visit_is_warned_but_explained():
    """DOMAIN §5: a notice may precede the judgement after a focused visit or a JTAI (Peterborough)."""
    ctx = council(
        name="Peterborough",
        judgements=(p.Judgement(D(2019, 1, 10), RI), p.Judgement(D(2024, 1, 30), INADEQUATE)),
        visits=(p.Visit("focused", D(2023, 3, 1)), p.Visit("monitoring", D(2023, 7, 1))),
    )
    [text] = texts(notice(D(2023, 8, 1), "month"), ctx)
    assert "A notice may follow a focused visit (1 March 2023)" in text
    assert "if that is what happened, it is right" in text


def test_an_instrument_a_few_weeks_before_publication_is_not_before_it():
    """The council has the report weeks before Ofsted publishes it: ``SLACK_DAYS``."""
    ctx = council(judgements=(p.Judgement(D(2020, 3, 2), INADEQUATE),))
    assert texts(notice(D(2020, 2, 10)), ctx) == []
    assert texts(notice(D(2020, 2, 1), "month"), ctx) == []  # February 2020 may mean the 29th


def test_an_instrument_for_a_council_not_judged_inadequate_is_warned():
    ctx = council(judgements=(p.Judgement(D(2017, 9, 25), GOOD),))
    [warning] = p.warnings(notice(D(2019, 12, 1), "month", level=vocab.DIRECTION), ctx, TODAY)
    assert warning.column == "level"
    assert warning.text == (
        "Testshire was not judged inadequate when this statutory direction began (December 2019): its "
        "judgement in force, published 25 September 2017, was good, and no other intervention is "
        "recorded in force."
    )
    # With no judgement in force (not yet inspected, or before the record begins), it cannot say.
    assert texts(notice(D(2012, 4, 19)), council()) == []


def test_a_predecessors_judgement_is_named_as_theirs():
    ctx = council(judgements=(p.Judgement(D(2017, 1, 5), GOOD, by="Oldshire"),))
    [text] = texts(notice(D(2022, 1, 1)), ctx)
    assert "its judgement in force (as Oldshire), published 5 January 2017, was good" in text


@pytest.mark.parametrize(
    "ctx",
    [
        # A revision or an escalation: another instrument is in force.
        council(
            judgements=(p.Judgement(D(2019, 1, 1), INADEQUATE), p.Judgement(D(2022, 6, 1), RI)),
            instruments=(p.Instrument(vocab.DIRECTION, D(2019, 3, 1), None),),
        ),
        # A notice kept or reissued within two years after the council improved.
        council(judgements=(p.Judgement(D(2015, 1, 1), INADEQUATE), p.Judgement(D(2022, 6, 1), RI))),
    ],
    ids=["instrument-in-force", "after-exit"],
)
def test_an_instrument_after_an_inadequate_spell_is_plausible(ctx):
    assert texts(notice(D(2023, 2, 1)), ctx) == []


def test_an_ended_instrument_or_a_long_past_spell_does_not_explain_a_new_one():
    ctx = council(
        judgements=(p.Judgement(D(2015, 1, 1), INADEQUATE), p.Judgement(D(2018, 6, 1), GOOD)),
        instruments=(p.Instrument(vocab.DIRECTION, D(2015, 3, 1), D(2019, 1, 1)),),
    )
    assert columns(notice(D(2023, 2, 1)), ctx) == ["level"]


def test_support_and_supervision_and_events_are_not_held_to_a_judgement():
    good = council(judgements=(p.Judgement(D(2018, 5, 21), RI),))
    assert texts(notice(D(2018, 6, 1), level=vocab.SUPPORT_AND_SUPERVISION), good) == []
    assert texts(p.Fact("event", D(2018, 6, 1), kind="board"), good) == []


def test_period_end_is_the_last_day_a_precision_allows():
    assert p.period_end(D(2024, 2, 1), "month") == D(2024, 2, 29)
    assert p.period_end(D(2024, 1, 1), "year") == D(2024, 12, 31)
    assert p.period_end(D(2024, 2, 7), "day") == D(2024, 2, 7)
    assert p.period_end(D(2024, 2, 7), "observed") == D(2024, 2, 7)
