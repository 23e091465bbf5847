"""The April 2026 framework (DOMAIN §2): derived inadequate from practice judgements only."""

from __future__ import annotations

import datetime as dt

from oversight.data.domain import framework, vocab
from oversight.data.domain.spells import Judgement, spells_of

BAD, G, RI = vocab.INADEQUATE, vocab.GOOD, vocab.RI


def test_an_inadequate_practice_judgement_makes_it_inadequate():
    for area in ("help_protection", "children_in_care", "care_leavers"):
        assert framework.derived_overall({"impact_of_leaders": G, area: BAD}) == BAD


def test_leadership_alone_inadequate_is_not_inadequate():
    judgements = {"impact_of_leaders": BAD, "help_protection": RI, "children_in_care": G, "care_leavers": G}
    assert framework.derived_overall(judgements) is None
    assert framework.overall_for("ilacs_standard", None, judgements, no_overall_given=True) == (None, False)


def test_only_a_stated_missing_grade_is_derived():
    judgements = {"help_protection": BAD}
    assert framework.overall_for("ilacs_standard", None, judgements, no_overall_given=True) == (BAD, True)
    # An unreadable overall grade stays unknown; a given one is kept; a visit-like kind derives nothing.
    assert framework.overall_for("ilacs_standard", None, judgements, no_overall_given=False) == (None, False)
    assert framework.overall_for("ilacs_standard", RI, judgements, no_overall_given=True) == (RI, False)
    assert framework.overall_for("slac", None, judgements, no_overall_given=True) == (None, False)


def test_reform_date():
    assert framework.is_post_reform(dt.date(2026, 4, 1), None)
    assert not framework.is_post_reform(dt.date(2026, 3, 30), dt.date(2026, 5, 20))
    assert framework.is_post_reform(None, dt.date(2026, 5, 20))
    assert not framework.is_post_reform(None, None)


def test_no_overall_grade_ends_a_spell():
    d = dt.date
    spells = spells_of(
        [Judgement(d(2023, 5, 10), BAD), Judgement(d(2026, 8, 4), framework.NO_OVERALL_GRADE)], d(2026, 8, 31)
    )
    assert [(s.start, s.end, s.exit_grade) for s in spells] == [
        (d(2023, 5, 10), d(2026, 8, 4), framework.NO_OVERALL_GRADE)
    ]
