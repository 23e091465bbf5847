"""Time to exit from inadequate: Kaplan–Meier curves by a chosen split, pathways after inadequate
(a Sankey with its numbers), a swimmer chart of every spell, the spells as a table, and where a
chosen authority stands. Owns ``exit_*`` keys.

The controls live in the link (``?split=region&framework=ilacs&years=2016-2020&highlight=E08000025``)
as the map's colour and view do, so a link reproduces the curve a board was shown: read on the
session's first run, written back on every run, default values left out. A bad value falls back
to the default with a visible note quoting it (``safe_text.quoted``), never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from oversight.components.figures.pathways import pathway_list, sankey_figure
from oversight.components.figures.safe_text import markdown, quoted
from oversight.components.figures.survival import (
    CEASED,
    FRAMEWORK_LABELS,
    TITLE_ROOM,
    group_labels,
    km_figure,
    swimmer_figure,
)
from oversight.components.figures.theme import long_date
from oversight.components.widgets import cache as store
from oversight.components.widgets import freshness
from oversight.components.widgets.charts import Chart, chart, narrow_and_wide, titled_chart
from oversight.components.widgets.filters import Filters
from oversight.components.widgets.tables import EMPTY, csv_bytes, download_csv
from oversight.data.domain import pathways, vocab
from oversight.data.domain.survival import km_curve, logrank_words, share_exited_by

SPLITS = {
    "none": "No split (all spells)",
    "framework": "Framework of the inadequate judgement",
    "region": "Region",
    "level_reached": "Intervention level reached",
    "era": "Era of the inadequate judgement",
}
FRAMEWORKS = ("all", "sif", "ilacs")
KEY_SPLIT, KEY_FRAMEWORK, KEY_YEARS, KEY_HIGHLIGHT = (
    "exit_split",
    "exit_framework",
    "exit_years",
    "exit_highlight",
)
KEY_NOTES = "exit_notes"
CENSORING = (
    "How to read this: each spell runs from an inadequate judgement to the next better one. Councils still "
    "inadequate when the data ends have not failed to exit: we only know they took *at least* that long, so "
    "their spells count as long as they are and then drop out of the calculation (they are 'censored'). The "
    "Kaplan–Meier curve uses every spell this way; averaging only the finished spells would leave out the "
    "slowest cases and make exit look quicker than it is."
)
CONTEXT = (
    "Published context (not official medians: none exist): Isos Partnership for the LGA (2016) found 6–12 "
    "months to fix core systems and about 2 years to improve a service; practice leaders speak of 3–5 years "
    "from inadequate to good."
)


@st.cache_resource(show_spinner=False, max_entries=64)
def _analysis(
    key: tuple,
    region: str | None,
    framework: str,
    years: tuple[int, int],
    split: str,
    data_as_at: dt.date,
    scope: str,
):
    """Curves, their chart, the log-rank words and the overall summary for one selection:
    cached, so a rerun that changes none of them (a highlight, a table sort) recomputes nothing,
    and a new session on a known selection draws a ready chart (``charts.Chart``)."""
    frame = store.spells_with_context()
    chosen = frame
    if region:
        chosen = chosen[chosen["region_code"] == region]
    if framework != "all":
        chosen = chosen[chosen["framework"] == framework]
    chosen = chosen[[years[0] <= d.year <= years[1] for d in chosen["start"]]]
    if chosen.empty:
        return chosen, None, [], "", None
    exited = (~chosen["open"].astype(bool)).tolist()
    overall = km_curve("all", chosen["months_exact"].tolist(), exited)
    fig, curves = km_figure(chosen, split, data_as_at, scope)
    words = logrank_words(chosen["months_exact"].tolist(), group_labels(chosen, split).tolist(), exited)
    return chosen, chart(fig, TITLE_ROOM), curves, words, overall


@dataclass(frozen=True)
class PathwayParts:
    """What the pathways section shows for one selection, alike for every visitor."""

    sankey: Chart
    spells: int
    listed: str
    counts: pd.DataFrame
    csv: bytes


@st.cache_resource(show_spinner=False, max_entries=64)
def _pathway_parts(selection: tuple, notes: tuple[str, ...]) -> PathwayParts:
    """The Sankey, its words, its counts and its CSV for a selection (``_analysis``'s arguments),
    per data version: a new session on a known selection builds none of them."""
    chosen, data_as_at, scope = _analysis(*selection)[0], selection[5], selection[6]
    path_rows = pathways.paths(chosen)
    csv = csv_bytes(
        path_rows.rename(columns={"code": "ONS code", "name": "Authority", "start": "Inadequate published"}),
        notes,
    )
    return PathwayParts(
        chart(sankey_figure(path_rows, scope, data_as_at), 35),
        len(path_rows),
        _pathway_markdown(path_rows),
        pathways.stage_counts(path_rows),
        csv,
    )


@dataclass(frozen=True)
class SpellParts:
    """The every-spell section's choices, table and CSV for one selection, alike for every visitor."""

    codes: list[str]
    names: dict[str, str]
    table: pd.DataFrame
    csv: bytes


@st.cache_resource(show_spinner=False, max_entries=64)
def _spell_parts(selection: tuple, notes: tuple[str, ...]) -> SpellParts:
    """The authorities by name, the spells table and its CSV for a selection, per data version."""
    chosen = _analysis(*selection)[0]
    names = dict(zip(chosen["code"], chosen["name"], strict=False))
    first_name = chosen.drop_duplicates("code").set_index("code")["name"]
    codes = sorted(set(chosen["code"]), key=lambda c: first_name[c])
    table = spells_table(chosen)
    return SpellParts(codes, names, table, csv_bytes(table, notes))


@st.cache_resource(show_spinner=False, max_entries=64)
def _swimmer(selection: tuple, highlight: str) -> Chart:
    """The swimmer chart of a selection with one authority highlighted (or none), per data version."""
    chosen, data_as_at = _analysis(*selection)[0], selection[5]
    return chart(swimmer_figure(chosen, highlight or None, data_as_at), 30)


@st.cache_resource(show_spinner=False, max_entries=8)
def _spell_years(key: tuple) -> tuple[tuple[int, int], frozenset[str]]:
    """The first and last year a spell starts in, and every code with a spell, per data version."""
    frame = store.spells_with_context()
    found = sorted({d.year for d in frame["start"]}) if len(frame) else [2014, 2024]
    return (found[0], found[-1]), frozenset(frame["code"]) if len(frame) else frozenset()


def render(filters: Filters) -> None:
    """The page: controls, the curves with their summary, pathways, every spell."""
    data_as_at = store.data_as_at() or dt.date.today()
    st.title("Time to exit from inadequate")
    split, framework, start_range = _controls(*_spell_years(store.cache_key()))
    scope = filters.region_name
    selection = (store.cache_key(), filters.region, framework, start_range, split, data_as_at, scope)
    chosen, fig, curves, words, overall_curve = _analysis(*selection)
    if chosen.empty:
        st.info(
            f"No inadequate spells match this selection ({scope}, {framework}, {start_range[0]}–{start_range[1]}). "
            "Widen the filters to see a curve.",
            icon=":material/filter_alt_off:",
        )
        return
    _curves(chosen, fig, curves, words, overall_curve, scope, data_as_at)
    notes = tuple(freshness.csv_notes(None))
    _pathways(_pathway_parts(selection, notes), scope, data_as_at, filters.region)
    _every_spell(selection, notes, filters.region)


@dataclass
class ExitLink:
    """The page's controls as a link states them (defaults where it states none or a bad value)."""

    split: str = "none"
    framework: str = "all"
    years: tuple[int, int] | None = None
    highlight: str = ""
    notes: list[str] = field(default_factory=list)


def parse_link(params: dict[str, str], years: tuple[int, int], codes: set[str]) -> ExitLink:
    """Read ``split``, ``framework``, ``years`` (``2016-2020``, within the spells' years) and
    ``highlight`` (an ONS code with a spell) from URL parameters; a bad one gets a note."""
    link = ExitLink()
    split = params.get("split")
    if split:
        if split in SPLITS:
            link.split = split
        else:
            link.notes.append(
                f"The link's split {quoted(split)} is not a split of this chart; showing no split."
            )
    framework = params.get("framework")
    if framework:
        if framework in FRAMEWORKS:
            link.framework = framework
        else:
            link.notes.append(
                f"The link's framework {quoted(framework)} is not one of all, sif or ilacs; showing all."
            )
    raw = params.get("years")
    if raw:
        first, _, last = str(raw).partition("-")
        try:
            span = (int(first), int(last or first))
        except ValueError:
            span = None
        if span and years[0] <= span[0] <= span[1] <= years[1]:
            link.years = span
        else:
            link.notes.append(
                f"The link's years {quoted(raw)} are not a span of years from {years[0]} to {years[1]} "
                f"(such as {years[0]}-{years[1]}); showing them all."
            )
    highlight = params.get("highlight")
    if highlight:
        if highlight.upper() in codes:
            link.highlight = highlight.upper()
        else:
            link.notes.append(
                f"The link's authority {quoted(highlight)} has no inadequate spell in the data; none highlighted."
            )
    return link


def _clear_notes() -> None:
    st.session_state[KEY_NOTES] = []


def _first_visit(codes: frozenset[str], years: tuple[int, int]) -> None:
    """On a session's first run, set the controls from the link; show its notes until a control changes."""
    if KEY_SPLIT not in st.session_state:
        link = parse_link(dict(st.query_params), years, set(codes))
        st.session_state[KEY_SPLIT] = link.split
        st.session_state[KEY_FRAMEWORK] = link.framework
        st.session_state[KEY_YEARS] = link.years or years
        st.session_state[KEY_HIGHLIGHT] = link.highlight
        st.session_state[KEY_NOTES] = link.notes
    for note in st.session_state.get(KEY_NOTES, []):
        st.warning(markdown(note), icon=":material/link_off:")


def _sync_link(split: str, framework: str, start_range: tuple[int, int], years: tuple[int, int]) -> None:
    """Write the controls into the link, leaving out the defaults (the page's own keys only)."""
    highlight = st.session_state.get(KEY_HIGHLIGHT) or ""
    span = f"{start_range[0]}-{start_range[1]}" if tuple(start_range) != tuple(years) else ""
    for key, value, default in (
        ("split", split, "none"),
        ("framework", framework, "all"),
        ("years", span, ""),
        ("highlight", highlight, ""),
    ):
        if value == default:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value


def _controls(years: tuple[int, int], codes: frozenset[str]) -> tuple[str, str, tuple[int, int]]:
    """The split, the framework and the years of spell start (``exit_split/framework/years``),
    set from the link on the first run (``years``: the spells' first and last; ``codes``: every
    authority with a spell)."""
    _first_visit(codes, years)
    controls = st.columns([2, 1, 2])
    split = controls[0].selectbox(
        "Split the curve by", list(SPLITS), format_func=SPLITS.get, key=KEY_SPLIT, on_change=_clear_notes
    )
    framework = controls[1].selectbox(
        "Framework",
        list(FRAMEWORKS),
        format_func=lambda f: {"all": "All"}.get(f, FRAMEWORK_LABELS.get(f)),
        key=KEY_FRAMEWORK,
        on_change=_clear_notes,
    )
    start_range = controls[2].slider(
        "Spells starting in",
        min_value=years[0],
        max_value=years[-1],
        key=KEY_YEARS,
        on_change=_clear_notes,
    )
    _sync_link(split, framework, tuple(start_range), years)
    return split, framework, tuple(start_range)


def _curves(chosen, fig, curves, words, overall_curve, scope: str, data_as_at: dt.date) -> None:
    """The headline median, the Kaplan–Meier chart, the log-rank words and the summary table."""
    overall = overall_curve.summary
    median = f"{overall.median_months:.1f} months" if overall.median_months is not None else "not reached"
    lo, hi = overall.median_ci
    ci = f" (95% CI {lo or '…'}–{hi or 'not reached'})" if overall.median_months is not None else ""
    gone = int(_ceased(chosen).sum())  # censored as the open ones are, but not still open
    ceased = f", {gone} ended when the council ceased" if gone else ""
    st.markdown(
        f"**Median time to exit: {median}**{ci} · {overall.spells} spells, {overall.closed} ended, "
        f"{overall.open - gone} still open{ceased} · {scope} · data to {long_date(data_as_at)}"
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        titled_chart(fig, key="exit_km", trim=TITLE_ROOM)
        st.markdown(words)
        st.caption("Sources: Ofsted releases (judgements) and the tracker (interventions, visits). OGL v3.0.")
    with right:
        st.markdown(CENSORING)
        st.caption(CONTEXT)
        summary = pd.DataFrame(
            {
                "Group": [c.group for c in curves],
                "Spells": [c.summary.spells for c in curves],
                "Ended": [c.summary.closed for c in curves],
                "Median (months)": [c.summary.median_months for c in curves],
                "95% CI": [_ci_text(c.summary.median_ci) for c in curves],
            }
        )
        st.dataframe(
            summary,
            hide_index=True,
            key="exit_summary",
            placeholder=EMPTY,
            # Narrow numbers, so the five columns fit the page's right-hand column at 1,280 px.
            column_config={
                "Group": st.column_config.TextColumn(width="medium"),
                "Spells": st.column_config.NumberColumn(width="small"),
                "Ended": st.column_config.NumberColumn(width="small"),
                "Median (months)": st.column_config.NumberColumn(
                    "Median", format="%.1f", width="small", help="Median time to exit, in months"
                ),
                "95% CI": st.column_config.TextColumn(width="small"),
            },
        )
        _where(chosen, overall_curve)


PATHWAYS_INTRO = (
    "Each band is a group of spells: the framework of the inadequate judgement, the most severe "
    "intervention recorded while it lasted (the NAO flowchart's tracks), and the next full judgement. "
    "'Not yet re-inspected' spells are still open at the data's date."
)
PATHWAYS_READING = (
    "The same numbers as the chart. Read the 'intervention track' as the furthest step of the NAO "
    "flowchart recorded in the tracker during the spell; 'no intervention recorded' is a gap in the "
    "data, not evidence that none happened."
)


def _pathways(parts: PathwayParts, scope: str, data_as_at: dt.date, region: str | None) -> None:
    """The Sankey of pathways after inadequate, with its numbers as a table and CSV (``exit_path*``)."""
    st.markdown("### Pathways after inadequate")
    st.markdown(PATHWAYS_INTRO)
    # On a phone the Sankey's labels pile on each other: there the same numbers are a list.
    narrow_and_wide("exit_pathways_narrow", "exit_pathways_wide")
    with st.container(key="exit_pathways_wide"):
        titled_chart(parts.sankey, key="exit_pathways")
    with st.container(key="exit_pathways_narrow"):
        title = f"Where {parts.spells} inadequate spells went, {scope}, data to {long_date(data_as_at)}"
        st.markdown(f"##### {markdown(title)}")
        st.markdown(parts.listed)
    left, right = st.columns([2, 3], gap="medium")
    with left:
        # The count first: in a narrow column the third column was out of sight.
        st.dataframe(
            parts.counts,
            hide_index=True,
            key="exit_path_counts",
            placeholder=EMPTY,
            column_order=["Node", "Spells", "Stage"],
            column_config={
                "Node": st.column_config.TextColumn("Group", width="medium"),
                "Spells": st.column_config.NumberColumn("Spells", width="small"),
                "Stage": st.column_config.TextColumn("Stage", width="medium"),
            },
        )
    with right:
        st.markdown(PATHWAYS_READING)
        download_csv(
            parts.csv,
            f"inadequate-pathways-{region or 'england'}.csv",
            "Download the pathways as CSV",
            "exit_path_csv",
        )


def _pathway_markdown(path_rows: pd.DataFrame) -> str:
    """The Sankey as nested Markdown bullets: each stage, its groups with their counts and where
    their spells went next."""
    lines = []
    for stage, groups in pathway_list(path_rows):
        lines.append(f"- **{markdown(stage)}**")
        for group, n, onward in groups:
            after = "; ".join(f"{markdown(target)} {count}" for target, count in onward)
            lines.append(f"    - {markdown(group)}: **{n}**" + (f" → {after}" if after else ""))
    return "\n".join(lines)


def _every_spell(selection: tuple, notes: tuple[str, ...], region: str | None) -> None:
    """The swimmer chart (a bar per spell; click or the highlight box opens the authority) and the table."""
    st.markdown("### Every spell")
    parts = _spell_parts(selection, notes)
    codes, names = parts.codes, parts.names
    if st.session_state.get(KEY_HIGHLIGHT) not in ("", *codes):
        st.session_state[KEY_HIGHLIGHT] = ""  # not in this selection: none highlighted
        if "highlight" in st.query_params:
            del st.query_params["highlight"]
    highlight = st.selectbox(
        "Highlight an authority",
        ["", *codes],
        format_func=lambda c: "—" if not c else names[c],
        key=KEY_HIGHLIGHT,
        on_change=_clear_notes,
    )
    if highlight:
        # The keyboard route to what a click on a bar does.
        st.page_link(
            "pages/authority_page.py",
            label=f"Open {markdown(names[highlight])}'s page",
            query_params={"la": highlight},
            icon=":material/account_balance:",
        )
    event = titled_chart(
        _swimmer(selection, highlight or ""),
        key="exit_swimmer",
        on_select="rerun",
        selection_mode=("points",),
    )
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        points = []
    for point in points or []:
        code = (point.get("customdata") or [None])[0]
        if code:
            st.switch_page("pages/authority_page.py", query_params={"la": code})
    st.dataframe(
        parts.table,
        hide_index=True,
        key="exit_table",
        placeholder=EMPTY,
        # What a reader compares first; the ONS code, a key for other data, last.
        column_order=[
            "Authority",
            "Inadequate published",
            "Months",
            "Exit grade",
            "Exit published",
            "Intervention level reached",
            "Open",
            "Framework",
            "ONS code",
        ],
        column_config={
            "Authority": st.column_config.TextColumn(width="medium"),
            "Inadequate published": st.column_config.DateColumn(
                "Inadequate", format="D MMM YYYY", help="When the inadequate report was published"
            ),
            "Months": st.column_config.NumberColumn(width="small"),
            "Exit published": st.column_config.DateColumn(
                "Exit", format="D MMM YYYY", help="When the next better judgement was published"
            ),
            "Open": st.column_config.CheckboxColumn(width="small"),
        },
    )
    download_csv(
        parts.csv, f"inadequate-spells-{region or 'england'}.csv", "Download the spells as CSV", "exit_csv"
    )


def spells_table(chosen: pd.DataFrame) -> pd.DataFrame:
    """The spells in words, as the table and its CSV show them."""
    ceased = _ceased(chosen)
    table = chosen.assign(
        framework=chosen["framework"].map(lambda f: FRAMEWORK_LABELS.get(f, f)),
        level_reached=chosen["level_reached"].map(lambda lv: vocab.LEVELS.get(lv, "None recorded")),
        # A ceased council's spell is not open: it ended with the council (censored, not exited).
        open=chosen["open"].astype(bool) & ~ceased,
        exit_grade=chosen["exit_grade"].mask(ceased, CEASED),
    )[["name", "code", "start", "end", "months", "exit_grade", "open", "framework", "level_reached"]]
    return table.rename(
        columns={
            "name": "Authority",
            "code": "ONS code",
            "start": "Inadequate published",
            "end": "Exit published",
            "months": "Months",
            "exit_grade": "Exit grade",
            "open": "Open",
            "framework": "Framework",
            "level_reached": "Intervention level reached",
        }
    )


def _ceased(frame: pd.DataFrame) -> pd.Series:
    """Which spells ended with their council (``ceased``), as a boolean column."""
    if "ceased" not in frame:
        return pd.Series(False, index=frame.index)
    return frame["ceased"].fillna(False).astype(bool)


def _ci_text(ci) -> str:
    """'32.6–43.9', with 'not reached' for an open end: one short column instead of two."""
    lo, hi = ci
    if lo is None and hi is None:
        return "not reached"
    return f"{lo:.1f}–{hi:.1f}" if hi is not None else f"{lo:.1f}–not reached"


def _where(frame: pd.DataFrame, curve) -> None:
    """Where an authority in an open spell stands against the curve."""
    ceased = _ceased(frame)
    open_rows = frame[frame["open"].astype(bool) & ~ceased]
    if open_rows.empty:
        return
    st.markdown("#### Where does an authority stand?")
    by_code = open_rows.set_index("code")  # once: per option it was a fifth of a new session's time
    code = st.selectbox(
        "Authority in an open spell",
        open_rows["code"].tolist(),
        format_func=lambda c: by_code.loc[c, "name"],
        key="exit_where",
    )
    row = by_code.loc[code]
    share = share_exited_by(row["months_exact"], curve)
    st.markdown(
        f"{markdown(row['name'])}: **{row['months_exact']:.1f} months** since the inadequate judgement of "
        f"{long_date(row['start'])} (to {long_date(row['censored_at'])}). By that point **{share:.0%}** of "
        "authorities in this selection had left inadequate."
    )
