"""A plotly chart on a page with its title above it as text, and the CSS that swaps a wide picture
for a narrow one on a phone.

Why the title moves: plotly draws a title on one line and never wraps it, so at 390 px a long
title ("Where 66 inadequate spells went, England, data to …") ran off the chart's right edge. The
page shows the figure's own title (and subtitle) as a Markdown heading that wraps like any text;
the figure itself keeps its title, so the board pack and an exported picture are unchanged. The
top margin the title needed is given back to the chart (``trim`` pixels).

Why ``Chart``: building a plotly figure and copying it (``go.Figure(fig)`` validates every property)
was most of a new session's server time on the authority and Time to exit pages (issue 23). A view
caches what every visitor of a view gets alike, per data version, as a ``Chart`` (the titles as text,
the figure as the plain dict plotly would send); drawing one then only serialises that dict.

Why two pictures: Streamlit cannot tell the screen's width on the server, so a view that needs a
different picture on a phone draws both, each in a keyed container, and :func:`narrow_and_wide`'s
media query shows one (``st.container(key=…)`` gives the class ``st-key-…``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from oversight.components.figures.safe_text import markdown

#: Below this width (CSS px) a view shows its narrow picture; Streamlit stacks columns at 640.
NARROW_PX = 640
_TAGS = re.compile(r"<[^>]+>")


def title_text(value: Any) -> str:
    """A plotly title as plain text: its HTML tags (``<b>``, ``<br>``) as spaces, its entities
    (the figures escape outside text with ``safe_text.html``) as characters."""
    return " ".join(html.unescape(_TAGS.sub(" ", str(value or ""))).split())


class _Built(go.Figure):
    """A figure whose dict is already made (a cached ``Chart``'s): ``st.plotly_chart`` asks a
    figure for ``to_dict()`` and serialises it; a plain dict it would validate property by
    property, as slow as building the figure again. Read only, never changed."""

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self._built = spec

    def to_dict(self) -> dict[str, Any]:
        return self._built


@dataclass(frozen=True)
class Chart:
    """A figure ready for the page: its title and subtitle as text, the figure without them (its top
    margin trimmed) holding plotly's plain dict. Shared by every session that caches it: never changed."""

    title: str
    subtitle: str
    figure: _Built


def chart(fig: go.Figure, trim: int = 30) -> Chart:
    """``fig`` prepared for ``titled_chart``: the title out of the picture, ``trim`` pixels of its
    top margin given back. ``fig`` is not changed."""
    copy = go.Figure(fig)
    title = title_text(copy.layout.title.text)
    subtitle = title_text(copy.layout.title.subtitle.text) if copy.layout.title.subtitle else ""
    top = copy.layout.margin.t
    copy.update_layout(
        title={"text": None, "subtitle": {"text": None}},
        margin={"t": max(10, (top if top is not None else 100) - trim)},
    )
    return Chart(title, subtitle, _Built(copy.to_dict()))


def titled_chart(fig: go.Figure | Chart, key: str, trim: int = 30, **kwargs: Any) -> Any:
    """``st.plotly_chart`` of ``fig`` without its title, the title shown above it as a heading
    (and the subtitle as a caption); returns what ``st.plotly_chart`` returns.

    A figure is prepared here (``chart(fig, trim)``; ``fig`` is not changed); a ``Chart`` (cached
    by the view, ``trim`` already given) is drawn as it is."""
    ready = fig if isinstance(fig, Chart) else chart(fig, trim)
    if ready.title:
        st.markdown(f"##### {markdown(ready.title)}")
    if ready.subtitle:
        st.caption(markdown(ready.subtitle))
    kwargs.setdefault("theme", None)
    kwargs.setdefault("config", {"displaylogo": False})
    return st.plotly_chart(ready.figure, key=key, **kwargs)


def narrow_and_wide(narrow_key: str, wide_key: str) -> None:
    """Show the container keyed ``wide_key`` on a wide screen and ``narrow_key`` on a narrow
    one (under :data:`NARROW_PX`); both are drawn, one is hidden by the browser."""
    st.html(
        "<style>"
        f"@media (max-width: {NARROW_PX - 0.02}px) {{ .st-key-{wide_key} {{ display: none !important; }} }}"
        f"@media (min-width: {NARROW_PX}px) {{ .st-key-{narrow_key} {{ display: none !important; }} }}"
        "</style>"
    )
