"""Presentation mode (``?present=1``): the board-meeting view on a projector.

No sidebar and no controls but the step buttons; large type; one view per screen, readable at
1280×720: the map by intervention level → the authorities in intervention → time to exit (and
the authority's timeline when the link names one, ``la=``). Left/Right arrow keys step (button
shortcuts), Esc leaves. The step is kept in the URL (``step=``) so a reload stays put.
Owns ``present_*`` keys. Link notes, names and table cells from the data are shown through
``safe_text.markdown``: Streamlit reads Markdown in titles, messages and ``st.table`` cells.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from oversight.components.figures.map_data import area_notes, legend_counts, slide_table
from oversight.components.figures.map_plotly import TOPOJSON_URL
from oversight.components.figures.safe_text import markdown, markdown_cells, quoted
from oversight.components.figures.survival import region_against_england
from oversight.components.figures.theme import long_date
from oversight.components.figures.timeline import story_clocks, timeline_figure
from oversight.components.widgets import cache as store
from oversight.components.widgets import filters as shared_filters
from oversight.components.widgets import freshness
from oversight.components.widgets.filters import Filters
from oversight.data.store.story import AuthorityStory

KEY_STEP = "present_step"
FIGURE_HEIGHT = 470
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
</style>
"""


def requested() -> bool:
    """Whether the URL asks for presentation mode."""
    return str(st.query_params.get("present", "")).lower() in {"1", "true", "yes"}


def _steps(la: str | None) -> list[str]:
    steps = ["map", "authorities"]
    if la:
        steps.append("authority")
    return [*steps, "exit"]


def _start(steps: list[str], start_page: str) -> int:
    raw = st.query_params.get("step")
    if raw is not None and str(raw).isdigit() and 1 <= int(raw) <= len(steps):
        return int(raw) - 1
    wanted = {"authority": "authority", "exit": "exit"}.get(start_page, "map")
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
    # No sidebar here: the newest publication and its source (and, when stale, the notice) on every step.
    freshness.render(line_in=st, notice_in=st)
    step = steps[st.session_state[KEY_STEP]]
    if step == "map":
        _map(filters)
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
    names = {"map": "Map", "authorities": "Authorities", "authority": "Timeline", "exit": "Time to exit"}
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
    data = store.map_data(filters.as_at)
    _title(
        f"Intervention level, {filters.region_name}",
        filters,
        "Ofsted; DfE notices and directions as tracked; ONS boundaries. OGL v3.0.",
    )
    fig = store.map_figure(
        "intervention",
        "geo" if data.geojson else "tiles",
        filters.as_at,
        filters.region,
    )
    fig = go.Figure(fig)  # a copy: the cached figure is shared by every session
    fig.update_layout(height=FIGURE_HEIGHT, title_text="", margin={"t": 40, "b": 30})
    shown = data.in_region(filters.region)
    left, right = st.columns([3, 1], gap="medium")
    left.plotly_chart(
        fig, key="present_map", theme=None, config={"displayModeBar": False, "topojsonURL": TOPOJSON_URL}
    )
    with right:
        for cat, n in legend_counts(shown, "intervention", short=True):
            if n:
                st.markdown(f"**{n}** · {cat.label}")


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
    clocks = story_clocks(story, as_at)
    _title(f"{markdown(info.name)}: timeline", filters, "Ofsted; DfE and tracker sources. OGL v3.0.")
    fig = timeline_figure(story, as_at, [e.as_dict() for e in clocks.items] if clocks else None)
    fig.update_layout(height=FIGURE_HEIGHT, title_text="")
    st.plotly_chart(fig, key="present_timeline", theme=None, config={"displayModeBar": False})


def _exit(filters: Filters) -> None:
    spells: pd.DataFrame = store.spells_with_context(filters.as_at)
    fig, bullets = region_against_england(spells, filters.region, filters.region_name, filters.as_at)
    _title("Time to exit from inadequate", filters, "Ofsted releases; Kaplan–Meier, open spells censored.")
    fig.update_layout(height=FIGURE_HEIGHT, title_text="")
    left, right = st.columns([3, 2], gap="medium")
    left.plotly_chart(fig, key="present_exit", theme=None, config={"displayModeBar": False})
    with right:
        for line in bullets:
            st.markdown(f"- {markdown(line)}")
