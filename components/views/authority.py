"""The authority page: one council's story before a board meeting.

Header card (codes, region, level and since when, latest judgement with every area and its
date, where it stands in the NAO flowchart), the timeline with clocks, and the whole history
as a table. Owns ``authority_*`` widget keys and the ``la`` URL parameter. Every name, title,
detail and source from the data is shown through ``safe_text.markdown`` (Streamlit reads Markdown
in titles, messages and captions) and every source link through ``safe_text.web_link``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from oversight.components.figures.judgements import areas_text, judgement_words, ordered_areas
from oversight.components.figures.safe_text import markdown, plain, quoted, web_link
from oversight.components.figures.theme import long_date
from oversight.components.figures.timeline import (
    ceased_words,
    neighbour_grades_figure,
    story_clocks,
    story_judgements,
    timeline_figure,
)
from oversight.components.widgets import auth, freshness, record_fact, review
from oversight.components.widgets import cache as store
from oversight.components.widgets.charts import Chart, chart, titled_chart
from oversight.components.widgets.filters import Filters
from oversight.components.widgets.tables import EMPTY, csv_bytes, download_csv
from oversight.data.domain import framework, vocab
from oversight.data.domain.clocks import Expected, SpellClocks
from oversight.data.domain.dates import in_words
from oversight.data.domain.levels import Intervention, level_on
from oversight.data.store.story import AuthorityStory

#: The April 2026 rule in words (DOMAIN §2), under a post-reform inspection's area judgements.
FRAMEWORK_2026 = (
    "Since 1 April 2026 Ofsted gives no overall effectiveness grade. An inspection counts as inadequate "
    "when help and protection, children in care or care leavers is judged inadequate (leadership alone "
    "does not count); otherwise it has no overall grade."
)
KEY_LA = "authority_la"
KEY_WRITTEN = "authority_la_in_url"
#: The fact whose history is shown ("interventions:12"): chosen in its box, or by a click on a
#: timeline mark or a row of the history table (each remembered so only a new click moves it).
KEY_FACT = "authority_fact_history"
KEY_SEEN_MARK = "authority_fact_seen_mark"
KEY_SEEN_ROW = "authority_fact_seen_row"
NONE = ""

#: Where each level sits in the NAO 2016 flowchart, and what normally comes next.
FLOWCHART = {
    vocab.ALTERNATIVE_DELIVERY: (
        "Direction track: services run by a trust, company or another council under direction.",
        "DfE reviews the arrangement; services return to the council only when a source says so.",
    ),
    vocab.DIRECTION_COMMISSIONER: (
        "Direction track: statutory direction with a commissioner (persistent or systemic failure).",
        "The commissioner reports in about 3 months: capacity to improve → improvement track; "
        "if not → alternative delivery (a partnership if the council co-operates, imposed within the year if not).",
    ),
    vocab.DIRECTION: (
        "Direction track: statutory direction with an adviser.",
        "Progress reviews; a better judgement and a DfE review lift the direction (0–24 months later in cases seen).",
    ),
    vocab.IMPROVEMENT_NOTICE: (
        "Improvement track: notice, DfE adviser, improvement board, diagnostic review (~3 months).",
        "Progress report at ~6 months; not enough progress → direction track (Dec 2015 policy); "
        "a better judgement and a DfE review lift the notice.",
    ),
    vocab.INADEQUATE_NO_INTERVENTION: (
        "Judged inadequate, but no notice or direction is recorded in the tracker: a gap in the data.",
        "Expect an improvement notice or a direction; add it to the tracker with its source.",
    ),
    vocab.NO_INTERVENTION: ("No intervention recorded on this date.", ""),
}


@dataclass(frozen=True)
class TimelineParts:
    """The timeline section of one council on one date, alike for every visitor."""

    ceased: str | None
    clocks: SpellClocks | None
    timeline: Chart


@st.cache_resource(show_spinner=False, max_entries=128)
def _timeline_parts(key: tuple, code: str, as_at: dt.date) -> TimelineParts:
    """The clocks and the timeline chart of a council on a date (the view's date, before the
    council ceased), per data version: a new session on a known council builds no figure."""
    story = store.story(code)
    assert story is not None  # the page asks only for a council it has
    ceased = ceased_words(story, as_at)  # a ceased council runs no clocks
    day = min(as_at, story.authority.existed_to or as_at)
    clocks = None if ceased else story_clocks(story, day)
    expected = [e.as_dict() for e in clocks.items] if clocks else None
    return TimelineParts(ceased, clocks, chart(timeline_figure(story, day, expected), 35))


@dataclass(frozen=True)
class NeighbourParts:
    """The statistical neighbours of one council on one date: the table and the grades chart."""

    model: str
    table: pd.DataFrame
    grades: Chart


@st.cache_resource(show_spinner=False, max_entries=128)
def _neighbour_parts(key: tuple, code: str, as_at: dt.date) -> NeighbourParts | None:
    """A council's neighbours on a date (None: no grouping imported), per data version."""
    story = store.story(code)
    assert story is not None
    info = story.authority
    model, rows = store.neighbours(info.id)
    if not rows:
        return None
    levels = store.levels(as_at).set_index("authority_id")
    table = pd.DataFrame(
        {
            "Rank": [r["rank"] for r in rows],
            "Authority": [r["name"] for r in rows],
            "Closeness": [r["closeness"] for r in rows],
            "Latest judgement": [
                _latest_words(levels.loc[r["neighbour_id"]])
                if r["neighbour_id"] in levels.index
                else "did not exist"
                for r in rows
            ],
            "Published": [
                levels.loc[r["neighbour_id"], "published"] if r["neighbour_id"] in levels.index else None
                for r in rows
            ],
            "Intervention level": [
                levels.loc[r["neighbour_id"], "level_label"] if r["neighbour_id"] in levels.index else None
                for r in rows
            ],
        }
    )
    table["Published"] = pd.to_datetime(table["Published"])  # not inspected: "—", not "None"
    ids = [info.id] + [r["neighbour_id"] for r in rows]
    names = [info.name] + [r["name"] for r in rows]
    fig = neighbour_grades_figure(store.full_inspections(), ids, names, as_at)
    return NeighbourParts(model, table, chart(fig, 30))


@st.cache_resource(show_spinner=False, max_entries=128)
def _history_parts(key: tuple, code: str, notes: tuple[str, ...]) -> tuple[pd.DataFrame, bytes]:
    """A council's whole history as the table shows it, and its CSV, per data version."""
    story = store.story(code)
    assert story is not None
    facts = story.facts
    table = pd.DataFrame(
        {
            "Date": [f.date for f in facts],
            "Authority": [f.authority for f in facts],
            "What": [f.type for f in facts],
            "Detail": [_detail(f) for f in facts],
            "Date precision": [f.precision for f in facts],
            "Source": ["; ".join(x.title for x in f.sources) for f in facts],
            "Link": [web_link(f.source.url) for f in facts],
        }
    )
    return table, csv_bytes(table, notes)


def _resolve(code: str | None) -> AuthorityStory | None:
    if not code:
        return None
    return store.story(code)


def render(filters: Filters) -> None:
    latest_names = store.council_names(filters.as_at)
    param = (st.query_params.get("la") or "").strip().upper()
    # A link (or the map) that names another authority wins over this page's last choice.
    if KEY_LA not in st.session_state or (param and param != st.session_state.get(KEY_WRITTEN)):
        st.session_state[KEY_LA] = param
    code = st.session_state[KEY_LA]
    story = _resolve(code)

    st.title(markdown(story.authority.name) if story else "Authority")
    choices = list(latest_names)  # by name
    if code and code not in choices:  # a former authority, or an unknown code to explain
        choices = [code, *choices]
    st.selectbox(
        "Authority",
        options=[NONE, *choices],
        format_func=lambda c: (
            "Choose an authority…" if c == NONE else f"{latest_names.get(c) or _name(c)} ({c})"
        ),
        key=KEY_LA,
        help="Authorities existing on the as-at date; type to search.",
    )
    code = st.session_state[KEY_LA]
    story = _resolve(code)
    if st.query_params.get("la") != (code or None):
        if code:
            st.query_params["la"] = code
        elif "la" in st.query_params:
            del st.query_params["la"]
    st.session_state[KEY_WRITTEN] = code
    if not code:
        st.info("Choose an authority, or open one from the map.", icon=":material/travel_explore:")
        return
    if story is None:
        st.warning(
            markdown(
                f"No authority has the code {quoted(code)}: use a 9-character ONS code (e.g. E06000005) "
                "or a DfE number."
            ),
            icon=":material/search_off:",
        )
        return
    signed = auth.who()
    freshness.after_end(filters.as_at)  # its level and clocks: what the record holds by then
    _header(story, filters)
    _timeline_and_clocks(story, filters)
    _neighbours(story, filters)
    _history(story, filters)
    # Signed-in people only: what waits for review here, and recording a fact (editors and up).
    review.proposals(signed, "authority", story.authority.id)
    record_fact.render(story, signed)


def _name(code: str) -> str:
    story = store.story(code)
    return story.authority.name if story else code


def _header(story: AuthorityStory, filters: Filters) -> None:
    info = story.authority
    as_at = filters.as_at
    codes = ", ".join(
        f"{c.code}"
        + (f" (from {long_date(c.valid_from)})" if c.valid_from else "")
        + (f" (to {long_date(c.valid_to)})" if c.valid_to else "")
        for c in info.codes
    )
    st.markdown(markdown(f"{info.region} · {info.type} · DfE {info.dfe_code} · ONS {codes}"))
    existed_from, existed_to = info.existed_from, info.existed_to
    if existed_to and existed_to < as_at:
        succ = ", ".join(s.name for s in info.successors) or "its successors"
        st.warning(
            markdown(
                f"{info.name} ceased on {long_date(existed_to)}; succeeded by {succ}. Its history is shown."
            )
        )
        as_at = existed_to
    if existed_from and existed_from > as_at:
        st.warning(
            markdown(
                f"{info.name} did not exist on {long_date(as_at)}: it was created on {long_date(existed_from)}."
            )
        )
    for pred in info.predecessors:
        st.caption(
            markdown(
                f"Created on {long_date(pred.date)} from {pred.name} ({pred.kind}); its history is shown paler."
            )
        )

    own = story.own_facts
    ivs = [
        Intervention(f.level, f.date, f.precision, f.end_date, f.label, f.source.title)
        for f in own
        if f.type == "intervention"
    ]
    level = level_on(as_at, ivs, story_judgements(story))
    latest = [f for f in own if f.is_full_inspection and f.publication_date and f.publication_date <= as_at]
    cols = st.columns([1, 1])
    with cols[0]:
        st.markdown(f"#### Intervention level as at {long_date(as_at)}")
        since = f" since {in_words(level.since, level.since_precision)}" if level.since else ""
        title = level.intervention.title if level.intervention else None
        st.markdown(
            f"**{markdown(level.label)}**{since}"
            + (f" · {markdown(title)}" if title and title != level.label else "")
        )
        where, nxt = FLOWCHART[level.level]
        st.markdown(f"*NAO flowchart:* {where}")
        if nxt:
            st.markdown(f"*What normally comes next:* {nxt}")
        if level.level == vocab.INADEQUATE_NO_INTERVENTION:
            # The form is far down the page: the gap's prompt goes straight to it.
            st.markdown(
                f"[Add the notice or direction to this authority's record](#{record_fact.ANCHOR})",
                help="Jumps to the form at the foot of this page (sign-in and the editor role needed).",
            )
    with cols[1]:
        st.markdown(f"#### Latest Ofsted judgement as at {long_date(as_at)}")
        if not latest:
            st.markdown("**Not yet inspected** (no full inspection published by this date).")
        else:
            f = latest[-1]
            post_reform = framework.is_post_reform(f.inspection_date, f.publication_date)
            words = judgement_words(f.overall_effectiveness, f.overall_derived, post_reform, True)
            st.markdown(
                f"**{markdown(words)}** · {markdown(f.label)} · published "
                f"{long_date(f.publication_date)}"
                + (" (estimated)" if f.publication_estimated else "")
                + (" (corrected: see the source)" if f.corrected else "")
            )
            if post_reform:
                # The 2026 framework's four area judgements, in DOMAIN §2's order, are the judgement.
                st.markdown("Area judgements (2026 framework):")
                for area_words, grade in ordered_areas(f.judgements):
                    st.markdown(f"- {markdown(area_words)}: **{markdown(grade)}**")
                st.caption(FRAMEWORK_2026)
            else:
                for area, grade in f.judgements.items():
                    st.markdown(f"- {markdown(vocab.AREAS.get(area, area))}: {markdown(grade)}")
            st.caption(f"Source: {markdown('; '.join(x.title for x in f.sources))}")


def _timeline_and_clocks(story: AuthorityStory, filters: Filters) -> None:
    as_at = min(filters.as_at, story.authority.existed_to or filters.as_at)
    parts = _timeline_parts(store.cache_key(), story.authority.code, filters.as_at)
    ceased, clocks = parts.ceased, parts.clocks
    event = titled_chart(
        parts.timeline,
        key="authority_timeline",
        on_select="rerun",
        selection_mode=("points",),
    )
    _source_of_selection(event)
    st.caption(
        f"As at {long_date(as_at)} · hover for dates, details and sources · hollow marks are expected dates "
        "(the statutory timescales after an inadequate report), not facts · Sources: Ofsted releases; tracker (Data & sources)."
    )
    if ceased:
        st.markdown(markdown(ceased))
    if clocks:
        st.markdown(f"#### Clocks of the open inadequate spell (since {long_date(clocks.spell_start)})")
        rows = pd.DataFrame(
            {
                "Expected": [e.label for e in clocks.items],
                "Date": [e.date for e in clocks.items],
                "Status": [_status(e, as_at) for e in clocks.items],  # met / missed / overdue / …
            }
        )
        st.dataframe(
            rows,
            hide_index=True,
            key="authority_clocks",
            placeholder=EMPTY,
            column_config={"Date": st.column_config.DateColumn(format="D MMM YYYY")},
        )
        if clocks.days_since_last_visit is not None:
            st.markdown(
                f"**{clocks.days_since_last_visit} days** since the last monitoring visit recorded "
                f"({long_date(clocks.last_monitoring_visit)})."
            )
        else:
            st.markdown("No monitoring visit recorded since the inadequate judgement.")
        st.caption(f"Clocks run from the inadequate report published {long_date(clocks.clock_from)}.")


def _neighbours(story: AuthorityStory, filters: Filters) -> None:
    """The 10 statistical neighbours: latest judgement and level, and grades over time."""
    parts = _neighbour_parts(store.cache_key(), story.authority.code, filters.as_at)
    st.markdown("#### Statistical neighbours")
    if parts is None:
        st.caption("No statistical neighbour grouping imported (DfE's groupings).")
        return
    # The whole width, the council, its judgement and level first: beside the chart, at 1,280 px,
    # only rank, name and closeness showed.
    st.dataframe(
        parts.table,
        hide_index=True,
        key="authority_neighbours",
        placeholder=EMPTY,
        column_order=[
            "Authority",
            "Latest judgement",
            "Intervention level",
            "Published",
            "Closeness",
            "Rank",
        ],
        column_config={
            "Authority": st.column_config.TextColumn(width="medium"),
            "Latest judgement": st.column_config.TextColumn(width="medium"),
            "Intervention level": st.column_config.TextColumn(width="medium"),
            "Published": st.column_config.DateColumn(format="D MMM YYYY"),
            "Rank": st.column_config.NumberColumn(width="small"),
        },
    )
    st.caption(f"As at {long_date(filters.as_at)} · {parts.model} statistical neighbours (DfE, OGL v3.0).")
    titled_chart(parts.grades, key="authority_neighbour_grades")


def _latest_words(row: pd.Series) -> str:
    """A neighbour's latest judgement in words: a derived inadequate as derived, a post-reform
    inspection without an overall grade as such, none as "Not yet inspected"."""
    return judgement_words(
        row.get("judgement"),
        row.get("overall_derived"),
        row.get("post_reform"),
        pd.notna(row.get("published")),
    )


def _detail(f) -> str:
    """A fact's words in the history table; a post-reform inspection's with its area judgements."""
    grade = f.overall_effectiveness
    areas = ""
    if (
        f.type == "inspection"
        and f.is_full_inspection
        and framework.is_post_reform(f.inspection_date, f.publication_date)
    ):
        grade = judgement_words(grade, f.overall_derived, True, True)
        areas = areas_text(f.judgements)
    return " · ".join(
        plain(x)  # a cell the page composes: a title's direction control must not turn "Good" round
        for x in (
            f.label,
            grade,
            vocab.LEVELS.get(f.level, None) if f.type == "intervention" else None,
            f.theme,
            f.details,
            f.summary,
            areas,
            "date corrected (see the source)" if f.corrected else None,
        )
        if x
    )


def _source_of_selection(event) -> None:
    """Clicking a mark on the timeline offers its source (every mark carries its link, if it is a
    web address: ``safe_text.web_link``)."""
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        return
    for point in points or []:
        custom = point.get("customdata") or []
        url = web_link(custom[0] if custom else None)
        if url:
            st.link_button("Open the source of the selected mark", url, icon=":material/open_in_new:")
        else:
            st.caption("The selected mark's source has no web address (see the history table).")
        ref = custom[1] if len(custom) > 1 else ""
        if ref and ref != st.session_state.get(KEY_SEEN_MARK):
            st.session_state[KEY_SEEN_MARK] = ref
            st.session_state[KEY_FACT] = ref  # its history is shown under the history table
            st.caption("Its history (who recorded it, who approved it, when) is under the history table.")
        return


def _history(story: AuthorityStory, filters: Filters) -> None:
    facts = story.facts
    table, csv = _history_parts(store.cache_key(), story.authority.code, tuple(freshness.csv_notes(None)))
    st.markdown("#### The whole history")
    event = st.dataframe(
        table,
        hide_index=True,
        key="authority_history",
        placeholder=EMPTY,
        # What happened first; the council (a predecessor's facts are here too) and precision after.
        column_order=["Date", "What", "Detail", "Source", "Link", "Authority", "Date precision"],
        column_config={
            "Date": st.column_config.DateColumn(format="D MMM YYYY"),
            "Detail": st.column_config.TextColumn(width="large"),
            "Link": st.column_config.LinkColumn("Link"),
        },
        on_select="rerun",
        selection_mode="single-row",
    )
    st.caption(
        "Dates: publication of reports and letters where known; month- or year-level facts show the first day. "
        "Select a row (or click a mark on the timeline) to see that fact's history below."
    )
    download_csv(
        csv, f"history-{story.authority.code}.csv", "Download the history as CSV", key="authority_csv"
    )
    _fact_history(facts, event)


def _fact_history(facts, event) -> None:
    """One fact's history: who recorded it (an import run, or a proposal and who approved it),
    when, what changed and the source. The fact is chosen in the box, or by clicking a row of
    the history table or a mark of the timeline."""
    refs = {f"{f.fact_table}:{f.fact_id}": f for f in facts if f.fact_id is not None}
    try:
        rows = list(event.selection.rows)  # type: ignore[union-attr]
    except AttributeError:
        rows = []
    if rows and 0 <= rows[0] < len(facts) and rows[0] != st.session_state.get(KEY_SEEN_ROW):
        st.session_state[KEY_SEEN_ROW] = rows[0]
        fact = facts[rows[0]]
        if fact.fact_id is not None:
            st.session_state[KEY_FACT] = f"{fact.fact_table}:{fact.fact_id}"
    if st.session_state.get(KEY_FACT) not in refs:
        st.session_state.pop(KEY_FACT, None)  # another authority's fact, or one retracted since
    st.markdown("#### History of a fact")
    choice = st.selectbox(
        "Show the history of",
        options=list(refs),
        index=None,
        format_func=lambda ref: record_fact.fact_label(refs[ref]),
        placeholder="Choose a fact…",
        key=KEY_FACT,
        help="Who recorded it (an import, or a person and the reviewer who approved it), when, what "
        "changed and the source.",
    )
    if choice is None:
        st.caption("Choose a fact, select a row of the table or click a mark on the timeline.")
        return
    _sources_of(refs[choice])
    table, _, fact_id = choice.partition(":")
    review.fact_history(table, int(fact_id))


def _sources_of(fact) -> None:
    """Every source of the chosen fact, as text, and a button to open each one that is a web
    address: a fact can have several (a second report of it, the source a correction kept)."""
    st.markdown("Sources of this fact:" if len(fact.sources) > 1 else "Source of this fact:")
    st.markdown(
        "\n".join(
            f"- {markdown(x.title)}" + (f" · {markdown(x.publisher)}" if x.publisher else "")
            for x in fact.sources
        )
    )
    for x in fact.sources:
        url = web_link(x.url)
        if url:
            st.link_button(markdown(f"Open: {review.short(x.title, 60)}"), url, icon=":material/open_in_new:")


def _status(e: Expected, as_at: dt.date) -> str:
    """A clock's state in words, capitalised for the table: met, missed, overdue (and why), not in
    the data (and why), due or open (``Expected.words``)."""
    words = e.words(as_at)
    return words[:1].upper() + words[1:]
