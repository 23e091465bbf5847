"""The April 2026 ILACS framework (DOMAIN §2): no overall grade, and when one is derived.

From 1 April 2026 Ofsted gives no overall effectiveness grade. Until a published rule says
otherwise an inspection counts as inadequate when any of the three *practice* judgements
(help and protection, children in care, care leavers) is inadequate: in Ofsted's 2018-2025
history that rule reproduces the overall grade in 270 of 271 inspections, while leadership
alone inadequate gave "requires improvement" in 4 of 5. Nothing finer is derived: a
post-reform inspection that is not inadequate has *no overall grade*. One place for the
rule, so the release parser, the scrape parser, the snapshot and the spells agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from oversight.data.domain import vocab

#: The first day of the framework without an overall grade.
REFORM_DATE = dt.date(2026, 4, 1)

#: The practice judgements whose inadequacy makes the inspection inadequate. Leadership
#: ("impact of leaders") is not one of them. "children_in_care_and_leavers" is the combined
#: judgement Ofsted gave before January 2023.
PRACTICE_AREAS: frozenset[str] = frozenset(
    {"help_protection", "children_in_care", "care_leavers", "children_in_care_and_leavers"}
)

#: How a spell's exit and a timeline name a post-reform inspection that is not inadequate.
NO_OVERALL_GRADE = "No overall grade (2026 framework)"


def derived_overall(judgements: Mapping[str, str]) -> str | None:
    """Inadequate if a practice judgement is inadequate, else None (no overall grade)."""
    if any(judgements.get(area) == vocab.INADEQUATE for area in PRACTICE_AREAS):
        return vocab.INADEQUATE
    return None


def is_post_reform(inspection_date: dt.date | None, publication_date: dt.date | None) -> bool:
    """Whether an inspection falls under the 2026 framework: it started on or after 1 April
    2026 (its publication date when the start is not known)."""
    day = inspection_date or publication_date
    return day is not None and day >= REFORM_DATE


def overall_for(
    kind: str,
    overall: str | None,
    judgements: Mapping[str, str],
    *,
    no_overall_given: bool,
) -> tuple[str | None, bool]:
    """The overall grade to store and whether it is derived.

    ``no_overall_given`` says the source states that no overall grade was given (a post-reform
    report), not that it was unreadable: only then is one derived, and only for a full
    inspection. An unknown overall grade stays unknown (None, not derived).
    """
    _, is_full, _ = vocab.INSPECTION_KINDS[kind]
    if overall is None and no_overall_given and is_full:
        derived = derived_overall(judgements)
        return derived, derived is not None
    return overall, False
