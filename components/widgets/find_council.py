""" "Find a council" in the sidebar of every page: type a name, press Enter, its page opens.

Why in the sidebar: the map's own search sat below the map, out of sight, and the other pages had
none. The choice is taken in the box's callback and the box emptied there (a widget's value cannot
be changed after it is drawn), then the run opens the council's page keeping the view's region
and date. Names come from the database and are shown as options (text, never Markdown).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from oversight.components.figures.safe_text import option
from oversight.components.widgets import cache
from oversight.components.widgets.filters import Filters

KEY_FIND = "sidebar_find_council"
KEY_GO = "sidebar_find_go"
AUTHORITY_PAGE = "pages/authority_page.py"


def _chosen() -> None:
    """The box's callback: remember the choice, empty the box for the next visit."""
    st.session_state[KEY_GO] = st.session_state.get(KEY_FIND)
    st.session_state[KEY_FIND] = None


def open_council(code: str, filters: Filters) -> None:
    """The council's page at the view's date and region (ends the run)."""
    params = {"la": code, "as_at": filters.as_at.isoformat()}
    if filters.region:
        params["region"] = filters.region
    st.switch_page(AUTHORITY_PAGE, query_params=params)


@st.cache_resource(show_spinner=False, max_entries=64)
def _labels(key: tuple, as_at: dt.date) -> dict[str, str]:
    """Each council's option, "Name (code)", per data version and date: every page draws the box
    on every run, and a new session made every label again (read only, shared)."""
    return {code: option(f"{name} ({code})") for code, name in cache.council_names(as_at).items()}


def render(filters: Filters) -> None:
    """The sidebar's search box; a choice opens the council's page."""
    labels = _labels(cache.cache_key(), filters.as_at)
    st.selectbox(
        "Find a council",
        options=list(labels),
        index=None,
        format_func=lambda code: labels.get(code) or option(f"{code} ({code})"),
        placeholder="Type a council's name…",
        key=KEY_FIND,
        on_change=_chosen,
        help="Opens the council's page: its timeline, clocks, neighbours and history.",
    )
    code = st.session_state.pop(KEY_GO, None)
    if code:
        open_council(code, filters)
