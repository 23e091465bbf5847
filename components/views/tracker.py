"""The Tracker page: the tracker as a living record.

Public: the recent changes in effect (imports, approved proposals, reverts): who changed what,
when, and the source. Signed in: the proposals waiting for review (reviewers approve or reject
them, their proposers withdraw them), one's own proposals, a way to the authority pages
where facts are recorded and, for editors, a tracker CSV whose rows become proposals; admins also see Revert, "Allow self-approval" and the people with a
role. Every action is checked again by ``oversight.data.curation`` (``widgets.review``).
"""

from __future__ import annotations

import streamlit as st

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import auth, bulk_upload, gaps, review
from oversight.components.widgets import cache as store
from oversight.components.widgets.filters import Filters
from oversight.data.curation.roles import PROPOSE

KEY_RECORD_FOR = "tracker_record_for"


def render(filters: Filters) -> None:
    st.title("Tracker")
    st.markdown(
        "Every change to the authority tracker, newest first: who changed what, when, and the source. "
        "A fact recorded in the app is a **proposal** until a different person with the reviewer role "
        "approves it; only then does it reach the map, the tables and the board pack. Nothing is ever "
        "deleted: a retraction or a revert is a new change, and each fact's history is on its "
        "authority's page."
    )
    signed = auth.who()
    if not signed.configured:
        st.caption(
            "Facts are recorded by whoever runs this service: recording and reviewing them in the app "
            "needs sign-in, which is not switched on here."
        )
    elif signed.actor is None:
        st.caption("Sign in (in the sidebar) to record facts or review other people's proposals.")
    review.proposals(signed, "tracker")
    if signed.may(PROPOSE):
        _record_for(filters)
    bulk_upload.render(signed)  # editors and above; a refused filing is said to anyone
    if signed.may(PROPOSE):
        review.own_proposals(signed)
    review.recent_changes(signed)
    gaps.record_gaps()
    review.proof()
    review.admin_settings(signed)
    review.people_and_roles(signed)


def _record_for(filters: Filters) -> None:
    """Facts are recorded on their authority's page: the way there."""
    st.markdown("#### Record a fact")
    names = store.latest_judgements(filters.as_at, None).set_index("code")["name"].to_dict()
    code = st.selectbox(
        "Authority to record a fact for",
        options=sorted(names, key=names.get),
        index=None,
        format_func=lambda c: f"{names[c]} ({c})",
        placeholder="Choose an authority…",
        key=KEY_RECORD_FOR,
    )
    if code:
        st.page_link(
            review.AUTHORITY_PAGE,
            label=f"Add to {markdown(names[code])}'s record",
            query_params={"la": code},
            icon=":material/add_circle:",
        )
