"""One authority's story as a plotly timeline: judgements, interventions, visits, events, clocks.

Pure: facts in, figure out. Lanes from top: full judgements (coloured by grade), intervention
spans (coloured by level), monitoring/focused visits, tracker events, and the expected clocks
(hollow marks, overdue ones flagged). A reorganisation is a dashed line; predecessors' and
successors' facts are drawn paler and named in the hover.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go
from oversight.components.figures import theme as p
from oversight.components.figures.maps import JUDGEMENT_COLOURS, LEVEL_COLOURS, SOURCE_LINE
from oversight.components.figures.theme import long_date
from oversight.data.domain import vocab
from oversight.data.domain.clocks import SpellClocks, clocks_on
from oversight.data.domain.levels import Intervention, spans

LANES = {"judgement": 5.0, "intervention": 4.0, "visit": 3.0, "event": 2.0, "expected": 1.0}
LANE_LABELS = {
    5.0: "Judgements",
    4.0: "Intervention",
    3.0: "Visits",
    2.0: "Events",
    1.0: "Expected",
}
VISIT_SYMBOLS = {"monitoring": "circle", "focused": "square", "jtai": "triangle-up"}


def story_judgements(story: dict[str, Any], own_only: bool = True) -> list[tuple[dt.date, str | None]]:
    """(publication date, grade) of the full inspections in a story: what spells and clocks read."""
    return [
        (f["publication_date"], f["overall_effectiveness"])
        for f in story["facts"]
        if f["type"] == "inspection"
        and vocab.INSPECTION_KINDS[f["kind"]][1]
        and f["publication_date"]
        and (f["own"] or not own_only)
    ]


def story_clocks(story: dict[str, Any], as_at: dt.date) -> SpellClocks | None:
    """The clocks of the spell open on ``as_at`` from the authority's own judgements and visits."""
    visits = [
        f["date"] for f in story["facts"] if f["own"] and f["type"] == "visit" and f["kind"] == "monitoring"
    ]
    return clocks_on(as_at, story_judgements(story), visits)


def _hover_source(fact: dict[str, Any]) -> str:
    src = fact["source"]
    return f"<br><span style='font-size:11px'>Source: {src['title']}</span>"


def _who(fact: dict[str, Any]) -> str:
    return "" if fact.get("own", True) else f" <i>({fact['authority']})</i>"


def timeline_figure(
    story: dict[str, Any],
    as_at: dt.date,
    expected: list[dict[str, Any]] | None = None,
    height: int = 460,
) -> go.Figure:
    """The timeline figure for ``queries.authority_story`` output, up to ``as_at``."""
    facts = [f for f in story["facts"] if f["date"] and f["date"] <= as_at]
    fig = go.Figure()
    judgements = [
        (f["publication_date"], f["overall_effectiveness"])
        for f in facts
        if f["type"] == "inspection" and vocab.INSPECTION_KINDS[f["kind"]][1] and f["publication_date"]
    ]

    # Judgements: full inspections coloured by grade; older inspection types in grey.
    for grade, colour in JUDGEMENT_COLOURS.items():
        rows = [
            f
            for f in facts
            if f["type"] == "inspection"
            and vocab.INSPECTION_KINDS[f["kind"]][1]
            and (f["overall_effectiveness"] or "Not yet inspected") == grade
        ]
        if not rows:
            continue
        fig.add_trace(
            go.Scatter(
                x=[f["publication_date"] or f["date"] for f in rows],
                y=[LANES["judgement"]] * len(rows),
                mode="markers",
                marker={
                    "symbol": "diamond",
                    "size": 16,
                    "color": colour,
                    "line": {"color": "white", "width": 1},
                    "opacity": [1 if f.get("own", True) else 0.45 for f in rows],
                },
                name=grade,
                customdata=[[f["source"]["url"] or ""] for f in rows],
                hovertext=[
                    f"<b>{f['label']}</b>{_who(f)}<br>{grade}"
                    + (" (derived: inadequate in an area)" if f.get("overall_derived") else "")
                    + f"<br>Published {long_date(f['publication_date'])}"
                    + (" (estimated)" if f.get("publication_estimated") else "")
                    + "".join(
                        f"<br>· {vocab.AREAS.get(a, a)}: {g}" for a, g in f.get("judgements", {}).items()
                    )
                    + _hover_source(f)
                    for f in rows
                ],
                hoverinfo="text",
                legendgroup="judgement",
            )
        )

    older = [f for f in facts if f["type"] == "inspection" and not vocab.INSPECTION_KINDS[f["kind"]][1]]
    if older:
        fig.add_trace(
            go.Scatter(
                x=[f["date"] for f in older],
                y=[LANES["judgement"]] * len(older),
                mode="markers",
                marker={"symbol": "circle-open", "size": 9, "color": p.DARK_GREY},
                name="Earlier inspection types (SLAC, CPI, TLAC)",
                customdata=[[f["source"]["url"] or ""] for f in older],
                hovertext=[
                    f"<b>{f['label']}</b>{_who(f)}<br>Published {long_date(f['date'])}"
                    + (f"<br>{f['overall_effectiveness']}" if f.get("overall_effectiveness") else "")
                    + "".join(
                        f"<br>· {vocab.AREAS.get(a, a)}: {g}" for a, g in f.get("judgements", {}).items()
                    )
                    + _hover_source(f)
                    for f in older
                ],
                hoverinfo="text",
            )
        )

    # Interventions: effective spans (recorded, or presumed ends), coloured by level.
    own_interventions = [f for f in facts if f["type"] == "intervention"]
    ivs = [
        Intervention(f["level"], f["date"], f["precision"], f.get("end_date"), f["label"])
        for f in own_interventions
    ]
    order = list(vocab.LEVELS)
    for fact, span in zip(own_interventions, spans(ivs, judgements), strict=True):
        level = fact["level"]
        colour = LEVEL_COLOURS.get(level, p.LIGHT_PURPLE)
        end = min(span.end or as_at, as_at)
        offset = 0.12 * (order.index(level) - 2) if level in order else -0.3
        end_text = (
            f"ended {long_date(span.end)}"
            if span.end and not span.end_presumed and span.end <= as_at
            else (
                "presumed lifted about 12 months after the better judgement"
                if span.end_presumed
                else "in force"
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[span.start, end],
                y=[LANES["intervention"] + offset] * 2,
                mode="lines",
                line={"color": colour, "width": 9},
                opacity=1 if fact.get("own", True) else 0.45,
                name=vocab.LEVELS.get(level, "Support and supervision"),
                hovertext=f"<b>{fact['label']}</b>{_who(fact)}<br>{vocab.LEVELS.get(level, level)}"
                f"<br>From {long_date(span.start)}; {end_text}"
                + (f"<br>{fact['details']}" if fact.get("details") else "")
                + (f"<br>{fact['people']}" if fact.get("people") else "")
                + _hover_source(fact),
                hoverinfo="text",
                showlegend=False,
                customdata=[[fact["source"]["url"] or ""]] * 2,
            )
        )

    # Visits.
    for kind, symbol in VISIT_SYMBOLS.items():
        rows = [f for f in facts if f["type"] == "visit" and f["kind"] == kind]
        if not rows:
            continue
        fig.add_trace(
            go.Scatter(
                x=[f["date"] for f in rows],
                y=[LANES["visit"]] * len(rows),
                mode="markers",
                marker={
                    "symbol": symbol,
                    "size": 11,
                    "color": p.DARK_BLUE if kind == "monitoring" else p.TURQUOISE,
                    "opacity": [1 if f.get("own", True) else 0.45 for f in rows],
                },
                name=vocab.VISIT_KINDS[kind],
                customdata=[[f["source"]["url"] or ""] for f in rows],
                hovertext=[
                    f"<b>{vocab.VISIT_KINDS[kind]}</b>{_who(f)}<br>{long_date(f['date'])}"
                    + (
                        f" (published {long_date(f['publication_date'])})"
                        if f.get("publication_date")
                        else ""
                    )
                    + (f"<br>Theme: {f['theme']}" if f.get("theme") else "")
                    + (f"<br>{f['summary']}" if f.get("summary") else "")
                    + _hover_source(f)
                    for f in rows
                ],
                hoverinfo="text",
            )
        )

    # Events.
    rows = [f for f in facts if f["type"] == "event"]
    if rows:
        fig.add_trace(
            go.Scatter(
                x=[f["date"] for f in rows],
                y=[LANES["event"]] * len(rows),
                mode="markers",
                marker={"symbol": "star", "size": 12, "color": p.DARK_GREY},
                name="Event",
                customdata=[[f["source"]["url"] or ""] for f in rows],
                hovertext=[
                    f"<b>{f['label']}</b>{_who(f)}<br>{long_date(f['date'])}"
                    + (f"<br>{f['details']}" if f.get("details") else "")
                    + _hover_source(f)
                    for f in rows
                ],
                hoverinfo="text",
            )
        )

    # Expected dates (clocks): hollow marks, overdue ones in dark pink.
    if expected:
        fig.add_trace(
            go.Scatter(
                x=[e["date"] for e in expected],
                y=[LANES["expected"]] * len(expected),
                mode="markers+text",
                text=["overdue" if e["overdue"] else "" for e in expected],
                textposition="top center",
                textfont={"color": p.DARK_PINK, "size": 11},
                marker={
                    "symbol": "circle-open",
                    "size": 13,
                    "line": {"width": 2},
                    "color": [p.DARK_PINK if e["overdue"] else p.ORANGE for e in expected],
                },
                name="Expected (not a fact)",
                hovertext=[
                    f"<b>{e['label']}</b><br>expected by {long_date(e['date'])}"
                    + ("<br><b>overdue</b>: " + e["why"] if e["overdue"] else "")
                    for e in expected
                ],
                hoverinfo="text",
            )
        )

    for change in story.get("changes", []):
        if change["date"] <= as_at:
            fig.add_vline(x=change["date"], line={"dash": "dash", "color": p.DARK_GREY, "width": 1})
            fig.add_annotation(
                x=change["date"],
                y=5.6,
                text=f"{change['kind']} · {long_date(change['date'])}",
                showarrow=False,
                font={"size": 11, "color": p.DARK_GREY},
                yanchor="bottom",
            )

    dates = [f["date"] for f in facts] + [e["date"] for e in (expected or [])] + [as_at]
    start = min(dates) - dt.timedelta(days=120)
    end = max(dates) + dt.timedelta(days=120)
    name = story["authority"]["name"]
    fig.update_layout(
        title={
            "text": f"{name}: timeline to {long_date(as_at)}",
            "x": 0,
            "xanchor": "left",
            "font": {"size": 18},
        },
        height=height,
        margin={"l": 100, "r": 10, "t": 60, "b": 110},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="closest",
        legend={"orientation": "h", "x": 0, "y": -0.18, "font": {"size": 12}},
        xaxis={"range": [start, end], "showgrid": True, "gridcolor": p.LIGHT_GREY, "type": "date"},
        yaxis={
            "tickvals": list(LANE_LABELS),
            "ticktext": list(LANE_LABELS.values()),
            "range": [0.4, 5.9],
            "fixedrange": True,
            "showgrid": False,
        },
    )
    fig.add_annotation(
        text=SOURCE_LINE.replace("ONS boundaries. ", ""),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-84,  # pixels below the axis, under the legend, whatever the height
        yanchor="top",
        showarrow=False,
        font={"size": 11, "color": p.DARK_GREY},
        xanchor="left",
    )
    return fig


def neighbour_grades_figure(inspections, ids: list[int], names: list[str], as_at: dt.date) -> go.Figure:
    """Small multiple: one row per authority (the first is the subject), full judgements over
    time as marks coloured by grade, so a board sees how its neighbours moved."""
    fig = go.Figure()
    frame = inspections[inspections["authority_id"].isin(ids) & (inspections["publication_date"] <= as_at)]
    row_of = {aid: len(ids) - i for i, aid in enumerate(ids)}
    for grade, colour in JUDGEMENT_COLOURS.items():
        rows = frame[frame["overall_effectiveness"] == grade]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["publication_date"],
                y=[row_of[a] for a in rows["authority_id"]],
                mode="markers",
                marker={
                    "symbol": "diamond",
                    "size": 11,
                    "color": colour,
                    "line": {"color": "white", "width": 1},
                },
                name=grade,
                hovertext=[
                    f"{n}: {grade}, published {long_date(d)}"
                    for n, d in zip(rows["name"], rows["publication_date"], strict=True)
                ],
                hoverinfo="text",
            )
        )
    fig.update_layout(
        title={
            "text": f"Judgements of the authority and its neighbours, to {long_date(as_at)}",
            "x": 0,
            "font": {"size": 14},
        },
        height=420,
        margin={"l": 10, "r": 10, "t": 40, "b": 40},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.12, "font": {"size": 11}},
        yaxis={
            "tickvals": list(row_of.values()),
            "ticktext": [f"<b>{names[0]}</b>", *names[1:]],
            "automargin": True,
            "range": [0.5, len(ids) + 0.5],
            "fixedrange": True,
        },
        xaxis={"type": "date", "gridcolor": p.LIGHT_GREY},
    )
    return fig
