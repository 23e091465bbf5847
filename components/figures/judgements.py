"""How a latest judgement is written wherever it appears (DOMAIN §2, the April 2026 framework).

One place for the words, so the map (hover, table, screen reader text), the authority page, the
presentation and the board pack agree: an overall grade as given; a *derived* inadequate always as
``theme.DERIVED_INADEQUATE``; a post-reform inspection that is not inadequate as "No overall grade
(2026 framework)", its own legend entry; and a post-reform inspection's four area judgements beside
it. Pre-2026 inspections keep their words (their areas are shown where they always were). Pure:
plain text out; each view escapes it for where it lands (``safe_text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from oversight.components.figures.theme import (
    AREAS_2026,
    DERIVED_INADEQUATE,
    DERIVED_KEY,
    NOT_INSPECTED,
    SHORT_JUDGEMENTS,
)
from oversight.data.domain import framework, vocab

NO_OVERALL_GRADE = framework.NO_OVERALL_GRADE


def flag(value: Any) -> bool:
    """A boolean cell (None, NaN and NA: false)."""
    if value is None or pd.isna(value):
        return False
    return bool(value)


def judgement_key(grade: Any, post_reform: Any, inspected: bool) -> str:
    """The legend entry: the overall grade, "No overall grade (2026 framework)" for a post-reform
    inspection without one, else "Not yet inspected"."""
    if isinstance(grade, str):
        return grade
    if inspected and flag(post_reform):
        return NO_OVERALL_GRADE
    return NOT_INSPECTED


def judgement_words(grade: Any, derived: Any, post_reform: Any, inspected: bool) -> str:
    """The legend entry in words, with a derived inadequate worded as derived."""
    if grade == vocab.INADEQUATE and flag(derived):
        return DERIVED_INADEQUATE
    return judgement_key(grade, post_reform, inspected)


def legend_key(grade: Any, derived: Any, post_reform: Any, inspected: bool) -> str:
    """The legend entry a map or timeline draws: as ``judgement_key``, but a derived inadequate
    has its own (hatched) entry, ``DERIVED_KEY``, so it never looks like a graded one."""
    if grade == vocab.INADEQUATE and flag(derived):
        return DERIVED_KEY
    return judgement_key(grade, post_reform, inspected)


#: The grades in an area summary, best first.
_SUMMARY_ORDER = (vocab.OUTSTANDING, vocab.GOOD, vocab.RI, vocab.INADEQUATE)


def areas_summary(areas: Mapping[str, str] | None) -> str:
    """The area judgements counted: "4 areas: 3 good, 1 requires improvement" (empty for none).

    Why: "no overall grade" holds councils whose areas are all requires improvement and ones
    mostly outstanding; a board needs to tell them apart at a glance, before the list."""
    grades = [g for _, g in ordered_areas(areas)]
    if not grades:
        return ""
    order = [g for g in _SUMMARY_ORDER if g in grades] + sorted({g for g in grades} - set(_SUMMARY_ORDER))
    counts = ", ".join(f"{grades.count(g)} {SHORT_JUDGEMENTS.get(g, g).lower()}" for g in order)
    return f"{len(grades)} area{'' if len(grades) == 1 else 's'}: {counts}"


def ordered_areas(areas: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """(words, grade) of each area judgement: the 2026 framework's four in DOMAIN §2's order, then
    any other area by its vocabulary name."""
    areas = dict(areas or {})
    out = [(AREAS_2026[k], areas.pop(k)) for k in AREAS_2026 if k in areas]
    out += [(vocab.AREAS.get(k, k), g) for k, g in sorted(areas.items())]
    return out


def areas_text(areas: Mapping[str, str] | None, short: bool = True) -> str:
    """ "Impact of leaders: Good; Help and protection: Good; …" (``short``: "Requires improvement")."""
    return "; ".join(
        f"{words}: {SHORT_JUDGEMENTS.get(g, g) if short else g}" for words, g in ordered_areas(areas)
    )
