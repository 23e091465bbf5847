"""A plotly chart on a page with its title above it as text, and the CSS that swaps a wide picture
for a narrow one on a phone.

Why the title moves: plotly draws a title on one line and never wraps it, so at 390 px a long
title ("Where 66 inadequate spells went, England, data to …") ran off the chart's right edge. The
page shows the figure's own title (and subtitle) as a Markdown heading that wraps like any text;
the figure itself keeps its title, so the board pack and an exported picture are unchanged. The
top margin the title needed is given back to the chart (``trim`` pixels).

Why two pictures: Streamlit cannot tell the screen's width on the server, so a view that needs a
different picture on a phone draws both, each in a keyed container, and :func:`narrow_and_wide`'s
media query shows one (``st.container(key=…)`` gives the class ``st-key-…``).
"""

from __future__ import annotations

import html
import re
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


def titled_chart(fig: go.Figure, key: str, trim: int = 30, **kwargs: Any) -> Any:
    """``st.plotly_chart`` of a copy of ``fig`` without its title, the title shown above it as a
    heading (and the subtitle as a caption); returns what ``st.plotly_chart`` returns.

    ``fig`` is not changed: the exit page's figures are cached and shared between reruns."""
    chart = go.Figure(fig)
    title = title_text(chart.layout.title.text)
    subtitle = title_text(chart.layout.title.subtitle.text) if chart.layout.title.subtitle else ""
    if title:
        st.markdown(f"##### {markdown(title)}")
    if subtitle:
        st.caption(markdown(subtitle))
    top = chart.layout.margin.t
    chart.update_layout(
        title={"text": None, "subtitle": {"text": None}},
        margin={"t": max(10, (top if top is not None else 100) - trim)},
    )
    kwargs.setdefault("theme", None)
    kwargs.setdefault("config", {"displaylogo": False})
    return st.plotly_chart(chart, key=key, **kwargs)


def narrow_and_wide(narrow_key: str, wide_key: str) -> None:
    """Show the container keyed ``wide_key`` on a wide screen and ``narrow_key`` on a narrow
    one (under :data:`NARROW_PX`); both are drawn, one is hidden by the browser."""
    st.html(
        "<style>"
        f"@media (max-width: {NARROW_PX - 0.02}px) {{ .st-key-{wide_key} {{ display: none !important; }} }}"
        f"@media (min-width: {NARROW_PX}px) {{ .st-key-{narrow_key} {{ display: none !important; }} }}"
        "</style>"
    )
