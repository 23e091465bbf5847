"""The sidebar every page shares: the filters, the data's freshness, the board-pack button and,
when the deployment has sign-in, Sign in / Sign out and the signed-in person's inbox.

The router draws it once per run around the page (``with shared_sidebar(): page.run()``), and the
page reads what was drawn with ``current()``. Streamlit can also run a file of ``pages/``
without the router (e.g. ``AppTest.switch_page``); then
nothing was drawn in this run and ``current()`` draws the sidebar itself, so a page never depends
on how it was reached. "Drawn in this run" is a context variable set for the page's duration:
no private Streamlit state is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from oversight.components.widgets import (
    auth,
    board_pack_dialog,
    cache,
    find_council,
    freshness,
    inbox,
    page_style,
    unavailable,
)
from oversight.components.widgets import filters as shared_filters
from oversight.components.widgets.filters import Filters

_drawn: ContextVar[Filters | None] = ContextVar("oversight_sidebar_filters", default=None)


def render() -> Filters:
    """Draw the sidebar with the store's dates. The default as-at is today (issue 22): the newest
    judgement's date judged every clock weeks or months late and hid that the other layers end
    earlier; a page dated after a layer's end says so (``freshness.after_end``)."""
    newest = cache.data_as_at()
    today = freshness.today()
    notice = st.container()  # the stale-data notice heads the page, before any link note
    search = st.sidebar.container()  # "Find a council" heads the sidebar (it needs the view's date)
    filters = shared_filters.render(default_as_at=today, latest=max(newest or today, today))
    page_style.render()  # print stylesheet (in the page: a collapsed sidebar's content is gone); Enter
    with search:
        find_council.render(filters)
    freshness.render(notice_in=notice)  # every page: the newest publication and its source
    board_pack_dialog.sidebar_button(filters)
    auth.sidebar_control()  # Sign in / Signed in as … / Sign out, when sign-in is set up
    inbox.render()  # signed in: what waits for them (proposals to review, decisions on theirs)
    return filters


@contextmanager
def shared_sidebar() -> Iterator[Filters]:
    """Draw the sidebar and make it the page's ``current()`` while the page runs."""
    token = _drawn.set(render())
    try:
        yield _drawn.get()  # type: ignore[misc]
    finally:
        _drawn.reset(token)


def current() -> Filters:
    """The filters as drawn in this run (drawing the sidebar if the router did not).

    Without the router, nothing else catches a database that cannot be used, so the sidebar drawn
    here gets the same message and Retry as under the router (``unavailable.guard``).
    """
    drawn = _drawn.get()
    if drawn is not None:
        return drawn
    with unavailable.guard():
        drawn = render()
    return drawn  # type: ignore[return-value] - guard() ends the run rather than return without it
