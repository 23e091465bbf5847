"""Words the figures and the widgets compose (issue 21 item 8): a month-precision span said as
months on the timeline, and a select box's option as plain text on one line."""

from __future__ import annotations

import datetime as dt

from oversight.components.figures.safe_text import option
from oversight.components.figures.timeline import timeline_figure
from oversight.data.domain import vocab
from oversight.data.store.story import Authority, AuthorityStory, Fact, Source


def test_a_month_precision_end_is_a_month_on_the_timeline():
    """Blackpool's revised direction (July 2019 to June 2024, both month precision): its span's
    hover says the months, never "1 June 2024"."""
    src = Source("Government acknowledges Blackpool children's services improvements", None, None)
    authority = Authority(1, "E06000009", "890", "Blackpool", "E12000002", "UA", None, None, "North West")
    direction = Fact(
        "intervention",
        dt.date(2019, 7, 1),
        vocab.DIRECTION_COMMISSIONER,
        "Revised statutory direction",
        "month",
        src,
        level=vocab.DIRECTION_COMMISSIONER,
        end_date=dt.date(2024, 6, 1),
        end_precision="month",
    )
    fig = timeline_figure(AuthorityStory(authority, (direction,)), dt.date(2025, 1, 1))
    hovers = " ".join(str(t.hovertext) for t in fig.data if t.hovertext)
    assert "From July 2019; ended June 2024" in hovers, hovers
    assert "1 June 2024" not in hovers and "1 July 2019" not in hovers


def test_a_select_option_is_plain_text_on_one_line():
    assert option("Change 19: 2016-07-01 [x](y)") == "Change 19: 2016-07-01 [x](y)"
    assert option("a\nb\u202ec") == "a bc"
