"""Presentation mode (``?present=1``): the board-meeting view on a projector.

No sidebar and no controls but the step buttons; large type; one view per screen, readable at
1280×720: the map by intervention level (as tall as the screen, London beside England) → what changed
since the last meeting (``since=``, ``until=``; by default the eight weeks to the as-at date) → the
authorities in intervention → time to exit (and the authority's timeline when the link names one,
``la=``, or after a click on the map). Left/Right arrow keys step (button shortcuts), Esc leaves.
The step is kept in the URL (``step=``) so a reload stays put.
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
from oversight.components.figures.map_data import area_notes, legend_counts, slide_table
from oversight.components.figures.map_plotly import TOPOJSON_URL
from oversight.components.figures.map_svg import CSS, JS, svg_map
from oversight.components.figures.safe_text import markdown, markdown_cells, quoted
from oversight.components.figures.survival import region_against_england
from oversight.components.figures.theme import long_date
from oversight.components.figures.timeline import ceased_words, story_clocks, timeline_figure
from oversight.components.widgets import cache as store
from oversight.components.widgets import changes, freshness
from oversight.components.widgets import filters as shared_filters
from oversight.components.widgets.filters import Filters
from oversight.data.store.story import AuthorityStory

KEY_STEP = "present_step"
FIGURE_HEIGHT = 470
#: Lines of the digest on its slide (the rest: "and N more — see the What changed page").
CHANGE_LINES = 5
#: The map's picture is as tall as the screen less the step bar and the page's padding: a
#: projector at 1280×720 and a screen at 1920×1080 alike (the markup scales; no pixel height).
MAP_CSS = (
    CSS
    + """
.oversight-map .t, .oversight-map ul, .oversight-map figcaption { display: none; }
.oversight-map svg { height: calc(100vh - 6.5rem);
  width: min(calc((100vh - 6.5rem) * var(--aspect, 1.3)), calc(100vw - 24rem)); }
"""
)
STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"] { display: none !important; }
[data-testid="stMainBlockContainer"], .block-container {
  padding: 1rem 2rem 0.5rem 2rem !important; max-width: 100% !important; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] td,
[data-testid="stMain"] th { font-size: 1.35rem !important; line-height: 1.4; }
[data-testid="stMain"] h1 { font-size: 2.4rem !important; padding: 0 0 0.2rem 0 !important; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] p { font-size: 1.05rem !important; }
[data-testid="stMain"] table { width: 100%; }
[data-testid="stMain"] [data-testid="stColumn"] h1 { font-size: 1.8rem !important; }
[data-testid="stMain"] [data-testid="stColumn"] [data-testid="stAlert"] p { font-size: 1rem !important; }
/* The map's column as wide as the map; the title, legend and freshness take the rest. */
.st-key-present_map_row [data-testid="stColumn"]:first-child { flex: 0 0 auto !important;
  width: auto !important; }
.st-key-present_map_row [data-testid="stColumn"]:last-child { flex: 1 1 0 !important;
  width: auto !important; min-width: 14rem; }
.present-swatch { display: inline-block; width: 1.2rem; height: 1.2rem; margin-right: .5rem;
  vertical-align: -.15rem; border: 1px solid #BFBFBF; }
</style>
"""


def requested() -> bool:
    """Whether the URL asks for presentation mode."""
    return str(st.query_params.get("present", "")).lower() in {"1", "true", "yes"}


def _steps(la: str | None) -> list[str]:
    steps = ["map", "changes", "authorities"]
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
    newest = store.data_as_at() or dt.date.today()
    return shared_filters.parse_params(dict(st.query_params), newest, max(newest, dt.date.today()))


def render(start_page: str = "map") -> None:
    """The whole presentation for this run: styles, the current step, the step bar."""
    st.html(STYLE)
    filters = _filters()
    la = str(st.query_params.get("la", "")).strip().upper() or None
    story = store.story(la) if la else None
    if la and story is None:
        filters.notes.append(f"Unknown authority code {quoted(la)}: the authority step is left out.")
        la = None
    steps = _steps(la)
    if KEY_STEP not in st.session_state:
        st.session_state[KEY_STEP] = _start(steps, start_page)
    st.session_state[KEY_STEP] = min(max(st.session_state[KEY_STEP], 0), len(steps) - 1)
    _step_bar(steps, filters)
    for note in filters.notes:
        st.warning(markdown(note), icon=":material/link_off:")
    step = steps[st.session_state[KEY_STEP]]
    if step not in ("map", "changes"):
        # No sidebar here: the newest publication and its source (and, when stale, the notice) on
        # every step; the map's and the digest's have them in their side column, so that the map
        # keeps the screen's height and the digest's lines fit.
        freshness.render(line_in=st, notice_in=st)
    if step == "map":
        _map(filters)
    elif step == "changes":
        _changes(filters)
    elif step == "authorities":
        _authorities(filters)
    elif step == "authority" and story is not None:
        _authority(story, filters)
    else:
        _exit(filters)
    st.query_params["step"] = str(st.session_state[KEY_STEP] + 1)


def _go(delta: int, count: int) -> None:
    st.session_state[KEY_STEP] = min(max(st.session_state.get(KEY_STEP, 0) + delta, 0), count - 1)


def _leave() -> None:
    for key in ("present", "step"):
        if key in st.query_params:
            del st.query_params[key]
    st.session_state.pop(KEY_STEP, None)


def _step_bar(steps: list[str], filters: Filters) -> None:
    names = {
        "map": "Map",
        "changes": "What changed",
        "authorities": "Authorities",
        "authority": "Timeline",
        "exit": "Time to exit",
    }
    now = st.session_state[KEY_STEP]
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
    trail = " → ".join(f"**{names[s]}**" if i == now else names[s] for i, s in enumerate(steps))
    cols[2].markdown(f"{now + 1} of {len(steps)}: {trail}")
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
        freshness.render(line_in=st, notice_in=st)
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
        st.session_state[KEY_STEP] = _steps(clicked).index("authority")
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


def _changes(filters: Filters) -> None:
    """What changed since the last meeting: the counts, then the first lines (judgements, spells and
    interventions first), and how many more the What changed page lists."""
    newest = store.data_as_at() or dt.date.today()
    window = changes.parse_window(dict(st.query_params), filters.as_at, max(newest, dt.date.today()))
    for note in window.notes:
        st.warning(markdown(note), icon=":material/link_off:")
    digest = changes.digest(window.since, window.until, filters.region)
    _title(
        slide_title(window.since, window.until),
        filters,
        "each change's own source, listed with a link on the What changed page. OGL v3.0.",
    )
    left, right = st.columns([1, 2.4], gap="large")
    with left:
        st.markdown(
            "  \n".join(
                [f"**{total_words(digest)}** · {markdown(filters.region_name)}"]
                + [f"**{g.count}** · {g.label}" for g in digest.groups if g.count]
            )
        )
        lines, left_out = headline(digest, CHANGE_LINES)
        if left_out:  # beside the table, not under it: always on the screen
            st.markdown(f"The first {len(lines)} here; " + markdown(more_words(left_out)))
        freshness.render(line_in=st, notice_in=st)
    with right:
        if lines:
            st.table(markdown_cells(slide_rows(lines)).set_index("Date"))
        else:
            st.markdown("No change recorded in this window.")


def _authorities(filters: Filters) -> None:
    shown = store.map_data(filters.as_at).in_region(filters.region)
    in_view = shown[(shown["level"] != "none") | (shown["judgement_key"] == "Inadequate")]
    _title(
        f"Authorities in intervention, {filters.region_name}", filters, "Ofsted; DfE as tracked. OGL v3.0."
    )
    if in_view.empty:
        st.markdown(
            f"No authority in {filters.region_name} was in intervention or judged inadequate on this date."
        )
    else:
        st.table(markdown_cells(slide_table(in_view)).set_index("Authority"))
        for line in area_notes(in_view):  # the 2026 framework's four area judgements
            st.caption(markdown(line))
    others = len(shown) - len(in_view)
    if others:
        st.markdown(f"…and {others} other authorit{'y' if others == 1 else 'ies'} with no intervention.")


def _authority(story: AuthorityStory, filters: Filters) -> None:
    info = story.authority
    as_at = min(filters.as_at, info.existed_to or filters.as_at)
    clocks = None if ceased_words(story, filters.as_at) else story_clocks(story, as_at)  # ceased: none
    _title(f"{markdown(info.name)}: timeline", filters, "Ofsted; DfE and tracker sources. OGL v3.0.")
    fig = timeline_figure(story, as_at, [e.as_dict() for e in clocks.items] if clocks else None)
    fig.update_layout(height=FIGURE_HEIGHT, title_text="")
    st.plotly_chart(fig, key="present_timeline", theme=None, config={"displayModeBar": False})


def _exit(filters: Filters) -> None:
    spells: pd.DataFrame = store.spells_with_context(filters.as_at)
    fig, bullets = region_against_england(spells, filters.region, filters.region_name, filters.as_at)
    _title("Time to exit from inadequate", filters, "Ofsted releases; Kaplan–Meier, open spells censored.")
    fig.update_layout(height=FIGURE_HEIGHT, title_text="", title_subtitle_text="")
    left, right = st.columns([3, 2], gap="medium")
    left.plotly_chart(fig, key="present_exit", theme=None, config={"displayModeBar": False})
    with right:
        for line in bullets:
            st.markdown(f"- {markdown(line)}")
