"""The controlled vocabulary of the tracker: grades, inspection kinds, visit kinds, levels.

One place for the words, so importer, queries and UI agree on spelling and order.
"""

from __future__ import annotations

import re

OUTSTANDING = "Outstanding"
GOOD = "Good"
RI = "Requires improvement to be good"
INADEQUATE = "Inadequate"

#: Ofsted's four-point scale, best first (the order of the snapshot's counts).
GRADES: tuple[str, ...] = (OUTSTANDING, GOOD, RI, INADEQUATE)
GRADE_RANK = {OUTSTANDING: 1, GOOD: 2, RI: 3, INADEQUATE: 4}

_GRADE_WORDS = {
    "outstanding": OUTSTANDING,
    "good": GOOD,
    "requires improvement to be good": RI,
    "requires improvement": RI,
    "ri": RI,
    # Before Nov 2013 Ofsted said "Adequate"; its history tables recode it as RI.
    "adequate": RI,
    "inadequate": INADEQUATE,
}


def normalise_grade(value: object) -> str | None:
    """Map a published grade text to the four-point scale; None for blank or 'not judged'.

    Raises ValueError for a text that is not a grade, so a bad cell is reported, not guessed.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() in {
        "nan",
        "none",
        "-",
        "n/a",
        "na",
        "not applicable",
        "not judged",
        "x",
        ".",
    }:
        return None
    key = re.sub(r"\s+", " ", text.lower()).strip(" .")
    if key in {"1", "2", "3", "4", "1.0", "2.0", "3.0", "4.0"}:  # Ofsted's numeric scale
        return GRADES[int(float(key)) - 1]
    if key in _GRADE_WORDS:
        return _GRADE_WORDS[key]
    raise ValueError(f"not an Ofsted grade: {text!r}")


# Inspection kinds ----------------------------------------------------------------------
#: kind -> (framework, is_full, label). Full inspections set an authority's grade (DOMAIN §2).
INSPECTION_KINDS: dict[str, tuple[str, bool, str]] = {
    "slac": ("slac", False, "Safeguarding and looked after children inspection"),
    "slac_reinspection_safeguarding": ("slac", False, "SLAC re-inspection: safeguarding"),
    "slac_reinspection_cla": ("slac", False, "SLAC re-inspection: children looked after"),
    "cpi": ("cpi", False, "Child protection inspection"),
    "cpri": ("cpi", False, "Child protection re-inspection"),
    "tlac": ("tlac", False, "Inspection of services for looked after children"),
    "sif": ("sif", True, "Single inspection (SIF)"),
    "sif_reinspection": ("sif", True, "SIF re-inspection"),
    "ilacs_standard": ("ilacs", True, "ILACS standard inspection"),
    "ilacs_short": ("ilacs", True, "ILACS short inspection"),
    # A release's snapshot table gives no type; the history table's record, once merged,
    # supplies it.
    "ilacs": ("ilacs", True, "ILACS inspection"),
}

FULL_INSPECTION_KINDS = tuple(k for k, (_, full, _) in INSPECTION_KINDS.items() if full)

#: Sub-judgement areas, with the labels Ofsted uses.
AREAS: dict[str, str] = {
    "slac_safeguarding": "Safeguarding (overall effectiveness)",
    "slac_looked_after": "Looked after children (overall effectiveness)",
    "help_protection": "Children who need help and protection",
    "looked_after_permanence": "Children looked after and achieving permanence",
    "adoption": "Adoption performance",
    "care_leavers": "Experiences and progress of care leavers",
    "leadership": "Leadership, management and governance",
    "lscb": "Local safeguarding children board",
    "impact_of_leaders": "Impact of leaders on social work practice",
    "children_in_care_and_leavers": "Children in care and care leavers",
    "children_in_care": "Children in care",
}

VISIT_KINDS: dict[str, str] = {
    "monitoring": "Monitoring visit",
    "focused": "Focused visit",
    "jtai": "Joint targeted area inspection",
}

# Intervention levels (DOMAIN §5), most severe first: the map legend's order.
ALTERNATIVE_DELIVERY = "alternative_delivery"
DIRECTION_COMMISSIONER = "direction_commissioner"
DIRECTION = "direction"
IMPROVEMENT_NOTICE = "improvement_notice"
SUPPORT_AND_SUPERVISION = "support_and_supervision"
INADEQUATE_NO_INTERVENTION = "inadequate_no_intervention"
NO_INTERVENTION = "none"

LEVELS: dict[str, str] = {
    ALTERNATIVE_DELIVERY: "Alternative delivery (trust, company or another council)",
    DIRECTION_COMMISSIONER: "Statutory direction with commissioner",
    DIRECTION: "Statutory direction",
    IMPROVEMENT_NOTICE: "Improvement notice",
    INADEQUATE_NO_INTERVENTION: "Inadequate, no intervention recorded",
    NO_INTERVENTION: "No intervention",
}
#: Levels a tracker row may state. Support and supervision is recorded but is not a level
#: of the NAO legend: it follows exit from inadequate.
INTERVENTION_LEVELS = (
    ALTERNATIVE_DELIVERY,
    DIRECTION_COMMISSIONER,
    DIRECTION,
    IMPROVEMENT_NOTICE,
    SUPPORT_AND_SUPERVISION,
)

EVENT_KINDS = (
    "dcs_change",
    "board",
    "adviser_appointed",
    "commissioner_appointed",
    "commissioner_report",
    "action_plan",  # the written statement of proposed action (DOMAIN §4: due in 70 working days)
    "partner",
    "trust",
    "funding",
    "other",
)

PRECISIONS = ("day", "month", "year", "observed")
