"""What every page shows when the tracker database cannot be used: a message and Retry, no traceback.

A locked SQLite file, a read-only database that still needs its first set-up, or a PostgreSQL
server that was stopped would otherwise reach the browser as an exception naming SQL and file
paths. The router runs the sidebar and the page inside ``guard()`` (and so does the sidebar when a
page runs without the router), so this is decided once for every page. The operator gets one line
in the server's log, with the masked URL; the browser gets the kind of problem in plain words.
While the problem is one that passes (a lock, a server restart), the page checks again every
``RETRY_SECONDS`` and reloads itself when the database answers; Retry does the same at once.
A page waits a few seconds at most for a database another writer has locked
(``store.transactions.interactive``), so a visitor reads "busy" rather than watch a page hang
for a minute. A run during which an import committed is drawn again (``cache.unmoved``), so
no page is left half old data, half new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from oversight.components.widgets import cache
from oversight.data.store.errors import READ_ONLY, StoreUnavailable
from oversight.data.store.transactions import interactive

RETRY_SECONDS = 15
KEY_RETRY = "unavailable_retry"
_log = logging.getLogger("oversight.app")


@contextmanager
def guard() -> Iterator[None]:
    """Run a page (or the sidebar) and turn "the database cannot be used now" into ``show``.

    The block is also one run's reading of the data version (``cache.one_version``): the router
    runs the whole of every run in it, so every cached call of the run shares one read; and a run
    that an import overtook (``cache.unmoved``) is drawn again from the new data only."""
    try:
        with interactive(), cache.one_version(), cache.unmoved():
            yield
    except cache.DataMoved:
        st.rerun()  # the whole page again, from the new data only
    except Exception as exc:
        problem = cache.database_problem(exc)
        if problem is None:
            raise  # a bug, not the database: Streamlit's own error (details hidden by config.toml)
        show(problem)


def message(problem: StoreUnavailable) -> str:
    """The sentence the page shows: what is wrong in plain words, never where the database is."""
    if problem.kind == READ_ONLY and problem.setting_up:
        return (
            "The tracker database is read-only, and it has not been set up for this version of the "
            "app yet: the first set-up (its tables and the built-in tracker) has to write to it once. "
            "Whoever runs this service can open it once with write access to set it up; then choose "
            "Retry."
        )
    if problem.transient:
        return f"The tracker database is not available right now ({problem.reason}). The page will try again."
    return (
        f"The tracker database is not available right now ({problem.reason}). "
        "Whoever runs this service needs to look at it; then choose Retry."
    )


def show(problem: StoreUnavailable) -> None:
    """The message, a Retry button and (for a passing problem) a periodic check; ends the run."""
    _log.warning("oversight: %s", problem.one_line())
    st.error(message(problem), icon=":material/database:")
    st.button("Retry", key=KEY_RETRY, icon=":material/refresh:", type="primary")
    if problem.transient:
        st.caption(f"Checking again every {RETRY_SECONDS} seconds.")
        _check_again()
    st.stop()


@st.fragment(run_every=RETRY_SECONDS)
def _check_again() -> None:
    """Rerun the whole page once the database answers; until then this redraws nothing."""
    if cache.reachable():
        st.rerun(scope="app")
