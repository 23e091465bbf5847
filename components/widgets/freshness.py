"""The data's freshness on every page: how far each layer runs (judgements, interventions, visits)
with its source, a visible notice when the judgements are more than six months before today, and
the one-line note a view dated after a layer's end shows (``after_end``).

The shared sidebar draws it for every page (the line in the sidebar, the notice at the top of the
page, where a collapsed sidebar cannot hide it); the presentation, which has no sidebar, draws both
itself. The words are ``figures.freshness``'s, the same as every board-pack slide's. ``today`` is a
parameter (default: ``today()``, which tests may replace), never a date in the code.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from oversight.components.figures.freshness import after_end_note, layers_line, stale_notice
from oversight.components.figures.safe_text import markdown
from oversight.components.figures.theme import long_date
from oversight.components.widgets import auth, cache
from oversight.data.curation.roles import SETTINGS
from oversight.data.store import layers as store_layers
from oversight.data.store.layers import LastLoad, Layers


def today() -> dt.date:
    """The day the freshness is judged on (a test may replace this function)."""
    return dt.date.today()


@st.cache_data(show_spinner=False, max_entries=16)
def _layers(key: tuple, day: dt.date) -> Layers:
    return store_layers.layer_ends(cache.engine(), day)


def layers(day: dt.date | None = None) -> Layers:
    """How far each layer runs on ``day`` (default today), cached per data version."""
    return _layers(cache.cache_key(), day or today())


@st.cache_data(show_spinner=False, max_entries=4)
def _last_load(key: tuple) -> LastLoad | None:
    return store_layers.last_load(cache.engine())


def last_load() -> LastLoad | None:
    """The newest import of facts on this machine (cached per data version)."""
    return _last_load(cache.cache_key())


def after_end(as_at: dt.date, where=None) -> str:
    """Under a view's heading (``where``, default the page): the one line saying which layers end
    before the view's date (nothing when none does). Returns the words, for a caller's CSV."""
    note = after_end_note(layers(), as_at)
    if note:
        (where or st).caption(f":material/history: {note}")
    return note


def csv_notes(as_at: dt.date | None) -> list[str]:
    """The lines a CSV download begins with: its date, each layer's end and source, and the note
    when the date is after a layer's end (text, not Markdown: ``download_csv`` quotes them)."""
    now = layers()
    lines = [f"As at {long_date(as_at)}"] if as_at else []
    lines.append(layers_line(now) + ".")
    if as_at and (note := after_end_note(now, as_at)):
        lines.append(note)
    return lines


def render(line_in=None, notice_in=None, day: dt.date | None = None, as_at: dt.date | None = None) -> None:
    """The layers line (a caption in ``line_in``, default the sidebar), with ``as_at`` (a view
    without the sidebar: the presentation) the note of the layers that end before it, and, when
    the judgements are stale, the notice (a warning in ``notice_in``, default the page)."""
    day = day or today()
    now = layers(day)
    (line_in or st.sidebar).caption(layers_line(now, escape=markdown) + ".")
    if as_at is not None:
        after_end(as_at, line_in)
    # The command only for an admin, who runs the service; anyone else is told who can.
    notice = stale_notice(now.judgements, day, command=auth.who().may(SETTINGS))
    if notice:
        (notice_in or st).warning(notice, icon=":material/update:")
