"""The swimmer chart draws every spell, including one that ended at a 2026-framework inspection
with no overall grade (DOMAIN §2): a bar per spell, whatever its exit."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from oversight.components.figures.survival import swimmer_figure
from oversight.data.domain import vocab
from oversight.data.domain.framework import NO_OVERALL_GRADE


def test_every_exit_grade_has_a_bar():
    d = dt.date
    frame = pd.DataFrame(
        {
            "code": ["E1", "E2", "E3"],
            "name": ["Alpha", "Beta", "Gamma"],
            "start": [d(2019, 1, 1), d(2021, 1, 1), d(2023, 5, 25)],
            "end": [d(2021, 6, 1), None, d(2026, 7, 7)],
            "months": [29.0, 60.0, 37.4],
            "months_exact": [29.0, 60.0, 37.4],
            "exit_grade": [vocab.RI, None, NO_OVERALL_GRADE],
            "open": [False, True, False],
            "censored_at": [None, d(2026, 8, 20), None],
            "visits": [[], [], []],
        }
    )
    fig = swimmer_figure(frame, None, d(2026, 8, 20))
    drawn = sum(len(t.y) for t in fig.data if t.type == "bar")
    assert drawn == 3
    assert any(NO_OVERALL_GRADE in t.name for t in fig.data if t.type == "bar")
