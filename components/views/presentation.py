"""Presentation mode (``?present=1``): the board-meeting view on a projector.

No sidebar and no controls but the step buttons; large type; one view per screen, readable at
1280×720: the map by intervention level (as tall as the screen, London beside England) → what changed
since the last meeting (``since=``, ``until=``; by default the eight weeks to the as-at date) → the
authorities in intervention (a page of the table per slide, "1 of 3") → time to exit (and the
authority's timeline when the link names one, ``la=``, or after a click on the map). Left/Right arrow
keys step (button shortcuts), Esc leaves. The step is kept in the URL (``step=``) so a reload stays put.
Every slide fits the screen without scrolling: the page is a column as tall as the screen, whose
body (a table's page, a chart) takes what the step bar, heading and freshness leave; a chart is as
tall as that body, with projector-sized text (``figures/projector``). While the map shows, the
charts of the later slides are built into the cache, so the first chart slide is a cache hit.
Owns ``present_*`` keys. Link notes, names and table cells from the data are shown through
``safe_text.markdown``: Streamlit reads Markdown in titles, messages and ``st.table`` cells.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from oversight.components.figures.changes import (
    headline,
    more_words,
    slide_rows,
    slide_title,
    total_words,
)
from oversight.components.figures.map_data import area_notes, by_severity, legend_counts, slide_table
from oversight.components.figures.map_plotly import TOPOJSON_URL
from oversight.components.figures.map_svg import CSS, JS, svg_map
from oversight.components.figures.projector import projector
from oversight.components.figures.safe_text import markdown, markdown_cells, quoted
from oversight.components.figures.survival import LEGEND_ROW, legend_rows, region_against_england
from oversight.components.figures.theme import long_date
from oversight.components.figures.timeline import ceased_words, story_clocks, timeline_figure
from oversight.components.widgets import cache as store
from oversight.components.widgets import changes, freshness, page_style
from oversight.components.widgets import filters as shared_filters
from oversight.components.widgets.filters import Filters
from oversight.data.domain.digest import ChangeLine, Digest
from oversight.data.store.story import AuthorityStory

KEY_STEP = "present_step"
FIGURE_HEIGHT = 470
#: Rows of the authorities' table on one slide: with the step bar, heading, a note line and the
#: freshness lines it fits 1280×720 (each 2026-framework area note under the table takes a row's room).
TABLE_ROWS = 8
#: A 2026-framework area note (a caption line, often two) in rows of the table.
NOTE_ROWS = 1.5
#: Lines of the digest on its slide (the rest: "and N more — see the What changed page").
CHANGE_LINES = 5
#: About how many characters of a change's words fit one line of its column at 1280×720, and how
#: many such lines the slide's table holds: long changes (a move to alternative delivery, with the
#: trust's name) wrap to four lines, so fewer of them are shown rather than the slide scrolling.
CHANGE_CHARS, CHANGE_TEXT_LINES = 42, 13
#: The map's picture is as tall as the screen less the step bar and the page's padding: a
#: projector at 1280×720 and a screen at 1920×1080 alike (the markup scales; no pixel height).
MAP_CSS = (
    CSS
    + """
.oversight-map .t, .oversight-map ul, .oversight-map figcaption { display: none; }
.oversight-map svg { height: calc(100vh - 6.5rem);
  width: min(calc((100vh - 6.5rem) * var(--aspect, 1.3)), calc(100vw - 24rem)); }
/* A phone: the columns stack, so the map takes the screen's width (24rem beside it left ~6 px). */
@media (max-width: 640px) { .oversight-map svg { width: 100%; height: auto; }
  .oversight-map .inset text { font-size: 72px; } }
"""
)
STYLE = """
<style>
/* Type (and every rem) in proportion to the screen: 16 px at 1280×720, 22.6 px at 1920×1080, so
   a large screen shows the projector's slide larger, not a third of it empty; by its width too,
   so that on a squarer screen (1440×1000) the map keeps its width beside the legend. */
html { font-size: max(16px, min(100vh / 45, 100vw / 85)); }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 0.75rem 2rem 0.75rem 2rem !important; max-width: 100% !important; }
/* One screen per slide: the page is a column as tall as the screen, its body takes the rest. */
[data-testid="stMainBlockContainer"] { height: 100vh; box-sizing: border-box; }
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] { height: 100%; gap: 0.6rem; }
[data-testid="stLayoutWrapper"]:has(> .st-key-present_body), .st-key-present_body {
  flex: 1 1 0 !important; min-height: 0; }
.st-key-present_body [data-testid="stLayoutWrapper"]:has(> [data-testid="stHorizontalBlock"]),
.st-key-present_body [data-testid="stHorizontalBlock"] { flex: 1 1 0; min-height: 0; height: 100%; }
.st-key-present_body [data-testid="stColumn"] > [data-testid="stVerticalBlock"] { height: 100%; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td,
[data-testid="stMain"] th { font-size: 1.35rem !important; line-height: 1.4; }
[data-testid="stMain"] h1 { font-size: 2.1rem !important; padding: 0 !important; line-height: 1.2; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.05rem !important; }
[data-testid="stMain"] table { width: 100%; }
[data-testid="stMain"] [data-testid="stColumn"] h1 { font-size: 1.8rem !important; }
[data-testid="stMain"] [data-testid="stColumn"] [data-testid="stAlert"] p { font-size: 1rem !important; }
/* The freshness lines and the stale notice: small, under the slide's body. */
.st-key-present_fresh { gap: 0.3rem; }
.st-key-present_fresh [data-testid="stAlertContainer"] { padding: 0.5rem 0.8rem; }
.st-key-present_fresh [data-testid="stAlert"] p { font-size: 1rem !important; }
/* The map's column as wide as the map; the title, legend and freshness take the rest. */
.st-key-present_map_row [data-testid="stColumn"]:first-child { flex: 0 0 auto !important;
  width: auto !important; }
.st-key-present_map_row [data-testid="stColumn"]:last-child { flex: 1 1 0 !important;
  width: auto !important; min-width: 14rem; }
.present-swatch { display: inline-block; width: 1.2rem; height: 1.2rem; margin-right: .5rem;
  vertical-align: -.15rem; border: 1px solid #BFBFBF; }
.st-key-present_warm { display: none !important; }
</style>
"""


def requested() -> bool:
    """Whether the URL asks for presentation mode."""
    return str(st.query_params.get("present", "")).lower() in {"1", "true", "yes"}


def _steps(la: str | None, pages: int = 1) -> list[str]:
    """The slides in order; the authorities' table is one slide per page ("authorities" repeated)."""
    steps = ["map", "changes", *["authorities"] * max(pages, 1)]
    if la:
        steps.append("authority")
    return [*steps, "exit"]


def _start(steps: list[str], start_page: str) -> int:
    raw = st.query_params.get("step")
    if raw is not None and str(raw).isdigit() and 1 <= int(raw) <= len(steps):
        return int(raw) - 1
    wanted = {"authority": "authority", "exit": "exit", "changes": "changes"}.get(start_page, "map")
    return steps.index(wanted) if wanted in steps else 0


def _filters() -> Filters:
    """The link's region and date; no date: today, as every page (issue 22)."""
    today = freshness.today()
    newest = store.data_as_at() or today
    return shared_filters.parse_params(dict(st.query_params), today, max(newest, today))


def render(start_page: str = "map") -> None:
    """The whole presentation for this run: styles, the current step, the step bar."""
    st.html(STYLE)
    filters = _filters()
    la = str(st.query_params.get("la", "")).strip().upper() or None
    story = store.story(la) if la else None
    if la and story is None:
        filters.notes.append(f"Unknown authority code {quoted(la)}: the authority step is left out.")
        la = None
    pages = table_pages(_in_view(filters))
    steps = _steps(la, len(pages))
    if KEY_STEP not in st.session_state:
        st.session_state[KEY_STEP] = _start(steps, start_page)
    st.session_state[KEY_STEP] = min(max(st.session_state[KEY_STEP], 0), len(steps) - 1)
    now = st.session_state[KEY_STEP]
    _step_bar(steps, now)
    for note in filters.notes:
        st.warning(markdown(note), icon=":material/link_off:")
    step = steps[now]
    if step == "map":
        _map(filters)
        _warm(filters, story)
    elif step == "changes":
        _changes(filters)
    elif step == "authorities":
        page = now - steps.index("authorities")
        _authorities(filters, pages, page)
    elif step == "authority" and story is not None:
        _authority(story, filters)
    else:
        _exit(filters)
    if step != "map":
        # No sidebar here: the newest publication and its source (and, when stale, the notice) on
        # every slide, under its body across the screen; the map's are beside it, so that the map
        # keeps the screen's height.
        with st.container(key="present_fresh"):
            freshness.render(line_in=st, notice_in=st, as_at=filters.as_at)
    st.query_params["step"] = str(now + 1)


def _go(delta: int, count: int) -> None:
    st.session_state[KEY_STEP] = min(max(st.session_state.get(KEY_STEP, 0) + delta, 0), count - 1)


def _leave() -> None:
    for key in ("present", "step"):
        if key in st.query_params:
            del st.query_params[key]
    st.session_state.pop(KEY_STEP, None)


def _step_bar(steps: list[str], now: int) -> None:
    names = {
        "map": "Map",
        "changes": "What changed",
        "authorities": "Authorities",
        "authority": "Timeline",
        "exit": "Time to exit",
    }
    cols = st.columns([1, 1, 4, 1], vertical_alignment="center")
    cols[0].button(
        "Previous",
        key="present_prev",
        icon=":material/arrow_back:",
        shortcut="Left",
        disabled=now == 0,
        on_click=_go,
        args=(-1, len(steps)),
    )
    cols[1].button(
        "Next",
        key="present_next",
        icon=":material/arrow_forward:",
        shortcut="Right",
        disabled=now == len(steps) - 1,
        on_click=_go,
        args=(1, len(steps)),
    )
    # The trail names each kind of slide once; the table's pages say which page is on the screen.
    pages = steps.count("authorities")
    first = steps.index("authorities")
    trail = []
    for i, step in enumerate(steps):
        if step == "authorities" and i != first:
            continue
        name = names[step]
        if step == "authorities" and pages > 1:
            page = now - first + 1 if first <= now < first + pages else None
            name += f" ({page} of {pages})" if page else f" ({pages})"
        here = i == now or (step == "authorities" and steps[now] == "authorities")
        trail.append(f"**{name}**" if here else name)
    cols[2].markdown(f"{now + 1} of {len(steps)}: {' → '.join(trail)}")
    with cols[2]:  # beside the trail, which is lower than the buttons: the row keeps its height
        page_style.found_script()
    cols[3].button("Leave", key="present_leave", icon=":material/close:", shortcut="Esc", on_click=_leave)


def _title(text: str, filters: Filters, source: str) -> None:
    st.title(text)
    st.caption(f"As at {long_date(filters.as_at)} · {filters.region_name} · {source}")


def _map(filters: Filters) -> None:
    """The map as tall as the screen (London beside England), with the title, legend and freshness
    beside it; without boundaries, the equal-area tiles. A click on an authority (or Enter on it)
    opens its timeline."""
    data = store.map_data(filters.as_at)
    shown = data.in_region(filters.region)
    with st.container(key="present_map_row"):
        left, right = st.columns([3, 1], gap="medium")
    with right:
        _title(
            f"Intervention level, {filters.region_name}",
            filters,
            "Ofsted; DfE notices and directions as tracked; ONS boundaries. OGL v3.0.",
        )
        # The legend: the theme's own colours and words (never outside text), so the swatch may be HTML.
        st.markdown(
            "  \n".join(
                f'<span class="present-swatch" style="background:{cat.colour}"></span>**{n}** · {cat.label}'
                for cat, n in legend_counts(shown, "intervention", short=True)
                if n
            ),
            unsafe_allow_html=True,
        )
        freshness.render(line_in=st, notice_in=st, as_at=filters.as_at)
    with left:
        if data.geojson is None:
            fig = go.Figure(store.map_figure("intervention", "tiles", filters.as_at, filters.region))
            fig.update_layout(height=FIGURE_HEIGHT, title_text="", margin={"t": 40, "b": 30})
            st.plotly_chart(
                fig,
                key="present_map",
                theme=None,
                config={"displayModeBar": False, "topojsonURL": TOPOJSON_URL},
            )
            return
        result = _map_component()(
            data=_map_markup(store.cache_key(), filters.as_at, filters.region, filters.region_name),
            key="present_map_svg",
            on_clicked_change=lambda: None,
        )
    clicked = getattr(result, "clicked", None)
    if clicked and clicked in set(shown["code"]):
        st.query_params["la"] = clicked
        st.session_state[KEY_STEP] = _steps(clicked, len(table_pages(_in_view(filters)))).index("authority")
        st.rerun()


@st.cache_data(show_spinner=False, max_entries=32)
def _map_markup(key: tuple, as_at: dt.date, region: str | None, region_name: str) -> str:
    data = store.map_data(as_at)
    params = {"as_at": as_at.isoformat(), **({"region": region} if region else {})}
    return svg_map(data.frame, data.geojson, "intervention", as_at, region, region_name, params, wide=True)


@st.cache_resource(show_spinner=False)
def _map_component():
    """Registered once per process: the presentation's map, sized to the screen by its CSS."""
    return st.components.v2.component("oversight_present_map", css=MAP_CSS, js=JS)


def _warm(filters: Filters, story: AuthorityStory | None) -> None:
    """While the map shows (it is already on its way to the browser), build the later slides'
    charts into the cache, and let the browser load its charting code with an empty chart kept
    out of sight: the first chart slide is then a cache hit drawn by code already loaded (8–9 s
    for the first one before)."""
    _exit_chart(store.cache_key(), filters.as_at, filters.region, filters.region_name)
    if story is not None:
        _timeline_chart(store.cache_key(), story.authority.code, filters.as_at)
    with st.container(key="present_warm"):
        st.plotly_chart(go.Figure(), key="present_warm_chart", theme=None, config={"displayModeBar": False})


def _changes(filters: Filters) -> None:
    """What changed since the last meeting: the counts, then the first lines (judgements, spells and
    interventions first), and how many more the What changed page lists."""
    newest = store.data_as_at() or freshness.today()
    window = changes.parse_window(dict(st.query_params), filters.as_at, max(newest, freshness.today()))
    for note in window.notes:
        st.warning(markdown(note), icon=":material/link_off:")
    digest = changes.digest(window.since, window.until, filters.region)
    _title(
        slide_title(window.since, window.until),
        filters,
        "each change's own source, listed with a link on the What changed page. OGL v3.0.",
    )
    with st.container(key="present_body"):
        left, right = st.columns([1, 2.4], gap="large")
    with left:
        st.markdown(
            "  \n".join(
                [f"**{total_words(digest)}** · {markdown(filters.region_name)}"]
                + [f"**{g.count}** · {g.label}" for g in digest.groups if g.count]
            )
        )
        lines, left_out = _fitting(digest)
        if left_out:  # beside the table, not under it: always on the screen
            st.markdown(f"The first {len(lines)} here; " + markdown(more_words(left_out)))
    with right:
        if lines:
            st.table(markdown_cells(slide_rows(lines)).set_index("Date"))
        else:
            st.markdown("No change recorded in this window.")


def _fitting(digest: Digest) -> tuple[list[ChangeLine], int]:
    """The digest's first lines, as many as fit the slide's table (at most ``CHANGE_LINES``), and
    how many are left out."""
    for limit in range(CHANGE_LINES, 1, -1):
        lines, left_out = headline(digest, limit)
        words = slide_rows(lines)["Change"]
        if sum(-(-len(str(w)) // CHANGE_CHARS) for w in words) <= CHANGE_TEXT_LINES:
            break
    return lines, left_out


def _in_view(filters: Filters) -> pd.DataFrame:
    """The authorities of the authorities slide: in intervention, or judged inadequate."""
    shown = store.map_data(filters.as_at).in_region(filters.region)
    return shown[(shown["level"] != "none") | (shown["judgement_key"] == "Inadequate")]


def table_pages(in_view: pd.DataFrame, rows: int = TABLE_ROWS) -> list[pd.DataFrame]:
    """The authorities in the table's order, cut into pages that each fit a slide: at most ``rows``
    rows, a 2026-framework area note under the table counting as ``NOTE_ROWS`` of them. Always at
    least one page (an empty one says no authority is in intervention)."""
    ordered = by_severity(in_view)
    pages: list[pd.DataFrame] = []
    start, used = 0, 0.0
    for i in range(len(ordered)):
        cost = 1 + (NOTE_ROWS if area_notes(ordered.iloc[i : i + 1]) else 0)
        if i > start and used + cost > rows:
            pages.append(ordered.iloc[start:i])
            start, used = i, 0.0
        used += cost
    pages.append(ordered.iloc[start:])
    return pages


def _authorities(filters: Filters, pages: list[pd.DataFrame], page: int) -> None:
    in_view = pages[page]
    count = sum(len(p) for p in pages)
    of = f" ({page + 1} of {len(pages)})" if len(pages) > 1 else ""
    _title(
        f"Authorities in intervention, {filters.region_name}{of}",
        filters,
        "Ofsted; DfE as tracked. OGL v3.0.",
    )
    with st.container(key="present_body"):
        if in_view.empty:
            st.markdown(
                f"No authority in {filters.region_name} was in intervention or judged inadequate on this date."
            )
        else:
            st.table(markdown_cells(slide_table(in_view)).set_index("Authority"))
            for line in area_notes(in_view):  # the 2026 framework's four area judgements
                st.caption(markdown(line))
        others = len(store.map_data(filters.as_at).in_region(filters.region)) - count
        words = []
        if len(pages) > 1:
            first = sum(len(p) for p in pages[:page]) + 1
            words.append(f"{first}–{first + len(in_view) - 1} of {count}.")
        if others and page == len(pages) - 1:
            words.append(f"…and {others} other authorit{'y' if others == 1 else 'ies'} with no intervention.")
        if words:
            st.markdown(" ".join(words))


def _authority(story: AuthorityStory, filters: Filters) -> None:
    info = story.authority
    _title(f"{markdown(info.name)}: timeline", filters, "Ofsted; DfE and tracker sources. OGL v3.0.")
    fig = _timeline_chart(store.cache_key(), info.code, filters.as_at)
    with st.container(key="present_body"):
        st.plotly_chart(
            fig, key="present_timeline", theme=None, height="stretch", config={"displayModeBar": False}
        )


@st.cache_data(show_spinner=False, max_entries=32)
def _timeline_chart(key: tuple, code: str, as_at: dt.date) -> go.Figure:
    """The authority's timeline for a projector, cached per data version (warmed on the map)."""
    story = store.story(code)
    info = story.authority
    ceased = ceased_words(story, as_at)
    as_at = min(as_at, info.existed_to or as_at)
    clocks = None if ceased else story_clocks(story, as_at)  # a ceased council runs no clocks
    fig = timeline_figure(story, as_at, [e.as_dict() for e in clocks.items] if clocks else None)
    return projector(fig, top=fig.layout.margin.t - 50)  # the title's room: it is the slide's heading


def _exit(filters: Filters) -> None:
    fig, bullets = _exit_chart(store.cache_key(), filters.as_at, filters.region, filters.region_name)
    _title("Time to exit from inadequate", filters, "Ofsted releases; Kaplan–Meier, open spells censored.")
    with st.container(key="present_body"):
        left, right = st.columns([3, 1.2], gap="medium")
        left.plotly_chart(
            fig, key="present_exit", theme=None, height="stretch", config={"displayModeBar": False}
        )
        with right:
            for line in bullets:
                st.markdown(f"- {markdown(line)}")


@st.cache_data(show_spinner=False, max_entries=32)
def _exit_chart(
    key: tuple, as_at: dt.date, region: str | None, region_name: str
) -> tuple[go.Figure, list[str]]:
    """The region against England for a projector, and its words, cached per data version
    (warmed on the map): the spells' query and the Kaplan–Meier fits are the slow part."""
    spells: pd.DataFrame = store.spells_with_context(as_at)
    fig, bullets = region_against_england(spells, region, region_name, as_at)
    # The title is the slide's heading: above the plot, only the legend's rows (none for England alone).
    top = LEGEND_ROW * legend_rows([t.name for t in fig.data if t.type == "scatter"]) + 12
    projector(fig, top=top)
    # The at-risk line from the chart's left edge, not the axis's: at 16 px it needs the width.
    for note in fig.layout.annotations:
        if note.text.startswith("Number at risk"):
            note.xshift = -fig.layout.margin.l + 4
    return fig, bullets
