"""Time-to-exit figures without Streamlit: Kaplan–Meier curves and the swimmer chart, shared by
the exit page and the board pack. Plotly reads HTML in names, labels and titles, so every group
and authority name passes through ``safe_text.html`` (``h``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from oversight.components.figures import theme as p
from oversight.components.figures.safe_text import html as h
from oversight.components.figures.theme import JUDGEMENT_COLOURS, long_date
from oversight.data.domain import vocab
from oversight.data.domain.register import load_regions
from oversight.data.domain.survival import AT_RISK_MONTHS, km_curve

FRAMEWORK_LABELS = {"sif": "SIF", "ilacs": "ILACS"}


def group_labels(frame: pd.DataFrame, split: str) -> pd.Series:
    if split == "none":
        return pd.Series("All spells", index=frame.index)
    if split == "framework":
        return frame["framework"].map(lambda f: FRAMEWORK_LABELS.get(f, str(f)))
    if split == "region":
        return frame["region_code"].map(dict(load_regions()))
    if split == "level_reached":
        return frame["level_reached"].map(lambda lv: vocab.LEVELS.get(lv, "None recorded"))
    return frame["era"]


def km_figure(
    frame: pd.DataFrame, split: str, data_as_at: dt.date, title_scope: str
) -> tuple[go.Figure, list]:
    return km_groups_figure(frame, group_labels(frame, split), data_as_at, title_scope)


def km_groups_figure(
    frame: pd.DataFrame, groups: pd.Series, data_as_at: dt.date, title_scope: str, sort: bool = True
) -> tuple[go.Figure, list]:
    """One Kaplan–Meier curve per group label (``groups`` aligned with ``frame``)."""
    fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
    curves = []
    for i, (name, rows) in enumerate(frame.groupby(groups, sort=sort)):
        curve = km_curve(str(name), rows["months_exact"].tolist(), (~rows["open"].astype(bool)).tolist())
        curves.append(curve)
        colour = p.CATEGORICAL[i % len(p.CATEGORICAL)]
        fig.add_trace(
            go.Scatter(
                x=curve.months,
                y=[100 * v for v in curve.still_inadequate],
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 3},
                name=f"{h(name)} (n={curve.summary.spells})",
                hovertemplate="%{x:.1f} months: %{y:.0f}% still inadequate<extra>" + h(name) + "</extra>",
            )
        )
    fig.add_hline(y=50, line={"dash": "dot", "color": p.DARK_GREY, "width": 1})
    # Each group's numbers on two lines: on one, they ran past a laptop's half-width chart and a
    # phone's whole one and were cut off at the right.
    half = len(AT_RISK_MONTHS) // 2
    at_risk_lines = [
        line
        for c in curves
        for line in (
            f"{h(c.group[:28])}: " + " · ".join(f"{m}m {c.at_risk[m]}" for m in AT_RISK_MONTHS[:half]) + " ·",
            " · ".join(f"{m}m {c.at_risk[m]}" for m in AT_RISK_MONTHS[half:]),
        )
    ]
    # The title and its subtitle from the figure's top edge down, then the legend's rows above the
    # plot: room for both, so neither is cut off nor drawn over the other (a two-line title anchored
    # at the top was drawn half above the figure, under the page's summary line).
    top = TITLE_ROOM + LEGEND_ROW * legend_rows([t.name for t in fig.data if t.type == "scatter"])
    bottom = 90 + 34 * len(curves)
    fig.update_layout(
        title={
            "text": "Share still inadequate by months since the judgement",
            "subtitle": {
                "text": f"{h(title_scope)}, data to {long_date(data_as_at)}",
                "font": {"size": 12, "color": p.DARK_GREY},
            },
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 8},
            "font": {"size": 16},
        },
        height=max(520, PLOT_ROOM + top + bottom),
        margin={"l": 70, "r": 10, "t": top, "b": bottom},
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis={"title": "Months since the inadequate judgement", "gridcolor": p.LIGHT_GREY, "range": [0, 96]},
        yaxis={"title": "% still inadequate", "range": [0, 102], "gridcolor": p.LIGHT_GREY},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
    )
    fig.add_annotation(
        text="Number at risk:<br>" + "<br>".join(at_risk_lines),
        xref="paper",
        yref="paper",
        x=0,
        xshift=-62,  # from the figure's left edge, not the axis': room for the numbers
        y=0,
        yshift=-60,  # pixels below the axis and its title, whatever the figure's height
        yanchor="top",
        align="left",
        showarrow=False,
        font={"size": 12, "color": p.DARK_GREY},  # 12 px: the least the pages show (the walk's test)
    )
    return fig, curves


#: Pixels above the plot for the title and subtitle; per row of the legend; at least for the plot.
TITLE_ROOM, LEGEND_ROW, PLOT_ROOM = 64, 24, 320
#: The narrowest the chart is drawn (the exit page's left column on a laptop), and about how wide a
#: legend entry's symbol and one character of its 13 px text are: the legend's rows are counted
#: for this width, so a wider chart only has room to spare.
NARROWEST, ENTRY_SYMBOL, CHAR_WIDTH = 620, 46, 7.2


def legend_rows(names: list[str], width: float = NARROWEST) -> int:
    """How many rows a horizontal legend of ``names`` takes at ``width`` (none for one entry:
    plotly shows no legend for a single trace). Plotly lines the entries up in columns as wide as
    the widest, so that one decides how many fit in a row."""
    if len(names) < 2:
        return 0
    widest = ENTRY_SYMBOL + CHAR_WIDTH * max(len(name) for name in names)
    per_row = max(1, int(width // widest))
    return -(-len(names) // per_row)


def spell_label(name: str, start: dt.date) -> str:
    """A spell's row on the swimmer chart (its category and its hover): "Doncaster (2014)"."""
    return f"{h(name)} ({start:%Y})"


#: A spell no judgement ended because its council ceased (Northamptonshire, 31 March 2021).
CEASED = "Council ceased"


def swimmer_figure(frame: pd.DataFrame, highlight: str | None, data_as_at: dt.date) -> go.Figure:
    """A bar per spell, coloured by its exit grade; an open spell grey with an arrow (it goes
    on); a ceased council's spell closed at its last day in dark grey and marked "ceased" (it
    did not go on: drawn open, Northamptonshire read as still inadequate years after it ceased)."""
    rows = frame.sort_values("months_exact").reset_index(drop=True)
    ceased = (
        rows["ceased"].fillna(False).astype(bool) if "ceased" in rows else pd.Series(False, index=rows.index)
    )
    outcome = rows["exit_grade"].where(rows["exit_grade"].notna(), "Open").mask(ceased, CEASED)
    fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
    exits = [*JUDGEMENT_COLOURS.items(), ("Open", p.OUTSIDE_LINE), (CEASED, p.DARK_GREY)]
    names = {"Open": "Still inadequate (open, →)", CEASED: "Council ceased (spell closed at its end)"}
    for grade, colour in exits:
        sel = rows[outcome == grade]
        if sel.empty:
            continue
        fig.add_trace(
            go.Bar(
                y=[spell_label(n, s) for n, s in zip(sel["name"], sel["start"], strict=True)],
                x=sel["months_exact"],
                orientation="h",
                marker={
                    "color": colour,
                    "line": {
                        "color": [p.TEXT if c == highlight else "white" for c in sel["code"]],
                        "width": 2,
                    },
                },
                name=names.get(grade, f"Exit to {grade}"),
                customdata=sel[["code"]].values,
                hovertemplate="%{y}: %{x:.1f} months<extra>" + grade + "</extra>",
            )
        )
    open_rows = rows[rows["open"].astype(bool) & ~ceased]
    fig.add_trace(
        go.Scatter(
            y=[spell_label(n, s) for n, s in zip(open_rows["name"], open_rows["start"], strict=True)],
            x=open_rows["months_exact"],
            mode="markers",
            marker={"symbol": "triangle-right", "size": 10, "color": p.DARK_GREY},
            name="Open: continues",
            hoverinfo="skip",
        )
    )
    gone = rows[ceased]
    if not gone.empty:
        fig.add_trace(
            go.Scatter(
                y=[spell_label(n, s) for n, s in zip(gone["name"], gone["start"], strict=True)],
                x=gone["months_exact"],
                mode="text",
                text=[f" ceased {long_date(c)}" for c in gone["censored_at"]],
                textposition="middle right",
                textfont={"size": 12, "color": p.TEXT},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    tick_y, tick_x = [], []
    for r in rows.itertuples(index=False):
        for v in r.visits:
            tick_y.append(spell_label(r.name, r.start))
            tick_x.append((v - r.start).days / 30.4375)
    if tick_x:
        fig.add_trace(
            go.Scatter(
                y=tick_y,
                x=tick_x,
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 10, "color": p.TEXT, "line": {"width": 2}},
                name="Monitoring visit (recorded)",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        barmode="overlay",
        height=max(420, 18 * len(rows) + 160),  # a row per spell, its 12 px name legible
        margin={"l": 10, "r": 10, "t": 110, "b": 40},
        title={
            "text": f"Every inadequate spell, data to {long_date(data_as_at)}",
            "x": 0,
            "y": 0.998,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 16},
        },
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis={"title": "Months", "gridcolor": p.LIGHT_GREY},
        yaxis={"automargin": True, "tickfont": {"size": 12}},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
    )
    return fig


def region_against_england(
    spells: pd.DataFrame, region: str | None, name: str, as_at: dt.date
) -> tuple[go.Figure, list[str]]:
    """Kaplan–Meier curves of a region against England, and their medians in words (the board
    pack's and the presentation's exit view)."""
    region_rows = spells[spells["region_code"] == region] if region else spells.iloc[0:0]
    england = spells.assign(_g="England")
    parts = [england]
    if len(region_rows):
        parts.insert(0, region_rows.assign(_g=name))
    both = pd.concat(parts, ignore_index=True)
    curves = []
    if both.empty:
        fig = go.Figure(layout={"template": p.PLOTLY_TEMPLATE})
        fig.add_annotation(text="No inadequate spells by this date", showarrow=False, x=0.5, y=0.5)
    else:
        # England's own pack has one curve: "England", never "England against England".
        label = f"{name} against England" if len(region_rows) else "England"
        fig, curves = km_groups_figure(both, both["_g"], as_at, label, sort=False)
        fig.update_layout(
            title_text=f"Share still inadequate, months since the judgement (to {long_date(as_at)})"
        )
    bullets = []
    for curve in curves:  # the figure's own fits: the words and the lines cannot disagree
        s = curve.summary
        median = f"{s.median_months:.1f} months" if s.median_months is not None else "not reached"
        bullets.append(f"{curve.group}: median {median}; {s.closed} ended, {s.open} still open")
    if region and region_rows.empty:
        bullets.append(f"{name}: no inadequate spells by this date.")
    bullets.append("Open spells count as long as they have lasted (censored), not as exits.")
    return fig, bullets
