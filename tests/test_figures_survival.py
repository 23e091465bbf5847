"""The swimmer chart draws every spell, including one that ended at a 2026-framework inspection
with no overall grade (DOMAIN §2): a bar per spell, whatever its exit."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from oversight.components.figures import theme
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


def test_a_ceased_councils_spell_is_closed_and_marked_ceased():
    """Northamptonshire's spell ends with the council (31 March 2021): a dark grey bar of its own
    legend entry, "ceased" at its end, no "continues" arrow; an open spell keeps its arrow."""
    d = dt.date
    frame = pd.DataFrame(
        {
            "code": ["E10000021", "E08000012"],
            "name": ["Northamptonshire", "Liverpool"],
            "start": [d(2019, 7, 29), d(2023, 5, 25)],
            "end": [None, None],
            "months_exact": [20.1, 42.4],
            "exit_grade": [None, None],
            "open": [True, True],
            "ceased": [True, False],
            "censored_at": [d(2021, 3, 31), d(2026, 12, 6)],
            "visits": [[], []],
        }
    )
    fig = swimmer_figure(frame, None, d(2026, 12, 6))
    bars = {t.name: t for t in fig.data if t.type == "bar"}
    ceased = bars["Council ceased (spell closed at its end)"]
    assert list(ceased.y) == ["Northamptonshire (2019)"] and list(ceased.x) == [20.1]
    assert ceased.marker.color == theme.DARK_GREY
    assert list(bars["Still inadequate (open, →)"].y) == ["Liverpool (2023)"]
    (arrows,) = [t for t in fig.data if t.name == "Open: continues"]
    assert list(arrows.y) == ["Liverpool (2023)"]
    (mark,) = [t for t in fig.data if t.type == "scatter" and t.mode == "text"]
    assert list(mark.y) == ["Northamptonshire (2019)"] and list(mark.text) == [" ceased 31 March 2021"]
