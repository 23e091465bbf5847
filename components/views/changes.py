"""What changed (``/changes?since=D&until=D2``, issue 12): every change between two dates in England
or the sidebar's region, grouped and counted, each line dated, linked to its authority's page and
to its source; the window's two ends as small maps with the changed authorities outlined; the list
as CSV.

Owns ``changes_*`` keys and the URL parameters ``since`` and ``until``. Authority names, the
digest's words, caveats and source titles are outside text: each line is written by
``figures.changes.line_markdown``, which escapes them (``safe_text``); links go only to the app's
own authority page and to http(s) sources.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from oversight.components.figures.changes import (
    counts_line,
    digest_table,
    line_markdown,
    quiet_groups,
    total_words,
    window_words,
)
from oversight.components.figures.map_svg import CSS, JS, svg_map
from oversight.components.figures.safe_text import markdown
from oversight.components.figures.theme import long_date
from oversight.components.widgets import cache as store
from oversight.components.widgets import changes, freshness
from oversight.components.widgets.filters import EARLIEST, Filters
from oversight.components.widgets.tables import download_csv
from oversight.data.domain.digest import Digest

KEY_SINCE, KEY_UNTIL, KEY_NOTES = "changes_since", "changes_until", "changes_notes"
#: Lines a group shows before the rest go into an expander (a window of years has hundreds).
SHOWN_PER_GROUP = 40
SMALL_MAP_HEIGHT = 620
SOURCES = (
    "Sources: each line's own (Ofsted reports and releases, the tracker's DfE notices, directions and "
    "events, the register of authorities); ONS boundaries. OGL v3.0."
)


def render(filters: Filters) -> None:
    """The page: link notes, the window, the counts, the two maps, every change by group, the CSV."""
    today = changes.today()
    latest = max(store.data_as_at() or today, today)
    st.title("What changed")
    _first_visit(today, latest)  # a new link's window ends today (issue 22): since the last meeting
    ends_note = st.empty()  # which layers end before the window does, once the window is known
    for note in st.session_state.get(KEY_NOTES, []):
        st.warning(markdown(note), icon=":material/link_off:")
    since, until = _controls(latest)
    if since > until:
        st.warning(
            f"The start ({long_date(since)}) is after the end ({long_date(until)}): choose an earlier "
            "start or a later end.",
            icon=":material/date_range:",
        )
        return
    _sync_url(since, until)
    freshness.after_end(until, ends_note)  # "0 changes" after a layer's end is not "nothing happened"
    digest = changes.digest(since, until, filters.region)
    st.markdown(
        f"**{total_words(digest)}** in {markdown(filters.region_name)} from {window_words(since, until)}: "
        + markdown(counts_line(digest))
    )
    st.caption(markdown(digest.as_at_words) + " " + SOURCES)
    _maps(digest, filters)
    _groups(digest)
    download_csv(
        digest_table(digest),
        f"what-changed-{filters.region or 'england'}-{since.isoformat()}-{until.isoformat()}.csv",
        "Download the list as CSV",
        key="changes_csv",
        notes=freshness.csv_notes(until),
    )


def _first_visit(today: dt.date, latest: dt.date) -> None:
    """On a session's first run here, take the window from the link and keep its notes."""
    if KEY_SINCE not in st.session_state or KEY_UNTIL not in st.session_state:
        window = changes.parse_window(dict(st.query_params), today, latest)
        st.session_state[KEY_SINCE] = window.since
        st.session_state[KEY_UNTIL] = window.until
        st.session_state[KEY_NOTES] = window.notes


def _clear_notes() -> None:
    st.session_state[KEY_NOTES] = []


def _controls(latest: dt.date) -> tuple[dt.date, dt.date]:
    left, right, hint = st.columns([1, 1, 2], vertical_alignment="bottom")
    since = left.date_input(
        "Since",
        min_value=EARLIEST,
        max_value=latest,
        key=KEY_SINCE,
        format="DD/MM/YYYY",
        on_change=_clear_notes,
        help="The first day of the window (included): the day of the last meeting.",
    )
    until = right.date_input(
        "Until",
        min_value=EARLIEST,
        max_value=latest,
        key=KEY_UNTIL,
        format="DD/MM/YYYY",
        on_change=_clear_notes,
        help="The last day of the window (included); by default today.",
    )
    hint.caption(
        "Both days are included. A new link opens the eight weeks (a board cycle) up to today; "
        "the region is the sidebar's."
    )
    return since, until


def _sync_url(since: dt.date, until: dt.date) -> None:
    for key, day in (("since", since), ("until", until)):
        if st.query_params.get(key) != day.isoformat():
            st.query_params[key] = day.isoformat()


@st.cache_data(show_spinner=False, max_entries=32)
def _map_markup(
    key: tuple, as_at: dt.date, region: str | None, region_name: str, outlined: frozenset[int]
) -> str | None:
    """A small map by intervention level as at a date, the window's changed authorities outlined
    (None when no boundaries are available)."""
    data = store.map_data(as_at)
    if data.geojson is None:
        return None
    return svg_map(
        data.frame,
        data.geojson,
        "intervention",
        as_at,
        region,
        region_name,
        height=SMALL_MAP_HEIGHT,
        links=False,
        outlined=outlined,
        outline_label="Changed in the window",
    )


@st.cache_resource(show_spinner=False)
def _svg_component():
    """Registered once per process: the pictures are markup in the page (st.html would sanitise SVG)."""
    return st.components.v2.component("oversight_changes_map", css=CSS, js=JS)


def _maps(digest: Digest, filters: Filters) -> None:
    """The window's two ends side by side, each authority with a line below outlined on both."""
    st.markdown("### Before and after")
    key = store.cache_key()
    pictures = [
        (day, _map_markup(key, day, filters.region, filters.region_name, digest.authority_ids))
        for day in (digest.since, digest.until)
    ]
    if any(markup is None for _, markup in pictures):
        st.info(
            "Boundary files are not available here, so the maps are left out; "
            "the list below has every change.",
            icon=":material/map:",
        )
        return
    columns = st.columns(2, gap="medium")
    for column, (_day, markup), which in zip(columns, pictures, ("before", "after"), strict=True):
        with column:
            _svg_component()(data=markup, key=f"changes_map_{which}")
    st.caption(
        f"Intervention level on the window's first day ({long_date(digest.since)}) and last day "
        f"({long_date(digest.until)}); the authorities with a change listed below have a heavy dark "
        "outline on both. The list below is the full account."
    )


def _groups(digest: Digest) -> None:
    """Each group with changes as a heading with its count and its lines; the quiet ones named once."""
    for group in digest.groups:
        if not group.count:
            continue
        st.markdown(f"### {group.label} ({group.count})")
        lines = [f"- {line_markdown(line)}" for line in group.lines]
        st.markdown("\n".join(lines[:SHOWN_PER_GROUP]))
        if len(lines) > SHOWN_PER_GROUP:
            with st.expander(f"{len(lines) - SHOWN_PER_GROUP} more: {group.label.lower()}"):
                st.markdown("\n".join(lines[SHOWN_PER_GROUP:]))
    quiet = quiet_groups(digest)
    if quiet:
        st.markdown("### Nothing recorded")
        st.markdown(markdown("; ".join(quiet) + "."))
