"""The data's freshness on every page: the newest publication and its source, and a visible notice
when that is more than six months before today, saying how to refresh.

The shared sidebar draws it for every page (the line in the sidebar, the notice at the top of the
page, where a collapsed sidebar cannot hide it); the presentation, which has no sidebar, draws both
itself. The words are ``figures.freshness``'s, the same as every board-pack slide's. ``today`` is a
parameter (default: ``today()``, which tests may replace), never a date in the code.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from oversight.components.figures.freshness import freshness_line, stale_notice
from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import auth, cache
from oversight.data.curation.roles import SETTINGS
from oversight.data.store import queries
from oversight.data.store.queries import Publication


def today() -> dt.date:
    """The day the freshness is judged on (a test may replace this function)."""
    return dt.date.today()


@st.cache_data(show_spinner=False, max_entries=16)
def _newest(key: tuple, day: dt.date) -> Publication | None:
    return queries.newest_publication(cache.engine(), day)


def newest(day: dt.date | None = None) -> Publication | None:
    """The newest publication in the data on or before ``day`` (cached per data version)."""
    return _newest(cache.cache_key(), day or today())


def render(line_in=None, notice_in=None, day: dt.date | None = None) -> None:
    """The freshness line (a caption in ``line_in``, default the sidebar) and, when the data is
    stale, the notice (a warning in ``notice_in``, default the page)."""
    day = day or today()
    pub = newest(day)
    (line_in or st.sidebar).caption(freshness_line(pub, escape=markdown) + ".")
    # The command only for an admin, who runs the service; anyone else is told who can.
    notice = stale_notice(pub, day, command=auth.who().may(SETTINGS))
    if notice:
        (notice_in or st).warning(notice, icon=":material/update:")
