"""The inbox in the sidebar of every page: what waits for the person signed in.

A reviewer sees how many proposals wait for their decision, a link to the Tracker page where they
decide them, and the first few; a proposer sees the decisions others made on their proposals in
the last 30 days, each with its reason (``curation/inbox``). Nothing for a visitor, for a sign-in
that makes no one, or when sign-in is not set up. Names, council names and reasons are outside
text: all of it is shown through ``safe_text.markdown``. Owns the ``inbox_*`` keys.
"""

from __future__ import annotations

import streamlit as st

from oversight.components.figures.safe_text import markdown
from oversight.components.figures.theme import long_date
from oversight.components.widgets import auth, cache
from oversight.data.curation import inbox as inboxes
from oversight.data.curation.inbox import Decided, Waiting

TRACKER_PAGE = "ui/tracker_page.py"
REVIEW_LINK = "Review them on the Tracker page"
#: How many waiting proposals and decisions the sidebar lists (the Tracker page has them all).
SHOWN = 3
#: A reason longer than this is cut in the sidebar (the history keeps it whole).
REASON = 300
OUTCOMES = {
    "approved": "was approved",
    "rejected": "was rejected",
    "conflict": "was approved but not applied (the fact had changed)",
}


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def waiting_words(count: int) -> str:
    return f"{count} proposal{'' if count == 1 else 's'} waiting for your review"


def waiting_line(item: Waiting) -> str:
    """ "New intervention · Devon · Eddie Editor · 3 December 2026" (plain text)."""
    return " · ".join(
        (
            item.kind[:1].upper() + item.kind[1:],
            item.authority_name or "a council",
            item.proposed_by_name,
            long_date(item.proposed_at.date()),
        )
    )


def decided_line(item: Decided) -> str:
    """ "Your proposal (new intervention, Devon) was rejected by Bob Reviewer on 3 December 2026:
    no source for this" (plain text)."""
    head = (
        f"Your proposal ({item.kind}, {item.authority_name or 'a council'}) "
        f"{OUTCOMES.get(item.outcome, item.outcome)} by {item.decided_by_name} on "
        f"{long_date(item.decided_at.date())}"
    )
    return f"{head}: {_cut(item.reason, REASON)}" if item.reason else head + "."


def render() -> None:
    """The signed-in person's inbox in the sidebar (nothing for anyone else)."""
    if not auth.configured():
        return
    actor = auth.current_actor()
    if actor is None:
        return
    box = inboxes.inbox(cache.engine(), actor)
    if box.role is None and not box.decided:
        return
    with st.sidebar:
        if box.empty:
            st.caption("Nothing waits for you.")
            return
        if box.to_review:
            # The count in words (it wraps), the link short: a page link's label is one line.
            st.markdown(f":material/inbox: **{waiting_words(len(box.to_review))}**")
            for item in box.to_review[:SHOWN]:
                st.caption(markdown(waiting_line(item)))
            if len(box.to_review) > SHOWN:
                st.caption(f"and {len(box.to_review) - SHOWN} more")
            st.page_link(
                TRACKER_PAGE,
                label=REVIEW_LINK,
                icon=":material/rate_review:",
                help="On the Tracker page, under “Proposals waiting for review”.",
            )
        for item in box.decided[:SHOWN]:
            body = markdown(decided_line(item))
            if item.outcome == "approved":
                st.success(body, icon=":material/check_circle:")
            else:
                st.warning(body, icon=":material/feedback:")
        if len(box.decided) > SHOWN:
            st.page_link(
                TRACKER_PAGE,
                label=f"{len(box.decided) - SHOWN} more on the Tracker page",
                icon=":material/history_edu:",
            )
