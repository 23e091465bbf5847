"""One authority's story as a plotly timeline: judgements, interventions, visits, events, clocks.

Pure: facts in, figure out. Lanes from top: full judgements (coloured by grade), intervention
spans (coloured by level), monitoring/focused visits, tracker events, and the expected clocks
(hollow marks, overdue ones flagged). A reorganisation is a dashed line; predecessors' and
successors' facts are drawn paler and named in the hover. Plotly reads HTML in hover text,
titles and tick labels, so every value from the store passes through ``safe_text.html`` (``h``):
the only tags drawn are the ones written here.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from oversight.components.figures import theme as p
from oversight.components.figures.judgements import (
    areas_summary,
    judgement_words,
    legend_key,
    ordered_areas,
)
from oversight.components.figures.map_data import SOURCE_LINE
from oversight.components.figures.safe_text import html as h
from oversight.components.figures.safe_text import web_link
from oversight.components.figures.theme import LEVEL_COLOURS, long_date
from oversight.data.domain import framework, vocab
from oversight.data.domain.clocks import SpellClocks, clocks_on
from oversight.data.domain.dates import in_words
from oversight.data.domain.levels import Intervention, Span, spans
from oversight.data.store.story import AuthorityStory, BoundaryChange, Fact

LANES = {"judgement": 5.0, "intervention": 4.0, "visit": 3.0, "event": 2.0, "expected": 1.0}
LANE_LABELS = {
    5.0: "Judgements",
    4.0: "Intervention",
    3.0: "Visits",
    2.0: "Events",
    1.0: "Expected",
}
VISIT_SYMBOLS = {"monitoring": "circle", "focused": "square", "jtai": "triangle-up"}
MARGIN_LEFT = 100  # px: room for the lane names
SOURCE_WRAP = 56  # characters a line of the source: ~330 px at 12 px (a phone's chart is ~358 px)


def story_judgements(story: AuthorityStory, own_only: bool = True) -> list[tuple[dt.date, str | None]]:
    """(publication date, grade) of the full inspections in a story: what spells and clocks read."""
    return _full_judgements(f for f in story.facts if f.own or not own_only)


def story_clocks(story: AuthorityStory, as_at: dt.date) -> SpellClocks | None:
    """The clocks of the spell open on ``as_at`` from the authority's own judgements, visits and
    recorded action plans; None after the council ceased (``ceased_words`` says so instead)."""
    if ceased_words(story, as_at):
        return None
    own = story.own_facts
    visits = [f.date for f in own if f.type == "visit" and f.kind == "monitoring" and f.date]
    plans = [f.date for f in own if f.type == "event" and f.kind == "action_plan" and f.date]
    return clocks_on(
        as_at, story_judgements(story), visits, story.monitoring_listed, plans, story.judgements_to
    )


def ceased_words(story: AuthorityStory, as_at: dt.date) -> str | None:
    """One line for a council that had ceased by ``as_at``, in place of clocks no one runs any
    more (issue 22: Northamptonshire's page showed clocks after 31 March 2021); None otherwise."""
    info = story.authority
    if info.existed_to is None or info.existed_to >= as_at:
        return None
    heirs = [s.name for s in info.successors]
    who = f"; {' and '.join(heirs)} took over" if heirs else ""
    return f"{info.name} ceased on {long_date(info.existed_to)}{who}: no clocks run after that."


def timeline_figure(
    story: AuthorityStory,
    as_at: dt.date,
    expected: list[dict[str, Any]] | None = None,
    height: int = 460,
) -> go.Figure:
    """The timeline figure for ``story.authority_story`` output, up to ``as_at``.

    ``expected``: the open spell's clocks (``Expected.as_dict()``), drawn as hollow marks.
    """
    facts = [f for f in story.facts if f.date and f.date <= as_at]
    fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
    for trace in (
        *_judgement_traces(facts),
        *_earlier_inspection_traces(facts),
        *_intervention_traces(facts, as_at),
        *_visit_traces(facts),
        *_event_traces(facts),
        *_expected_traces(expected or []),
    ):
        fig.add_trace(trace)
    # A mark on the first or last date is drawn whole, not cut at the axis (on a phone the
    # padding below is a few pixels, less than half a mark).
    fig.update_traces(cliponaxis=False)
    _mark_boundary_changes(fig, story.changes, as_at)
    _lay_out(fig, story.authority.name, facts, expected or [], as_at, height)
    _add_source_line(fig)
    return fig


# Lanes, top to bottom. Each returns its traces in drawing (and legend) order.


def _judgement_traces(facts: list[Fact]) -> list[go.Scatter]:
    """Full inspections as diamonds coloured by grade, one trace per grade; a derived inadequate
    is its own entry, a diamond of inadequate's colour crossed by white lines (never a graded one's
    look)."""
    traces = []
    for cat in p.categories("judgement"):
        grade, colour = cat.key, cat.colour
        rows = [f for f in facts if f.is_full_inspection and _grade_key(f) == grade]
        if not rows:
            continue
        marker = {
            "symbol": "diamond-x" if cat.hatched else "diamond",
            "size": 18 if cat.hatched else 16,
            "color": colour,
            "line": {"color": "white", "width": 2 if cat.hatched else 1},
            "opacity": [_opacity(f) for f in rows],
        }
        traces.append(
            go.Scatter(
                x=[f.publication_date or f.date for f in rows],
                y=[LANES["judgement"]] * len(rows),
                mode="markers",
                marker=marker,
                name=h(grade),
                customdata=[_mark(f) for f in rows],
                hovertext=[_judgement_hover(f, grade) for f in rows],
                hoverinfo="text",
                legendgroup="judgement",
            )
        )
    return traces


def _earlier_inspection_traces(facts: list[Fact]) -> list[go.Scatter]:
    """Older inspection types (SLAC, CPI, TLAC) in grey on the judgement lane: no grade to colour."""
    older = [f for f in facts if f.type == "inspection" and not f.is_full_inspection]
    if not older:
        return []
    return [
        go.Scatter(
            x=[f.date for f in older],
            y=[LANES["judgement"]] * len(older),
            mode="markers",
            marker={"symbol": "circle-open", "size": 9, "color": p.DARK_GREY},
            name="Earlier inspection types (SLAC, CPI, TLAC)",
            customdata=[_mark(f) for f in older],
            hovertext=[
                f"<b>{h(f.label)}</b>{_who(f)}<br>Published {long_date(f.date)}"
                + (f"<br>{h(f.overall_effectiveness)}" if f.overall_effectiveness else "")
                + _areas(f)
                + _hover_source(f)
                for f in older
            ],
            hoverinfo="text",
        )
    ]


def _intervention_traces(facts: list[Fact], as_at: dt.date) -> list[go.Scatter]:
    """Effective intervention spans (recorded, or presumed ends) as bars coloured by level,
    one trace per intervention, each level on its own offset within the lane.

    Each level drawn has one legend entry (a bar swatch, in the map legend's level words and
    colours, most severe first, after the judgements' diamonds): without one, a dark pink
    alternative delivery bar read as the inadequate diamond's colour, a turquoise notice as
    outstanding. The levels keep the map's colours (the Analysis Function palette has six
    categorical colours and the judgements use four of them, so no set of four more exists with
    3:1 between neighbours); the swatch's shape and the level's words tell them apart."""
    interventions = [f for f in facts if f.type == "intervention"]
    ivs = [Intervention(f.level, f.date, f.precision, f.end_date, f.label) for f in interventions]
    order = list(vocab.LEVELS)
    drawn = sorted(
        zip(interventions, spans(ivs, _full_judgements(facts)), strict=True),
        key=lambda pair: order.index(pair[0].level) if pair[0].level in order else len(order),
    )
    traces = []
    in_legend: set[str] = set()
    for fact, span in drawn:
        level = fact.level
        offset = 0.12 * (order.index(level) - 2) if level in order else -0.3
        traces.append(
            go.Scatter(
                x=[span.start, min(span.end or as_at, as_at)],
                y=[LANES["intervention"] + offset] * 2,
                mode="lines",
                line={"color": level_colour(level), "width": 9},
                opacity=_opacity(fact),
                name=level_words(level),
                hovertext=_span_hover(fact, span, as_at),
                hoverinfo="text",
                legendgroup=f"level:{level}",
                showlegend=level not in in_legend,
                customdata=[_mark(fact)] * 2,
            )
        )
        in_legend.add(level)
    return traces


def level_colour(level: str) -> str:
    """A level's bar colour: the map's (``theme.LEVEL_COLOURS``); support and supervision, which
    follows exit and is no map level, light purple."""
    return LEVEL_COLOURS.get(level, p.LIGHT_PURPLE)


def level_words(level: str) -> str:
    """A level's legend words: the map legend's short words."""
    return p.SHORT_LEVELS.get(level) or vocab.LEVELS.get(level) or "Support and supervision"


def _visit_traces(facts: list[Fact]) -> list[go.Scatter]:
    """Monitoring, focused and joint visits, one trace (and symbol) per kind."""
    traces = []
    for kind, symbol in VISIT_SYMBOLS.items():
        rows = [f for f in facts if f.type == "visit" and f.kind == kind]
        if not rows:
            continue
        traces.append(
            go.Scatter(
                x=[f.date for f in rows],
                y=[LANES["visit"]] * len(rows),
                mode="markers",
                marker={
                    "symbol": symbol,
                    "size": 11,
                    "color": p.DARK_BLUE if kind == "monitoring" else p.TURQUOISE,
                    "opacity": [_opacity(f) for f in rows],
                },
                name=vocab.VISIT_KINDS[kind],
                customdata=[_mark(f) for f in rows],
                hovertext=[_visit_hover(f, kind) for f in rows],
                hoverinfo="text",
            )
        )
    return traces


def _event_traces(facts: list[Fact]) -> list[go.Scatter]:
    """Tracker events (a commissioner appointed, a trust set up, ...) as stars."""
    rows = [f for f in facts if f.type == "event"]
    if not rows:
        return []
    return [
        go.Scatter(
            x=[f.date for f in rows],
            y=[LANES["event"]] * len(rows),
            mode="markers",
            marker={"symbol": "star", "size": 12, "color": p.DARK_GREY},
            name="Event",
            customdata=[_mark(f) for f in rows],
            hovertext=[
                f"<b>{h(f.label)}</b>{_who(f)}<br>{long_date(f.date)}"
                + (f"<br>{h(f.details)}" if f.details else "")
                + _hover_source(f)
                for f in rows
            ],
            hoverinfo="text",
        )
    ]


def _expected_traces(expected: list[dict[str, Any]]) -> list[go.Scatter]:
    """The expected dates (clocks) as hollow marks, overdue ones in dark pink: not facts."""
    if not expected:
        return []
    return [
        go.Scatter(
            x=[e["date"] for e in expected],
            y=[LANES["expected"]] * len(expected),
            mode="markers+text",
            text=["overdue" if e["overdue"] else "" for e in expected],
            textposition="top center",
            textfont={"color": p.DARK_PINK, "size": 12},
            marker={
                "symbol": "circle-open",
                "size": 13,
                "line": {"width": 2},
                "color": [p.DARK_PINK if e["overdue"] else p.ORANGE for e in expected],
            },
            name="Expected (not a fact)",
            hovertext=[
                f"<b>{e['label']}</b><br>expected by {long_date(e['date'])}"
                + ("<br><b>overdue</b>: " + h(e["why"]) if e["overdue"] else "")
                + ("<br>not in the data: " + h(e["why"]) if e["overdue"] is None else "")
                + (f"<br>{e['status']}: happened {long_date(e['happened'])}" if e.get("happened") else "")
                for e in expected
            ],
            hoverinfo="text",
        )
    ]


def _mark_boundary_changes(fig: go.Figure, changes: tuple[BoundaryChange, ...], as_at: dt.date) -> None:
    """A dashed line and a label at each reorganisation up to ``as_at``."""
    for change in changes:
        if change.date <= as_at:
            fig.add_vline(x=change.date, line={"dash": "dash", "color": p.DARK_GREY, "width": 1})
            fig.add_annotation(
                x=change.date,
                y=5.6,
                text=f"{h(change.kind)} · {long_date(change.date)}",
                showarrow=False,
                font={"size": 12, "color": p.DARK_GREY},
                yanchor="bottom",
            )


def _lay_out(
    fig: go.Figure,
    name: str,
    facts: list[Fact],
    expected: list[dict[str, Any]],
    as_at: dt.date,
    height: int,
) -> None:
    """Title, lanes as the y axis, the legend below (the source line is above the lanes), and dates
    padded by four months each side, or a twentieth of the span if more (room for a mark's width
    at either end of a narrow chart)."""
    dates = [f.date for f in facts] + [e["date"] for e in expected] + [as_at]
    pad = max(dt.timedelta(days=120), (max(dates) - min(dates)) / 20)
    fig.update_layout(
        title={
            "text": f"{h(name)}: timeline to {long_date(as_at)}",
            "x": 0,
            "xanchor": "left",
            "font": {"size": 18},
        },
        height=height,
        margin={"l": MARGIN_LEFT, "r": 10, "t": 60 + 14 * len(_source_lines()), "b": 110},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="closest",
        # One row after another ("normal"): grouped, the judgement entries stacked into a column.
        legend={"orientation": "h", "x": 0, "y": -0.12, "font": {"size": 12}, "traceorder": "normal"},
        xaxis={
            "range": [min(dates) - pad, max(dates) + pad],
            "showgrid": True,
            "gridcolor": p.LIGHT_GREY,
            "type": "date",
        },
        yaxis={
            "tickvals": list(LANE_LABELS),
            "ticktext": list(LANE_LABELS.values()),
            "range": [0.4, 5.9],
            "fixedrange": True,
            "showgrid": False,
        },
    )


def _source_lines() -> list[str]:
    """The source line in lines short enough for a chart ~430 px wide (a 900 px window)."""
    return textwrap.wrap(SOURCE_LINE.replace("ONS boundaries. ", ""), SOURCE_WRAP)


def _add_source_line(fig: go.Figure) -> None:
    """The sources between the title and the lanes, whatever the figure's height, from the
    chart's left edge (under the title, not the lanes) in lines that fit a narrow window.

    Not under the legend: a horizontal legend wraps into as many rows as its entries need (more
    with the 2026 framework's "no overall grade"), so a line at a fixed distance below the axis
    was overlapped by the legend's second row. One long line was clipped at the right below
    ~900 px wide."""
    fig.add_annotation(
        text="<br>".join(h(line) for line in _source_lines()),
        xref="paper",
        yref="paper",
        x=0,
        xshift=-MARGIN_LEFT + 4,  # the title's left edge
        y=1,
        yshift=6,  # pixels above the lanes, under the title
        yanchor="bottom",
        align="left",
        showarrow=False,
        font={"size": 12, "color": p.DARK_GREY},
        xanchor="left",
    )


# Facts to hover text and trace attributes.


def _post_reform(f: Fact) -> bool:
    return framework.is_post_reform(f.inspection_date, f.publication_date)


def _grade_key(f: Fact) -> str:
    """The legend entry of a full inspection (a post-reform one without a grade, and a derived
    inadequate: each its own entry)."""
    return legend_key(f.overall_effectiveness, f.overall_derived, _post_reform(f), True)


def _full_judgements(facts) -> list[tuple[dt.date, str | None]]:
    """(publication date, grade) of the published full inspections among ``facts``; a post-reform
    inspection with no overall grade is "no overall grade", which ends an inadequate spell."""
    return [
        (
            f.publication_date,
            f.overall_effectiveness
            or (framework.NO_OVERALL_GRADE if _post_reform(f) else f.overall_effectiveness),
        )
        for f in facts
        if f.is_full_inspection and f.publication_date
    ]


def _judgement_hover(f: Fact, grade: str) -> str:
    words = judgement_words(f.overall_effectiveness, f.overall_derived, _post_reform(f), True)
    summary = areas_summary(f.judgements) if grade == framework.NO_OVERALL_GRADE else ""
    return (
        f"<b>{h(f.label)}</b>{_who(f)}<br>{h(words)}"
        + (f"<br>{h(summary)}" if summary else "")
        + f"<br>Published {long_date(f.publication_date)}"
        + (" (date estimated)" if f.publication_estimated else "")
        + (" (corrected)" if f.corrected else "")
        + _areas(f)
        + _hover_source(f)
    )


def _span_hover(fact: Fact, span: Span, as_at: dt.date) -> str:
    level = fact.level
    if span.end and not span.end_presumed and span.end <= as_at:
        end_text = f"ended {in_words(span.end, fact.end_precision if span.end == fact.end_date else 'day')}"
    elif span.end_presumed:
        end_text = "presumed lifted about 12 months after the better judgement"
    else:
        end_text = "in force"
    return (
        f"<b>{h(fact.label)}</b>{_who(fact)}<br>{h(vocab.LEVELS.get(level, level))}"
        f"<br>From {in_words(span.start, fact.precision if span.start == fact.date else 'day')}; {end_text}"
        + (f"<br>{h(fact.details)}" if fact.details else "")
        + (f"<br>{h(fact.people)}" if fact.people else "")
        + _hover_source(fact)
    )


def _visit_hover(f: Fact, kind: str) -> str:
    return (
        f"<b>{vocab.VISIT_KINDS[kind]}</b>{_who(f)}<br>{long_date(f.date)}"
        + (f" (published {long_date(f.publication_date)})" if f.publication_date else "")
        + (f"<br>Theme: {h(f.theme)}" if f.theme else "")
        + (f"<br>{h(f.summary)}" if f.summary else "")
        + _hover_source(f)
    )


def _areas(f: Fact) -> str:
    """The judgement in each area of an inspection, one line each (the 2026 framework's four in
    DOMAIN §2's order)."""
    if _post_reform(f):
        return "".join(f"<br>· {h(words)}: {h(g)}" for words, g in ordered_areas(f.judgements))
    return "".join(f"<br>· {h(vocab.AREAS.get(a, a))}: {h(g)}" for a, g in f.judgements.items())


def _hover_source(fact: Fact) -> str:
    """The source's title, then the fact's other sources' ("Also: …", ``Fact.others``); a
    corrected fact's source is its erratum, whose long title (corrected from what, why, the
    evidence) is wrapped to stay inside the hover."""
    title = (
        "<br>".join(h(line) for line in textwrap.wrap(fact.source.title, 100))
        if fact.corrected
        else h(fact.source.title)
    )
    also = "".join(f"<br>Also: {h(other.title)}" for other in fact.others)
    return f"<br><span style='font-size:11px'>Source: {title}{also}</span>"


def _who(fact: Fact) -> str:
    """Whose fact, when it is a predecessor's or successor's."""
    return "" if fact.own else f" <i>({h(fact.authority)})</i>"


def _opacity(fact: Fact) -> float:
    """Predecessors' and successors' facts are drawn paler."""
    return 1 if fact.own else 0.45


def _url(fact: Fact) -> str:
    """The source's address, carried by every mark so a click can open it: http(s) only."""
    return web_link(fact.source.url) or ""


def _mark(fact: Fact) -> list[str]:
    """What every mark carries for a click: its source's address and the fact it draws
    ("interventions:12", "" for none), so the page can open the source and show the history."""
    ref = f"{fact.fact_table}:{fact.fact_id}" if fact.fact_id is not None else ""
    return [_url(fact), ref]


def neighbour_grades_figure(inspections, ids: list[int], names: list[str], as_at: dt.date) -> go.Figure:
    """Small multiple: one row per authority (the first is the subject), full judgements over
    time as marks coloured by grade, so a board sees how its neighbours moved."""
    fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
    frame = inspections[inspections["authority_id"].isin(ids) & (inspections["publication_date"] <= as_at)]
    post = [
        framework.is_post_reform(_day(i), _day(pub))
        for i, pub in zip(frame["inspection_date"], frame["publication_date"], strict=True)
    ]
    derived = frame["overall_derived"] if "overall_derived" in frame else [False] * len(frame)
    frame = frame.assign(
        key=[
            legend_key(g, d, pr, True)
            for g, d, pr in zip(frame["overall_effectiveness"], derived, post, strict=True)
        ],
        words=[
            judgement_words(g, d, pr, True)
            for g, d, pr in zip(frame["overall_effectiveness"], derived, post, strict=True)
        ],
    )
    row_of = {aid: len(ids) - i for i, aid in enumerate(ids)}
    for cat in p.categories("judgement"):
        grade, colour = cat.key, cat.colour
        rows = frame[frame["key"] == grade]
        if rows.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=rows["publication_date"],
                y=[row_of[a] for a in rows["authority_id"]],
                mode="markers",
                marker={
                    "symbol": "diamond-x" if cat.hatched else "diamond",
                    "size": 13 if cat.hatched else 11,
                    "color": colour,
                    "line": {"color": "white", "width": 1.5 if cat.hatched else 1},
                },
                name=grade,
                hovertext=[
                    f"{h(n)}: {h(w)}, published {long_date(d)}"
                    for n, w, d in zip(rows["name"], rows["words"], rows["publication_date"], strict=True)
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
        legend={"orientation": "h", "y": -0.12, "font": {"size": 12}},
        yaxis={
            "tickvals": list(row_of.values()),
            "ticktext": [f"<b>{h(names[0])}</b>", *(h(n) for n in names[1:])],
            "automargin": True,
            "range": [0.5, len(ids) + 0.5],
            "fixedrange": True,
        },
        xaxis={"type": "date", "gridcolor": p.LIGHT_GREY},
    )
    return fig


def _day(value: Any) -> dt.date | None:
    """A date cell as a date (None when missing)."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value.date() if isinstance(value, dt.datetime) else value
