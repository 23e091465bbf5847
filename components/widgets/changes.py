"""What changed between two dates, for the page and the presentation: the window read from the URL
(``since``, ``until``), and the digest cached per data version like every other query.

``?since=2018-01-01&until=2018-05-17``: ``until`` defaults to today (issue 22: "since the last
meeting" ends now, not at the newest judgement), ``since`` to eight weeks before ``until`` (a board
cycle). A bad value never raises: it falls back to its default with
a visible note that quotes it as text (``safe_text.quoted``, shown through ``safe_text.markdown``).
Owns no widget keys: the page draws the date inputs (``changes_*``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import streamlit as st

from oversight.components.figures.changes import default_since
from oversight.components.figures.theme import long_date
from oversight.components.widgets import cache as store
from oversight.components.widgets import freshness
from oversight.components.widgets.filters import EARLIEST, link_date
from oversight.data.domain.digest import Digest
from oversight.data.store.changes import changes_between


@dataclass
class Window:
    """Both days included."""

    since: dt.date
    until: dt.date
    notes: list[str] = field(default_factory=list)


def parse_window(params: dict[str, str], end: dt.date, latest: dt.date) -> Window:
    """``since`` and ``until`` from URL parameters; each bad one falls back with a note.

    ``end``: the default end (today; the presentation's as-at date); ``latest``: the last day a
    window may end (today, or the newest data if that is later)."""
    notes: list[str] = []
    until = link_date(params.get("until"), end, latest, notes, "until")
    since = link_date(params.get("since"), default_since(until), latest, notes, "since")
    if since > until:
        fallback = default_since(until)
        notes.append(
            f"The link's since date {long_date(since)} is after its until date {long_date(until)}; "
            f"showing from {long_date(fallback)}."
        )
        since = fallback
    return Window(max(since, EARLIEST), until, notes)


def today() -> dt.date:
    """The day the statutory clocks are judged on (a clock not yet due has not passed): the
    freshness's today, so a test that sets one day sets it for every page."""
    return freshness.today()


@st.cache_data(show_spinner="Reading what changed…", max_entries=64)
def _digest(key: tuple, since: dt.date, until: dt.date, region: str | None, day: dt.date) -> Digest:
    return changes_between(store.engine(), since, until, region, today=day)


def digest(since: dt.date, until: dt.date, region: str | None) -> Digest:
    """Every change from ``since`` to ``until`` (both included) in England or a region, cached per
    data version (an import or an applied change shows on the next run)."""
    return _digest(store.cache_key(), since, until, region, today())
