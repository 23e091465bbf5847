"""Pathways after inadequate as a plotly Sankey: framework → intervention track → next full judgement.

Pure (no Streamlit): the exit page draws it beside the same numbers as a table, because a Sankey
alone is unreadable to many. Labels and the scope pass through ``safe_text.html``: plotly reads
HTML in them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from oversight.components.figures import theme as p
from oversight.components.figures.safe_text import html as h
from oversight.components.figures.theme import JUDGEMENT_COLOURS, LEVEL_COLOURS, long_date
from oversight.data.domain import pathways, vocab
from oversight.data.domain.framework import NO_OVERALL_GRADE

SOURCE_LINE = "Sources: Ofsted releases (judgements) and the tracker (interventions). OGL v3.0."


def _node_colour(label: str) -> str:
    by_label = {
        **{v: p.DARK_GREY for v in pathways.FRAMEWORKS.values()},
        **{v: LEVEL_COLOURS.get(k, p.LIGHT_PURPLE) for k, v in pathways.TRACKS.items()},
        pathways.TRACKS["none recorded"]: LEVEL_COLOURS[vocab.INADEQUATE_NO_INTERVENTION],
        pathways.AGAIN: JUDGEMENT_COLOURS[vocab.INADEQUATE],
        "Requires improvement": JUDGEMENT_COLOURS[vocab.RI],
        "Good": JUDGEMENT_COLOURS[vocab.GOOD],
        "Outstanding": JUDGEMENT_COLOURS[vocab.OUTSTANDING],
        NO_OVERALL_GRADE: p.NO_OVERALL_GRADE_COLOUR,
        pathways.NOT_YET: p.OUTSIDE_LINE,
    }
    return by_label.get(label, p.LIGHT_PURPLE)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def sankey_figure(path_rows: pd.DataFrame, scope: str, data_as_at: dt.date) -> go.Figure:
    """Nodes are labelled with their counts, so the numbers never depend on band widths."""
    counts = pathways.stage_counts(path_rows)  # nodes in display order, with their totals
    nodes = list(zip(counts["Stage"], counts["Node"], strict=True))
    totals = dict(zip(nodes, counts["Spells"], strict=True))
    index = {node: i for i, node in enumerate(nodes)}
    source, target, value, colour = [], [], [], []
    for band in pathways.links(path_rows):
        left, right = pathways.STAGES[band.stage], pathways.STAGES[band.stage + 1]
        source.append(index[(left, band.source)])
        target.append(index[(right, band.target)])
        value.append(band.count)
        colour.append(_rgba(_node_colour(band.target), 0.35))
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": [f"{h(label)} ({totals[(stage, label)]})" for stage, label in nodes],
                "color": [_node_colour(label) for _, label in nodes],
                "line": {"color": p.TEXT, "width": 0.5},
                "pad": 18,
                "thickness": 18,
                "hovertemplate": "%{label}<extra></extra>",
            },
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": colour,
                "hovertemplate": "%{source.label} → %{target.label}: %{value} spells<extra></extra>",
            },
            textfont={"size": 13, "color": p.TEXT},
        ),
        layout={"template": p.PLOTLY_TEMPLATE},
    )
    for x, stage in zip((0.0, 0.5, 1.0), pathways.STAGES, strict=True):
        fig.add_annotation(
            text=f"<b>{stage}</b>",
            x=x,
            y=1.0,
            xref="paper",
            yref="paper",
            xanchor={0.0: "left", 0.5: "center", 1.0: "right"}[x],
            yanchor="bottom",
            showarrow=False,
            font={"size": 13, "color": p.TEXT},
        )
    fig.update_layout(
        title={
            "text": f"Where {len(path_rows)} inadequate spells went, {h(scope)}, data to {long_date(data_as_at)}",
            "x": 0,
            "font": {"size": 16},
        },
        height=520,
        margin={"l": 10, "r": 10, "t": 80, "b": 40},
        paper_bgcolor="white",
        font={"color": p.TEXT},
    )
    fig.add_annotation(
        text=SOURCE_LINE,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-12,  # pixels under the bands, whatever the figure's height
        yanchor="top",
        showarrow=False,
        font={"size": 12, "color": p.DARK_GREY},
    )
    return fig


def pathway_list(path_rows: pd.DataFrame) -> list[tuple[str, list[tuple[str, int, list[tuple[str, int]]]]]]:
    """The Sankey as a list for a phone, where its labels pile on each other: per stage, each
    group with its count and where its spells went next (largest first), in the chart's order.

    ``[(stage, [(group, spells, [(next group, spells), ...]), ...]), ...]``; plain text, which
    the page escapes."""
    counts = pathways.stage_counts(path_rows)
    onward: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for band in pathways.links(path_rows):
        onward.setdefault((band.stage, band.source), []).append((band.target, band.count))
    out = []
    for i, stage in enumerate(pathways.STAGES):
        rows = counts[counts["Stage"] == stage]
        out.append(
            (
                stage,
                [
                    (node, int(n), sorted(onward.get((i, node), []), key=lambda t: -t[1]))
                    for node, n in zip(rows["Node"], rows["Spells"], strict=True)
                ],
            )
        )
    return out
