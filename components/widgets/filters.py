"""The shared filters: region and "as at" date, kept in the URL so a link reproduces a view.

``?region=E12000004&as_at=2018-05-17``. A bad parameter never raises: the view falls back
to the default and says so in a visible note. A note is plain text quoting what the link said,
so it is shown through ``safe_text.markdown`` (a link's ``[text](url)`` stays text) and the
quoted value is cut short (``safe_text.quoted``). This component owns its widget keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import streamlit as st

from oversight.components.figures.safe_text import markdown, quoted
from oversight.components.figures.theme import long_date
from oversight.data.domain.register import load_regions

ALL = "all"
KEY_REGION = "filters_region"
KEY_AS_AT = "filters_as_at"
KEY_NOTES = "filters_notes"
KEY_PENDING = "filters_pending_as_at"
#: The Ofsted history in the releases starts in 2009 (the first single inspections, which
#: set every authority's grade, were published from November 2013).
EARLIEST = dt.date(2009, 4, 1)


@dataclass
class Filters:
    """What every page reads: the region (None = England) and the as-at date."""

    region: str | None
    as_at: dt.date
    notes: list[str] = field(default_factory=list)

    @property
    def region_name(self) -> str:
        return dict(load_regions()).get(self.region or "", "England")


def parse_params(params: dict[str, str], default_as_at: dt.date, latest: dt.date) -> Filters:
    """Read ``region`` and ``as_at`` from URL parameters; fall back with a note when bad."""
    regions = dict(load_regions())
    notes: list[str] = []
    region = params.get("region") or None
    if region is not None and region not in regions:
        notes.append(f"The link's region {quoted(region)} is not an English region code; showing England.")
        region = None
    as_at = link_date(params.get("as_at"), default_as_at, latest, notes)
    return Filters(region=region, as_at=as_at, notes=notes)


def link_date(raw: object, default: dt.date, latest: dt.date, notes: list[str], what: str = "") -> dt.date:
    """A date from a URL parameter, or ``default`` with a note saying why (not a date, or outside
    the data): the one rule for every page's dates in links (``as_at``, ``since``, ``until``)."""
    if not raw:
        return default
    name = f"{what} date" if what else "date"
    try:
        day = dt.date.fromisoformat(str(raw))
    except ValueError:
        notes.append(
            f"The link's {name} {quoted(raw)} is not a date (YYYY-MM-DD); showing {long_date(default)}."
        )
        return default
    if not (EARLIEST <= day <= latest):
        notes.append(
            f"The link's {name} {long_date(day)} is outside the data "
            f"({long_date(EARLIEST)} to {long_date(latest)}); showing {long_date(default)}."
        )
        return default
    return day


def request_date(day: dt.date) -> None:
    """Ask for the as-at date to change on the next run (a widget's value cannot be set
    after it is drawn): used by the map's play button."""
    st.session_state[KEY_PENDING] = day


def _clear_notes() -> None:
    st.session_state[KEY_NOTES] = []


def render(default_as_at: dt.date, latest: dt.date) -> Filters:
    """Draw the sidebar filters and keep them and the URL in step."""
    if KEY_REGION not in st.session_state:
        first = parse_params(dict(st.query_params), default_as_at, latest)
        st.session_state[KEY_REGION] = first.region or ALL
        st.session_state[KEY_AS_AT] = first.as_at
        st.session_state[KEY_NOTES] = first.notes
    pending = st.session_state.pop(KEY_PENDING, None)
    if pending is not None:
        st.session_state[KEY_AS_AT] = min(max(pending, EARLIEST), latest)
    regions = load_regions()
    names = dict(regions)
    with st.sidebar:
        st.markdown("### View")
        region = st.selectbox(
            "Region",
            options=[ALL, *[code for code, _ in regions]],
            format_func=lambda c: "England (all regions)" if c == ALL else names[c],
            key=KEY_REGION,
            on_change=_clear_notes,
            help="The 9 English regions, in ONS code order.",
        )
        as_at = st.date_input(
            "As at",
            min_value=EARLIEST,
            max_value=latest,
            key=KEY_AS_AT,
            format="DD/MM/YYYY",
            on_change=_clear_notes,
            help="Judgements and interventions in force on this date (reports published on or before it).",
        )
    filters = Filters(
        region=None if region == ALL else region, as_at=as_at, notes=list(st.session_state[KEY_NOTES])
    )
    # Only our two keys: other parameters (a page's own, e.g. ?la=) are left alone.
    if st.query_params.get("as_at") != as_at.isoformat():
        st.query_params["as_at"] = as_at.isoformat()
    if filters.region:
        if st.query_params.get("region") != filters.region:
            st.query_params["region"] = filters.region
    elif "region" in st.query_params:
        del st.query_params["region"]
    for note in filters.notes:
        st.warning(markdown(note), icon=":material/link_off:")
    return filters
