"""A chart restyled for a projector (presentation mode only; the app's charts keep their sizes).

Plotly sizes text in pixels of its SVG, and the presentation draws a chart at the screen's own
size, so a size set here is the size on the screen: 18 px ticks and legend read from the back of
a meeting room at 1920×1080 (the app's 11–12 px ticks did not), and nothing drops below 16 px.
"""

from __future__ import annotations

import plotly.graph_objects as go

#: Ticks, legend and axis titles.
TEXT_PX = 18
#: The smallest text anywhere in the figure (annotations such as a source line, marks' labels).
MIN_PX = 16
#: How much larger the text is than the app's (12 px ticks): the figure's margins and the pixel
#: offsets of its annotations (a line of at-risk numbers under the axis) grow with it.
SCALE = TEXT_PX / 12


def projector(fig: go.Figure, top: float | None = None) -> go.Figure:
    """``fig`` (changed in place, and returned) with large text and no fixed height or title:
    the slide sizes it to the screen and says its title as the slide's heading. ``top``: the
    margin above the plot in the app's pixels less its title's room (default: the figure's own)."""
    margin = fig.layout.margin
    fig.update_layout(
        margin={
            "t": _scaled(margin.t if top is None else top),
            "b": _scaled(margin.b),
            "l": _scaled(margin.l),
        },
        height=None,
        autosize=True,
        title_text="",
        title_subtitle_text="",
        font_size=TEXT_PX,
        legend_font_size=TEXT_PX,
        hoverlabel_font_size=TEXT_PX,
    )
    fig.update_xaxes(tickfont_size=TEXT_PX, title_font_size=TEXT_PX)
    fig.update_yaxes(tickfont_size=TEXT_PX, title_font_size=TEXT_PX)
    for note in fig.layout.annotations:
        note.font.size = max(note.font.size or 0, MIN_PX)
        if note.yshift:
            note.yshift *= SCALE
    for trace in fig.data:
        font = getattr(trace, "textfont", None)
        if font is not None and font.size is not None and not isinstance(font.size, tuple):
            font.size = max(font.size, MIN_PX)
    return fig


def _scaled(pixels: float | None) -> float | None:
    return None if pixels is None else pixels * SCALE
