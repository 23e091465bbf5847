"""The pathways after inadequate as a list for a phone, and a chart title as page text."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from oversight.components.figures.pathways import pathway_list, sankey_figure
from oversight.components.widgets.charts import title_text
from oversight.data.domain import pathways

S0, S1, S2 = pathways.STAGES


def _rows(*paths: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": [f"E0{i}" for i in range(len(paths))],
            "name": [f"Council {i}" for i in range(len(paths))],
            "start": [dt.date(2016, 1, 1)] * len(paths),
            S0: [p[0] for p in paths],
            S1: [p[1] for p in paths],
            S2: [p[2] for p in paths],
        }
    )


def test_the_list_carries_every_count_and_where_each_group_went_next():
    rows = _rows(
        ("SIF inadequate", "Improvement notice", "Good"),
        ("SIF inadequate", "Improvement notice", "Requires improvement"),
        ("SIF inadequate", "Statutory direction", "Requires improvement"),
        ("ILACS inadequate", "Statutory direction", "Not yet re-inspected"),
    )
    listed = pathway_list(rows)
    assert [stage for stage, _ in listed] == list(pathways.STAGES)
    first = dict((g, (n, onward)) for g, n, onward in listed[0][1])
    assert first["SIF inadequate"] == (3, [("Improvement notice", 2), ("Statutory direction", 1)])
    assert first["ILACS inadequate"] == (1, [("Statutory direction", 1)])
    last = {g: (n, onward) for g, n, onward in listed[2][1]}
    assert last["Requires improvement"] == (2, []) and sum(n for n, _ in last.values()) == 4
    # The same numbers as the Sankey's node labels.
    labels = sankey_figure(rows, "England", dt.date(2025, 5, 14)).data[0].node.label
    for _, groups in listed:
        for group, n, _ in groups:
            assert f"{group} ({n})" in labels


def test_a_chart_title_as_page_text_has_no_markup():
    assert title_text("<b>Where</b> 4 spells went,<br>Barking &amp; Dagenham") == (
        "Where 4 spells went, Barking & Dagenham"
    )
    assert title_text(None) == ""
