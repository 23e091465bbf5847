"""Gaps in the record (issue 20), on the Tracker page: what the tracker does not yet say.

Public, as the record is: a reader sees where a colour on the map rests on a gap, and an editor
opens the council's page from the line to close it (``domain/gaps`` says which gaps and why).
Every cell is outside-derived text (council names, titles): shown in a table, never Markdown.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import cache
from oversight.components.widgets.tables import EMPTY
from oversight.data.domain.gaps import KINDS

#: Each kind of gap in words, in the order the list shows them.
WORDS = {
    "no_instrument": "Inadequate, no notice or direction recorded",
    "no_real_start": "Start date not recorded",
    "no_end": "End not recorded",
    "no_link": "Source without a link",
    "weekend_publication": "Report dated a weekend",
}


def record_gaps() -> None:
    """The list, with a count per kind and a link to each council's page."""
    found = cache.record_gaps()
    st.markdown("#### Gaps in the record")
    if not found:
        st.caption("None: every inadequate spell has a dated, linked notice or direction.")
        return
    counts = Counter(g.kind for g in found)
    st.markdown(
        markdown(
            f"{len(found)} places where the tracker does not yet say enough: "
            + "; ".join(f"{WORDS[k].lower()}: {counts[k]}" for k in KINDS if counts[k])
            + ". A line marked “explained” has an event in the record saying why no instrument was issued."
        )
    )
    frame = pd.DataFrame(
        {
            # The council and its page first: at 1,400 px the long "What is missing" scrolls, the
            # way to close the gap does not.
            "Authority": [g.authority_name for g in found],
            "Authority page": [f"/authority?la={g.authority_code}" for g in found],
            "Gap": [WORDS[g.kind] for g in found],
            "Date": [g.date for g in found],
            "Explained": ["yes" if g.explained else "—" for g in found],
            "What is missing": [g.words for g in found],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        key="tracker_gaps",
        placeholder=EMPTY,
        column_config={
            "Gap": st.column_config.TextColumn(width="medium"),
            "Explained": st.column_config.TextColumn(width="small"),
            "What is missing": st.column_config.TextColumn(width="large"),
            "Date": st.column_config.DateColumn(format="D MMM YYYY"),
            "Authority page": st.column_config.LinkColumn("Authority page", display_text="Open"),
        },
    )
    st.caption(
        "Signed-in editors close a gap on the council's page (Add to this authority's record), citing the "
        "GOV.UK decision page, the council's papers or the press; a reviewer approves it."
    )
