"""Pathways after inadequate, on a hand-made set of spells whose answer is known."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from oversight.data.domain import pathways, vocab


def _spells() -> pd.DataFrame:
    rows = [
        # code, framework, level reached, inadequate judgements, open, exit grade
        ("A", "sif", vocab.IMPROVEMENT_NOTICE, 1, False, vocab.RI),
        ("B", "sif", vocab.DIRECTION_COMMISSIONER, 2, False, vocab.GOOD),
        ("C", "sif", vocab.ALTERNATIVE_DELIVERY, 1, False, vocab.GOOD),
        ("D", "ilacs", vocab.IMPROVEMENT_NOTICE, 1, True, None),
        ("E", "ilacs", "none recorded", 1, False, vocab.RI),
        ("F", "ilacs", vocab.IMPROVEMENT_NOTICE, 1, False, vocab.RI),
    ]
    return pd.DataFrame(
        [
            {
                "code": c,
                "name": f"Authority {c}",
                "start": dt.date(2019, 1, 1),
                "framework": f,
                "level_reached": lv,
                "inadequate_judgements": k,
                "open": o,
                "exit_grade": e,
            }
            for c, f, lv, k, o, e in rows
        ]
    )


def test_next_judgement_rules():
    assert pathways.next_judgement(2, False, vocab.GOOD) == pathways.AGAIN
    assert pathways.next_judgement(3, True, None) == pathways.AGAIN
    assert pathways.next_judgement(1, True, None) == pathways.NOT_YET
    assert pathways.next_judgement(1, False, vocab.OUTSTANDING) == vocab.OUTSTANDING


def test_paths_and_links_count_each_spell_once():
    rows = pathways.paths(_spells())
    assert rows.set_index("code")[pathways.STAGES[2]].to_dict() == {
        "A": "Requires improvement",
        "B": "Inadequate again",
        "C": "Good",
        "D": "Not yet re-inspected",
        "E": "Requires improvement",
        "F": "Requires improvement",
    }
    bands = {(b.source, b.target): b.count for b in pathways.links(rows)}
    assert bands[("SIF inadequate", "Improvement notice")] == 1
    assert bands[("ILACS inadequate", "Improvement notice")] == 2
    assert bands[("Improvement notice", "Requires improvement")] == 2
    assert bands[("Improvement notice", "Not yet re-inspected")] == 1
    assert bands[("No intervention recorded", "Requires improvement")] == 1
    assert sum(n for (a, _), n in bands.items() if a in pathways.FRAMEWORKS.values()) == 6
    assert sum(n for (a, _), n in bands.items() if a in pathways.TRACKS.values()) == 6


def test_stage_counts_in_display_order():
    counts = pathways.stage_counts(pathways.paths(_spells()))
    tracks = counts[counts["Stage"] == pathways.STAGES[1]]
    assert tracks["Node"].tolist() == [
        "Improvement notice",
        "Direction with commissioner",
        "Alternative delivery",
        "No intervention recorded",
    ]
    assert tracks["Spells"].tolist() == [3, 1, 1, 1]


def test_empty_selection_has_no_paths():
    empty = pathways.paths(_spells().iloc[0:0])
    assert empty.empty and pathways.links(empty) == [] and pathways.stage_counts(empty).empty
