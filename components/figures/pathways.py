"""Pathways after inadequate: a Sankey of framework → intervention track → next full judgement,
with the same numbers as a table (a Sankey alone is unreadable to many). Owns ``exit_path*`` keys.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from oversight.components.figures import theme as p
from oversight.components.figures.maps import JUDGEMENT_COLOURS, LEVEL_COLOURS
from oversight.components.figures.theme import long_date
from oversight.components.widgets.tables import download_csv
from oversight.data.domain import pathways, vocab

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
        pathways.NOT_YET: "#BFBFBF",
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
                "label": [f"{label} ({totals[(stage, label)]})" for stage, label in nodes],
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
        )
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
            "text": f"Where {len(path_rows)} inadequate spells went, {scope}, data to {long_date(data_as_at)}",
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
        y=-0.08,
        yanchor="top",
        showarrow=False,
        font={"size": 11, "color": p.DARK_GREY},
    )
    return fig


def render(chosen: pd.DataFrame, scope: str, data_as_at: dt.date, region: str | None) -> None:
    """The pathways section of the exit page for the spells already filtered there."""
    st.markdown("### Pathways after inadequate")
    st.markdown(
        "Each band is a group of spells: the framework of the inadequate judgement, the most severe "
        "intervention recorded while it lasted (the NAO flowchart's tracks), and the next full judgement. "
        "'Not yet re-inspected' spells are still open at the data's date."
    )
    path_rows = pathways.paths(chosen)
    st.plotly_chart(
        sankey_figure(path_rows, scope, data_as_at),
        key="exit_pathways",
        theme=None,
        config={"displaylogo": False},
    )
    left, right = st.columns([2, 3], gap="medium")
    with left:
        st.dataframe(pathways.stage_counts(path_rows), hide_index=True, key="exit_path_counts")
    with right:
        st.markdown(
            "The same numbers as the chart. Read the 'intervention track' as the furthest step of the NAO "
            "flowchart recorded in the tracker during the spell; 'no intervention recorded' is a gap in the "
            "data, not evidence that none happened."
        )
        download_csv(
            path_rows.rename(
                columns={"code": "ONS code", "name": "Authority", "start": "Inadequate published"}
            ),
            f"inadequate-pathways-{region or 'england'}.csv",
            "Download the pathways as CSV",
            "exit_path_csv",
        )
