"""The map page's view: England by intervention level (or judgement), at a date, by region.

Owns its widget keys (``map_*``) and its URL parameters (``colour``, ``view``, ``la``).
The geographic map needs the boundary files of the data directory; without them the
equal-area tile map is used, which needs no external data. Link notes and names from the data
are shown through ``safe_text.markdown``: Streamlit reads Markdown in every message.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from oversight.components.figures.export import figure_image
from oversight.components.figures.map_data import (
    AREAS_COLUMN,
    MapData,
    derived_note,
    legend_counts,
    screen_table,
    title_text,
)
from oversight.components.figures.map_plotly import TOPOJSON_URL
from oversight.components.figures.map_svg import CSS, JS, svg_map
from oversight.components.figures.safe_text import markdown, option, quoted
from oversight.components.figures.theme import long_date
from oversight.components.widgets import cache as store
from oversight.components.widgets import filters as shared_filters
from oversight.components.widgets import freshness, page_style
from oversight.components.widgets.filters import Filters
from oversight.components.widgets.tables import EMPTY, csv_bytes, download_csv
from oversight.data.sources import boundaries as b

COLOURS = {"intervention": "Intervention level", "judgement": "Latest Ofsted judgement"}
#: The default draws server-written SVG (fast, every authority a keyboard link); "geo" is the
#: plotly map (zoom, rich hover), also what exports and board packs use.
VIEWS = {
    "svg": "Map (each authority a link)",
    "geo": "Zoomable map",
    "tiles": "Tile map (one square per authority)",
    "deck": "Interactive map (WebGL)",
}
KEY_COLOUR, KEY_VIEW, KEY_LA = "map_colour", "map_view", "map_la"
KEY_NOTES = "map_notes"
KEY_SEEN = "map_la_seen"  # the selection already acted on (a new one opens the authority page)
KEY_PLAY, KEY_PLAYER, KEY_SCRUB, KEY_TICK = "map_play", "map_player", "map_scrub", "map_tick"
FIRST_SIF = dt.date(2013, 11, 1)
#: Seconds each quarter stays on screen while playing (OVERSIGHT_PLAY_DELAY overrides).
PLAY_DELAY = float(os.environ.get("OVERSIGHT_PLAY_DELAY", "0.35"))
NONE = ""


@dataclass
class Player:
    """Play through time: the quarter ends it steps through, where it is, and whether it moves.

    Each frame is a whole run of the page at the frame's date (the sidebar's as-at date is set to
    it), so the heading, the counts, the table and the link follow the map, and the map keeps the
    view the person chose. The next frame's data is prepared before the run ends, and the current
    map stays until the next is drawn: no blank map between frames. The browser asks for the next
    frame (``TICK_JS``) once it shows this one: a server-side ``st.rerun`` loop could swallow the
    click on Pause, and frames would not wait for a slow browser.
    """

    frames: list[dt.date]
    index: int = 0
    playing: bool = True

    @property
    def day(self) -> dt.date:
        return self.frames[self.index]

    @property
    def at_end(self) -> bool:
        return self.index >= len(self.frames) - 1


@dataclass
class MapState:
    colour: str = "intervention"
    view: str = "svg"
    la: str | None = None
    notes: list[str] = field(default_factory=list)


def parse_params(params: dict[str, str], known_codes: set[str]) -> MapState:
    """Read colour, view and la from the URL; fall back with a note when a value is bad."""
    state = MapState()
    colour = params.get("colour")
    if colour:
        if colour in COLOURS:
            state.colour = colour
        else:
            state.notes.append(
                f"The link's colour {quoted(colour)} is not a colouring of this map; showing the "
                "intervention level."
            )
    view = params.get("view")
    if view:
        if view in VIEWS:
            state.view = view
        else:
            state.notes.append(
                f"The link's view {quoted(view)} is not a view of this map; showing the map with a link "
                "per authority."
            )
    la = params.get("la")
    if la:
        if la.upper() in known_codes:
            state.la = la.upper()
        else:
            state.notes.append(
                f"The link's authority {quoted(la)} is not a known ONS code; no authority selected."
            )
    return state


def quarter_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """Quarter-end dates from ``start`` to ``end`` (the play button's steps), then ``end``."""
    days = []
    year, month = start.year, ((start.month - 1) // 3 + 1) * 3
    while True:
        last = dt.date(year + (month // 12), month % 12 + 1, 1) - dt.timedelta(days=1)
        if last > end:
            break
        if last >= start:
            days.append(last)
        month += 3
        if month > 12:
            month -= 12
            year += 1
    if not days or days[-1] != end:
        days.append(end)
    return days


def _sync_url(state: MapState) -> None:
    for key, value, default in (("colour", state.colour, "intervention"), ("view", state.view, "svg")):
        if value == default:
            if key in st.query_params:
                del st.query_params[key]
        elif st.query_params.get(key) != value:
            st.query_params[key] = value
    if state.la:
        if st.query_params.get("la") != state.la:
            st.query_params["la"] = state.la
    elif "la" in st.query_params:
        del st.query_params["la"]


def _clear_notes() -> None:
    st.session_state[KEY_NOTES] = []


def _region_name(region: str | None) -> str:
    return Filters(region=region, as_at=dt.date.today()).region_name


@st.cache_resource(show_spinner=False, max_entries=64)
def cached_svg(key: tuple, colour: str, as_at: dt.date, region: str | None) -> str:
    """The SVG map's markup, cached like the figures (one string per process: ``st.cache_data``
    would copy it for every run)."""
    data = store.map_data(as_at)
    params = {"as_at": as_at.isoformat(), **({"region": region} if region else {})}
    return svg_map(data.frame, data.geojson, colour, as_at, region, _region_name(region), params)


@st.cache_resource(show_spinner=False, max_entries=64)
def _names(key: tuple, as_at: dt.date) -> dict[str, str]:
    """ONS code -> name of every authority the map draws on the date, by name (read only)."""
    return store.map_data(as_at).frame.sort_values("name").set_index("code")["name"].to_dict()


@st.cache_resource(show_spinner=False, max_entries=64)
def _labels(key: tuple, as_at: dt.date) -> dict[str, str]:
    """The search box's option for each authority the map draws, "Name (code)" (read only)."""
    return {code: option(f"{name} ({code})") for code, name in _names(key, as_at).items()}


@st.cache_resource(show_spinner=False)
def _svg_component():
    """Registered once per process: markup in the page's DOM (st.html would sanitise SVG away)."""
    return st.components.v2.component("oversight_svg_map", css=CSS, js=JS)


def render(filters: Filters) -> None:
    """The page: link notes, controls, the map beside its table, the authority box."""
    latest = store.data_as_at() or dt.date.today()
    _first_visit(set(store.code_owners()))
    data = store.map_data(filters.as_at)
    st.title("Intervention map")
    freshness.after_end(filters.as_at)  # a date after a layer's end says so, in one line
    frame = data.frame
    names = _names(store.cache_key(), filters.as_at)
    if st.session_state[KEY_LA] and st.session_state[KEY_LA] not in names:
        # The selected authority did not exist on this date (e.g. Cumbria after 2023).
        st.session_state[KEY_LA] = NONE
    # The search first, above the fold (issue 22: it sat under the map and the table).
    _authority_box(_labels(store.cache_key(), filters.as_at), filters)
    player = _player(filters)
    colour, view = _controls(data.geojson is not None, player, filters, latest)
    state = MapState(colour=colour, view=view, la=st.session_state[KEY_LA] or None)
    _sync_url(state)

    left, right = st.columns([3, 2], gap="medium")
    with left:
        chart = st.empty()
        clicked, fig = _draw(chart, data, state, filters)
        if clicked and clicked in names:
            _open_authority(clicked, filters)
        _export(fig, state, filters)
        st.caption(
            f"As at {long_date(filters.as_at)} · {len(frame)} authorities on {data.vintage} boundaries · "
            "Sources: Ofsted releases and inspection reports; DfE interventions as tracked (Data & sources). "
            "Hover for dates; "
            "click an authority or find it above."
        )
    with right:
        _summary(frame, state, filters)
    # The table full width under the map: beside it, at 1,280 px, only two columns fitted
    # (issue 22: level, since and judgement must show without a sideways scroll).
    _table(filters)
    if state.la:
        _selected(frame, state.la)
    _ticker(player, state, filters)


def _first_visit(known_codes: set[str]) -> None:
    """On a session's first run, take colour, view and la from the link; show its notes."""
    if KEY_COLOUR not in st.session_state:
        first = parse_params(dict(st.query_params), known_codes)
        st.session_state[KEY_COLOUR] = first.colour
        st.session_state[KEY_VIEW] = first.view
        st.session_state[KEY_LA] = first.la or NONE
        st.session_state[KEY_SEEN] = first.la or NONE
        st.session_state[KEY_NOTES] = first.notes
    for note in st.session_state.get(KEY_NOTES, []):
        st.warning(markdown(note), icon=":material/link_off:")


def _controls(
    has_boundaries: bool, player: Player | None, filters: Filters, latest: dt.date
) -> tuple[str, str]:
    """Colour by, view, the play/pause button and, once playing, the scrubber over the frames
    (``map_colour``, ``map_view``, ``map_play``, ``map_scrub``)."""
    controls = st.columns([2, 3, 2])
    colour = controls[0].radio(
        "Colour by",
        list(COLOURS),
        format_func=COLOURS.get,
        key=KEY_COLOUR,
        horizontal=True,
        on_change=_clear_notes,
    )
    view = controls[1].radio(
        "View", list(VIEWS), format_func=VIEWS.get, key=KEY_VIEW, horizontal=True, on_change=_clear_notes
    )
    playing = player is not None and player.playing
    # One button whose words change (its key is its identity): the keyboard focus stays on it.
    controls[2].button(
        "Pause" if playing else ("Resume" if player and not player.at_end else "Play through time"),
        icon=":material/pause:" if playing else ":material/play_arrow:",
        help="Step quarter by quarter from the first single inspections (November 2013) to the newest "
        "data; the heading, counts and table follow the map. Pause stops on the date shown.",
        key=KEY_PLAY,
        on_click=_play_pressed,
        args=(filters.as_at, latest),
    )
    # Always one slot, empty until played: the scrubber appearing must not move the map (a moved
    # element is drawn anew, and the map would go blank until the first frame).
    slot = st.empty()
    if player is not None:
        st.session_state[KEY_SCRUB] = player.day  # the scrubber shows the frame on screen
        slot.select_slider(
            "Date shown",
            options=player.frames,
            format_func=long_date,
            key=KEY_SCRUB,
            on_change=_scrubbed,
            help="Move to a quarter to see it (this pauses); the arrow keys step one quarter.",
        )
    if view in ("geo", "svg", "deck") and not has_boundaries:
        st.info(
            "Boundary files are not available here: showing the equal-area tile map instead.",
            icon=":material/grid_view:",
        )
    return colour, view


def _player(filters: Filters) -> Player | None:
    """This session's player, if the map shows one of its frames (a date chosen elsewhere closes it)."""
    player: Player | None = st.session_state.get(KEY_PLAYER)
    if player is not None and player.day != filters.as_at:
        st.session_state[KEY_PLAYER] = player = None
    return player


def _play_pressed(as_at: dt.date, latest: dt.date) -> None:
    """Play (from the view's date, or the first single inspections), Pause, or Resume."""
    player: Player | None = st.session_state.get(KEY_PLAYER)
    if player is not None and player.playing:
        player.playing = False
        return
    if player is not None and not player.at_end:
        player.playing = True
        return
    start = FIRST_SIF if player is not None or as_at >= latest else max(FIRST_SIF, as_at)
    player = Player(frames=quarter_ends(start, latest))
    st.session_state[KEY_PLAYER] = player
    shared_filters.request_date(player.day)


def _scrubbed() -> None:
    """The scrubber moved: show that quarter, paused."""
    player: Player | None = st.session_state.get(KEY_PLAYER)
    day = st.session_state.get(KEY_SCRUB)
    if player is None or day not in player.frames:
        return
    player.index = player.frames.index(day)
    player.playing = False
    shared_filters.request_date(day)


def _draw(
    chart, data: MapData, state: MapState, filters: Filters
) -> tuple[str | None, Callable[[], go.Figure]]:
    """The chosen view in ``chart``; returns (the code of a clicked authority, the plotly figure
    for export). The SVG and WebGL views build that figure only when an export asks for it: while
    playing through time it would hold each frame's heading back by the time it takes."""
    geojson = data.geojson

    def fig() -> go.Figure:
        return store.map_figure(
            state.colour,
            ("geo" if state.view in ("deck", "svg") else state.view) if geojson else "tiles",
            filters.as_at,
            filters.region,
        )

    if state.view == "deck" and geojson is not None:
        return _deck(chart, data.frame, geojson, state, filters), fig
    if state.view == "svg" and geojson is not None:
        with chart:
            result = _svg_component()(
                data=cached_svg(store.cache_key(), state.colour, filters.as_at, filters.region),
                key="map_svg",
                on_clicked_change=lambda: None,
            )
        return getattr(result, "clicked", None), fig
    figure = fig()
    event = chart.plotly_chart(
        figure,
        key="map_chart",
        on_select="rerun",
        selection_mode=("points",),
        config={"topojsonURL": TOPOJSON_URL, "displaylogo": False, "scrollZoom": False},
        theme=None,
    )
    return _clicked_code(event), lambda: figure


def _authority_box(labels: dict[str, str], filters: Filters) -> None:
    """The search atop the page: the keyboard route to what a click on the map does (type, Enter);
    ``labels``: each authority's option by code, by name."""
    st.selectbox(
        "Find a council",
        options=[NONE, *labels],
        format_func=lambda c: "Type a council's name…" if c == NONE else labels[c],
        key=KEY_LA,
        help="Type to search, Enter to open the council's page. The same as clicking it on the map.",
    )
    chosen = st.session_state[KEY_LA] or None
    if chosen and chosen != st.session_state.get(KEY_SEEN):
        st.session_state[KEY_SEEN] = chosen  # the box's choice, acted on once
        _open_authority(chosen, filters)


def _open_authority(code: str, filters: Filters) -> None:
    """Selecting an authority (click or the box) opens its authority page."""
    params = {"la": code, "as_at": filters.as_at.isoformat()}
    if filters.region:
        params["region"] = filters.region
    st.switch_page("pages/authority_page.py", query_params=params)


def _deck(chart, frame: pd.DataFrame, geojson: dict, state: MapState, filters: Filters) -> str | None:
    """The WebGL view; returns the code of a clicked authority, if any."""
    # Lazy: pydeck costs ~0.3 s to import and only the WebGL view needs it.
    from oversight.components.figures.map_deck import LAYER_ID, deck, view_for

    codes = (
        set(frame.loc[frame["region_code"] == filters.region, "feature"].dropna()) if filters.region else None
    )
    legend = legend_counts(
        frame if not filters.region else frame[frame["region_code"] == filters.region], state.colour
    )
    box = chart.container()
    box.markdown(
        f"**{title_text(filters.as_at, state.colour, filters.region_name)}** · "
        + " · ".join(f"{cat.label}{' (dark outline)' if cat.hatched else ''}: {n}" for cat, n in legend)
    )
    event = box.pydeck_chart(
        deck(
            frame.dropna(subset=["feature"]),
            geojson,
            state.colour,
            filters.region,
            view_for(b.bounds(geojson, codes)),
        ),
        on_select="rerun",
        selection_mode="single-object",
        key="map_deck",
        height=640,
    )
    try:
        objects = event.selection.objects.get(LAYER_ID, [])  # type: ignore[union-attr]
    except AttributeError:
        return None
    for obj in objects:
        props = obj.get("properties", obj)
        if props.get("code"):
            return str(props["code"])
    return None


def _export(fig: Callable[[], go.Figure], state: MapState, filters: Filters) -> None:
    """Board-pack images of exactly this map: prepared on request (a browser renders them)."""
    stem = f"{state.colour}-map-{filters.region or 'england'}-{filters.as_at.isoformat()}"
    prepared = st.session_state.get("map_export")
    cols = st.columns([2, 1, 1])
    if cols[0].button("Prepare the map as PNG and SVG", icon=":material/image:", key="map_export_prepare"):
        with st.spinner("Drawing the images…"):
            figure = fig()
            prepared = {"stem": stem, "png": figure_image(figure, "png"), "svg": figure_image(figure, "svg")}
        st.session_state["map_export"] = prepared
    if prepared and prepared["stem"] == stem:
        cols[1].download_button(
            "PNG", prepared["png"], f"{stem}.png", "image/png", key="map_download_png", on_click="ignore"
        )
        cols[2].download_button(
            "SVG", prepared["svg"], f"{stem}.svg", "image/svg+xml", key="map_download_svg", on_click="ignore"
        )


def _clicked_code(event) -> str | None:
    try:
        points = event.selection.points  # type: ignore[union-attr]
    except AttributeError:
        return None
    for point in points or []:
        custom = point.get("customdata")
        if custom:
            return str(custom[0])
        if point.get("location"):
            return str(point["location"])
    return None


def _summary(frame: pd.DataFrame, state: MapState, filters: Filters) -> None:
    """Beside the map: what it shows, and how many authorities each colour holds (in words)."""
    shown = frame if not filters.region else frame[frame["region_code"] == filters.region]
    counts = legend_counts(shown, state.colour)
    st.markdown(f"#### {title_text(filters.as_at, state.colour, filters.region_name)}")
    st.markdown("\n".join(f"- {cat.label}: **{n}**" for cat, n in counts))
    if derived_note(shown):
        st.caption(derived_note(shown))


@dataclass(frozen=True)
class TableParts:
    """The table under the map, its printed twin and its CSV for one date and region."""

    table: pd.DataFrame
    printed: pd.DataFrame
    csv: bytes


@st.cache_resource(show_spinner=False, max_entries=64)
def _table_parts(key: tuple, as_at: dt.date, region: str | None, notes: tuple[str, ...]) -> TableParts:
    """Per data version, date and region: a new session on a known view makes none of them again
    (they were a sixth of a new session's server time on the map, issue 23)."""
    table = screen_table(store.map_data(as_at).frame, region)
    return TableParts(table, page_style.printable(table), csv_bytes(table, notes))


def _table(filters: Filters) -> None:
    """Every authority the map draws, most severe first, under the map at the page's width."""
    parts = _table_parts(
        store.cache_key(), filters.as_at, filters.region, tuple(freshness.csv_notes(filters.as_at))
    )
    table = parts.table
    st.dataframe(
        table,
        hide_index=True,
        height=520,
        key="map_table",
        placeholder=EMPTY,  # "—" for no intervention's "Since", not "None"
        column_config={
            "Since": st.column_config.DateColumn(format="D MMM YYYY"),
            "Published": st.column_config.DateColumn(format="D MMM YYYY"),
            AREAS_COLUMN: st.column_config.TextColumn(
                help="The four area judgements of an inspection under the April 2026 framework, "
                "which gives no overall grade."
            ),
        },
        alt=f"Table of authorities by intervention level as at {long_date(filters.as_at)}",
    )
    page_style.print_table(table, "map_table", parts.printed)  # the grid prints only its visible rows
    st.caption(
        f"As at {long_date(filters.as_at)} · sources: Ofsted releases and inspection reports "
        "(Data to Insight ILACS scrape), DfE interventions as tracked."
    )
    download_csv(
        parts.csv,
        f"intervention-levels-{filters.region or 'england'}-{filters.as_at.isoformat()}.csv",
        "Download this table as CSV",
        key="map_csv",
    )


@st.cache_resource(show_spinner=False)
def _tick_component():
    """Registered once per process: the browser's clock for play through time, nothing drawn."""
    return st.components.v2.component("oversight_map_tick", js=TICK_JS)


#: Once a frame is on screen, wait the delay, then ask for the next one (a trigger, as a click
#: is: Pause pressed meanwhile is never lost). A new frame or a pause cancels the wait.
TICK_JS = """
export default function (component) {
  const { data, setTriggerValue, parentElement } = component;
  if (parentElement.oversightTick) window.clearTimeout(parentElement.oversightTick);
  parentElement.oversightTick = null;
  if (!data || !data.playing) return;
  parentElement.oversightTick = window.setTimeout(() => setTriggerValue('tick', data.frame), data.delay);
  return () => window.clearTimeout(parentElement.oversightTick);
}
"""


def _ticker(player: Player | None, state: MapState, filters: Filters) -> None:
    """While playing: prepare the next frame's picture in the same view, then let the browser ask
    for it. Always drawn, last (its place never moves the map)."""
    playing = player is not None and player.playing
    if player is not None and playing and not player.at_end:
        day = player.frames[player.index + 1]
        store.latest_judgements(day, None)  # the sidebar's council search, drawn first
        data = store.map_data(day)
        if state.view == "svg" and data.geojson is not None:
            cached_svg(store.cache_key(), state.colour, day, filters.region)
        elif state.view in ("geo", "tiles") or data.geojson is None:
            store.map_figure(
                state.colour, state.view if data.geojson is not None else "tiles", day, filters.region
            )
    _tick_component()(
        data={
            "playing": playing,
            "frame": player.day.isoformat() if player is not None else "",
            "delay": int(PLAY_DELAY * 1000),
        },
        key=KEY_TICK,
        on_tick_change=_ticked,
    )


def _ticked() -> None:
    """The browser showed a frame for the delay: on to the next, or stop at the last."""
    player: Player | None = st.session_state.get(KEY_PLAYER)
    tick = (st.session_state.get(KEY_TICK) or {}).get("tick")
    if player is None or not player.playing or tick != player.day.isoformat():
        return  # a tick from before a pause, a scrub or another date
    advance(player)


def advance(player: Player) -> None:
    """One frame on, the page's date with it; at the last frame the player stops, paused."""
    if player.at_end:
        player.playing = False
        return
    player.index += 1
    shared_filters.request_date(player.day)


def _selected(frame: pd.DataFrame, code: str) -> None:
    """The authority named in the link: a summary and the way to its page."""
    row = frame.set_index("code").loc[code]
    name = markdown(row["name"])
    st.markdown(f"### {name}")
    st.markdown(
        f"**{markdown(row['level_label'])}** {markdown(row['since_text'])} · latest judgement: "
        f"{markdown(row['judgement_text'])} · {markdown(row['region'])}"
    )
    if isinstance(row.get("areas_text"), str) and row["areas_text"]:
        st.markdown(f"Area judgements (2026 framework): {markdown(row['areas_text'])}")
    st.page_link(
        "pages/authority_page.py",
        label=f"Open {name}'s page: timeline, clocks, neighbours and history",
        icon=":material/arrow_forward:",
        query_params={"la": code},
    )
