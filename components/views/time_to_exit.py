"""Time to exit from inadequate: Kaplan–Meier curves by a chosen split, pathways after inadequate
(a Sankey with its numbers), a swimmer chart of every spell, the spells as a table, and where a
chosen authority stands. Owns ``exit_*`` keys.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from oversight.components.figures.pathways import sankey_figure
from oversight.components.figures.safe_text import markdown
from oversight.components.figures.survival import FRAMEWORK_LABELS, group_labels, km_figure, swimmer_figure
from oversight.components.figures.theme import long_date
from oversight.components.widgets import cache as store
from oversight.components.widgets.filters import Filters
from oversight.components.widgets.tables import download_csv
from oversight.data.domain import pathways, vocab
from oversight.data.domain.survival import km_curve, logrank_words, share_exited_by

SPLITS = {
    "none": "No split (all spells)",
    "framework": "Framework of the inadequate judgement",
    "region": "Region",
    "level_reached": "Intervention level reached",
    "era": "Era of the inadequate judgement",
}
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
    """Curves, their figure, the log-rank words and the overall summary for one selection:
    cached, so a rerun that changes none of them (a highlight, a table sort) recomputes nothing."""
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
    return chosen, fig, curves, words, overall


def render(filters: Filters) -> None:
    """The page: controls, the curves with their summary, pathways, every spell."""
    data_as_at = store.data_as_at() or dt.date.today()
    st.title("Time to exit from inadequate")
    split, framework, start_range = _controls(store.spells_with_context())
    scope = filters.region_name
    chosen, fig, curves, words, overall_curve = _analysis(
        store.cache_key(), filters.region, framework, start_range, split, data_as_at, scope
    )
    if chosen.empty:
        st.info(
            f"No inadequate spells match this selection ({scope}, {framework}, {start_range[0]}–{start_range[1]}). "
            "Widen the filters to see a curve.",
            icon=":material/filter_alt_off:",
        )
        return
    _curves(chosen, fig, curves, words, overall_curve, scope, data_as_at)
    _pathways(chosen, scope, data_as_at, filters.region)
    _every_spell(chosen, data_as_at, filters.region)


def _controls(frame: pd.DataFrame) -> tuple[str, str, tuple[int, int]]:
    """The split, the framework and the years of spell start (``exit_split/framework/years``)."""
    controls = st.columns([2, 1, 2])
    split = controls[0].selectbox(
        "Split the curve by", list(SPLITS), format_func=SPLITS.get, key="exit_split"
    )
    framework = controls[1].selectbox(
        "Framework",
        ["all", "sif", "ilacs"],
        format_func=lambda f: {"all": "All"}.get(f, FRAMEWORK_LABELS.get(f)),
        key="exit_framework",
    )
    years = sorted({d.year for d in frame["start"]}) if len(frame) else [2014, 2024]
    start_range = controls[2].slider(
        "Spells starting in",
        min_value=years[0],
        max_value=years[-1],
        value=(years[0], years[-1]),
        key="exit_years",
    )
    return split, framework, tuple(start_range)


def _curves(chosen, fig, curves, words, overall_curve, scope: str, data_as_at: dt.date) -> None:
    """The headline median, the Kaplan–Meier chart, the log-rank words and the summary table."""
    overall = overall_curve.summary
    median = f"{overall.median_months:.1f} months" if overall.median_months is not None else "not reached"
    lo, hi = overall.median_ci
    ci = f" (95% CI {lo or '…'}–{hi or 'not reached'})" if overall.median_months is not None else ""
    st.markdown(
        f"**Median time to exit: {median}**{ci} · {overall.spells} spells, {overall.closed} ended, "
        f"{overall.open} still open · {scope} · data to {long_date(data_as_at)}"
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        st.plotly_chart(fig, key="exit_km", theme=None, config={"displaylogo": False})
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
            column_config={"Median (months)": st.column_config.NumberColumn(format="%.1f")},
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


def _pathways(chosen: pd.DataFrame, scope: str, data_as_at: dt.date, region: str | None) -> None:
    """The Sankey of pathways after inadequate, with its numbers as a table and CSV (``exit_path*``)."""
    st.markdown("### Pathways after inadequate")
    st.markdown(PATHWAYS_INTRO)
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
        st.markdown(PATHWAYS_READING)
        download_csv(
            path_rows.rename(
                columns={"code": "ONS code", "name": "Authority", "start": "Inadequate published"}
            ),
            f"inadequate-pathways-{region or 'england'}.csv",
            "Download the pathways as CSV",
            "exit_path_csv",
        )


def _every_spell(chosen: pd.DataFrame, data_as_at: dt.date, region: str | None) -> None:
    """The swimmer chart (a bar per spell; click or the highlight box opens the authority) and the table."""
    st.markdown("### Every spell")
    codes = sorted(set(chosen["code"]), key=lambda c: chosen.loc[chosen["code"] == c, "name"].iloc[0])
    names = dict(zip(chosen["code"], chosen["name"], strict=False))
    highlight = st.selectbox(
        "Highlight an authority",
        ["", *codes],
        format_func=lambda c: "—" if not c else names[c],
        key="exit_highlight",
    )
    if highlight:
        # The keyboard route to what a click on a bar does.
        st.page_link(
            "ui/authority_page.py",
            label=f"Open {markdown(names[highlight])}'s page",
            query_params={"la": highlight},
            icon=":material/account_balance:",
        )
    event = st.plotly_chart(
        swimmer_figure(chosen, highlight or None, data_as_at),
        key="exit_swimmer",
        theme=None,
        on_select="rerun",
        selection_mode=("points",),
        config={"displaylogo": False},
    )
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        points = []
    for point in points or []:
        code = (point.get("customdata") or [None])[0]
        if code:
            st.switch_page("ui/authority_page.py", query_params={"la": code})
    table = spells_table(chosen)
    st.dataframe(
        table,
        hide_index=True,
        key="exit_table",
        column_config={
            "Inadequate published": st.column_config.DateColumn(format="D MMM YYYY"),
            "Exit published": st.column_config.DateColumn(format="D MMM YYYY"),
        },
    )
    download_csv(
        table,
        f"inadequate-spells-{region or 'england'}.csv",
        "Download the spells as CSV",
        "exit_csv",
    )


def spells_table(chosen: pd.DataFrame) -> pd.DataFrame:
    """The spells in words, as the table and its CSV show them."""
    table = chosen.assign(
        framework=chosen["framework"].map(lambda f: FRAMEWORK_LABELS.get(f, f)),
        level_reached=chosen["level_reached"].map(lambda lv: vocab.LEVELS.get(lv, "None recorded")),
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


def _ci_text(ci) -> str:
    """'32.6–43.9', with 'not reached' for an open end: one short column instead of two."""
    lo, hi = ci
    if lo is None and hi is None:
        return "not reached"
    return f"{lo:.1f}–{hi:.1f}" if hi is not None else f"{lo:.1f}–not reached"


def _where(frame: pd.DataFrame, curve) -> None:
    """Where an authority in an open spell stands against the curve."""
    open_rows = frame[frame["open"]]
    if open_rows.empty:
        return
    st.markdown("#### Where does an authority stand?")
    code = st.selectbox(
        "Authority in an open spell",
        open_rows["code"].tolist(),
        format_func=lambda c: open_rows.set_index("code").loc[c, "name"],
        key="exit_where",
    )
    row = open_rows.set_index("code").loc[code]
    share = share_exited_by(row["months_exact"], curve)
    st.markdown(
        f"{markdown(row['name'])}: **{row['months_exact']:.1f} months** since the inadequate judgement of "
        f"{long_date(row['start'])} (to {long_date(row['censored_at'])}). By that point **{share:.0%}** of "
        "authorities in this selection had left inadequate."
    )
