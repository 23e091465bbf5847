"""The presentation's charts restyled for a projector (issue 22 item 5): large text, no fixed
height or title, margins and annotation offsets grown with the text; the app's figure untouched."""

from __future__ import annotations

import plotly.graph_objects as go

from oversight.components.figures.projector import MIN_PX, SCALE, TEXT_PX, projector


def _app_figure() -> go.Figure:
    fig = go.Figure(
        go.Scatter(x=[1, 2], y=[3, 4], mode="markers+text", text=["a", "b"], textfont={"size": 11})
    )
    fig.update_layout(
        title_text="A title",
        height=470,
        margin={"t": 100, "b": 60, "l": 70},
        legend={"font": {"size": 12}},
        xaxis={"tickfont": {"size": 11}},
    )
    fig.add_annotation(text="Number at risk: …", yshift=-50, font={"size": 11}, showarrow=False)
    fig.add_annotation(text="A big note", font={"size": 30}, showarrow=False)
    return fig


def test_projector_text_is_large_and_the_slide_sizes_the_chart():
    fig = projector(_app_figure(), top=40)
    layout = fig.layout
    assert layout.font.size == TEXT_PX and layout.legend.font.size == TEXT_PX
    assert layout.xaxis.tickfont.size == TEXT_PX and layout.yaxis.tickfont.size == TEXT_PX
    assert [a.font.size for a in layout.annotations] == [MIN_PX, 30]  # never smaller than it was
    assert fig.data[0].textfont.size == MIN_PX
    assert layout.height is None and not layout.title.text
    assert layout.margin.t == 40 * SCALE and layout.margin.b == 60 * SCALE and layout.margin.l == 70 * SCALE
    assert layout.annotations[0].yshift == -50 * SCALE


def test_projector_leaves_a_figure_it_was_not_given_alone():
    app = _app_figure()
    projector(go.Figure(app))  # a copy, as the presentation's cached builders make their own
    assert (
        app.layout.height == 470
        and app.layout.xaxis.tickfont.size == 11
        and app.layout.title.text == "A title"
    )
