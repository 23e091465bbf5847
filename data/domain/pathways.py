"""Pathways out of inadequate: where each spell went, counted in the NAO flowchart's tracks.

One spell is one path through three stages: the framework of the inadequate judgement that
started it, the most severe intervention level reached while it lasted (the NAO track), and
the *next* full judgement after that inadequate one (inadequate again, requires improvement,
good, outstanding, or not yet re-inspected by the data's date). Counting spells rather than
judgements keeps the totals equal to the Kaplan–Meier page's "n spells", so a board sees the
same number in every chart. Pure functions: no database, no Streamlit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from oversight.data.domain import vocab

FRAMEWORKS = {"sif": "SIF inadequate", "ilacs": "ILACS inadequate"}
TRACKS = {
    vocab.IMPROVEMENT_NOTICE: "Improvement notice",
    vocab.DIRECTION: "Statutory direction",
    vocab.DIRECTION_COMMISSIONER: "Direction with commissioner",
    vocab.ALTERNATIVE_DELIVERY: "Alternative delivery",
    "none recorded": "No intervention recorded",
}
AGAIN = "Inadequate again"
NOT_YET = "Not yet re-inspected"
NEXT = {
    AGAIN: AGAIN,
    vocab.RI: "Requires improvement",
    vocab.GOOD: "Good",
    vocab.OUTSTANDING: "Outstanding",
    NOT_YET: NOT_YET,
}
STAGES = ("Inadequate judgement", "Intervention track reached", "Next full judgement")
#: Display order of every node label: frameworks, then tracks by severity, then judgements.
_ORDER = {label: i for i, label in enumerate([*FRAMEWORKS.values(), *TRACKS.values(), *NEXT.values()])}


@dataclass(frozen=True)
class Link:
    """A band of the Sankey: ``count`` spells went from ``source`` to ``target``."""

    source: str
    target: str
    count: int
    stage: int = 0  # index in STAGES of the source's stage


def next_judgement(inadequate_judgements: int, is_open: bool, exit_grade: str | None) -> str:
    """The full judgement after the inadequate one that started a spell.

    A spell with two or more inadequate judgements was judged inadequate again next; an ended
    spell with one was next judged at its exit grade; an open spell with one has not been
    re-inspected yet (by the data's date)."""
    if inadequate_judgements > 1:
        return AGAIN
    if is_open or not exit_grade:
        return NOT_YET
    return exit_grade


def paths(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per spell with its three stages as labels: the table beside the Sankey."""
    if frame.empty:
        return pd.DataFrame(columns=["code", "name", "start", *STAGES])
    return pd.DataFrame(
        {
            "code": frame["code"],
            "name": frame["name"],
            "start": frame["start"],
            STAGES[0]: frame["framework"].map(lambda f: FRAMEWORKS.get(f, f"{f} inadequate")),
            STAGES[1]: frame["level_reached"].map(lambda lv: TRACKS.get(lv, str(lv))),
            STAGES[2]: [
                NEXT.get(n, n)
                for n in (
                    next_judgement(int(k), bool(o), e)
                    for k, o, e in zip(
                        frame["inadequate_judgements"], frame["open"], frame["exit_grade"], strict=True
                    )
                )
            ],
        }
    ).reset_index(drop=True)


def links(path_rows: pd.DataFrame) -> list[Link]:
    """Bands between adjacent stages, in the stages' display order (then by size)."""
    result: list[Link] = []
    for stage, (left, right) in enumerate(zip(STAGES, STAGES[1:], strict=False)):
        counts = Counter(zip(path_rows[left], path_rows[right], strict=True))
        for (a, b), n in sorted(
            counts.items(), key=lambda kv: (_ORDER.get(kv[0][0], 99), _ORDER.get(kv[0][1], 99))
        ):
            result.append(Link(a, b, n, stage))
    return result


def stage_counts(path_rows: pd.DataFrame) -> pd.DataFrame:
    """How many spells sit at each node of each stage: the table that carries the Sankey's
    numbers for anyone who cannot read the bands."""
    rows = []
    for stage in STAGES:
        for label, n in path_rows[stage].value_counts().items():
            rows.append({"Stage": stage, "Node": label, "Spells": int(n)})
    table = pd.DataFrame(rows, columns=["Stage", "Node", "Spells"])
    if table.empty:
        return table
    table["_s"] = table["Stage"].map(STAGES.index)
    table["_n"] = table["Node"].map(lambda x: _ORDER.get(x, 99))
    return table.sort_values(["_s", "_n"]).drop(columns=["_s", "_n"]).reset_index(drop=True)
