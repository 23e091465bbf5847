"""The authority timeline's intervention bars (issue 22 item 9): each level drawn has its own
legend entry, in the map legend's words and colours, and neighbouring levels keep 3:1 contrast."""

from __future__ import annotations

import datetime as dt

import pytest

from oversight.components.figures import theme
from oversight.components.figures.timeline import timeline_figure
from oversight.data.domain import vocab
from oversight.data.store.story import Authority, AuthorityStory, Fact, Source
from tests.test_figures_maps import contrast

D = dt.date
SRC = Source("Children's services: statutory intervention notices and directions", None, None)
LEVELS = (vocab.ALTERNATIVE_DELIVERY, vocab.DIRECTION_COMMISSIONER, vocab.DIRECTION, vocab.IMPROVEMENT_NOTICE)


@pytest.fixture
def birmingham() -> AuthorityStory:
    """Birmingham's story in outline: inadequate, a notice, a direction with commissioner, then
    the trust (alternative delivery), two directions in all."""
    authority = Authority(3, "E08000025", "330", "Birmingham", "E12000005", "MD", None, None, "West Midlands")

    def intervention(day, level, label, end=None):
        return Fact("intervention", day, level, label, "day", SRC, level=level, end_date=end)

    inadequate = Fact(
        "inspection",
        D(2014, 6, 26),
        "sif",
        "Single inspection",
        "day",
        SRC,
        inspection_date=D(2014, 5, 12),
        publication_date=D(2014, 6, 26),
        publication_estimated=False,
        overall_effectiveness=vocab.INADEQUATE,
        overall_derived=False,
        judgements={},
    )
    return AuthorityStory(
        authority,
        (
            inadequate,
            intervention(D(2013, 5, 1), vocab.IMPROVEMENT_NOTICE, "Improvement notice", D(2014, 1, 1)),
            intervention(D(2014, 1, 1), vocab.DIRECTION_COMMISSIONER, "Direction", D(2016, 6, 1)),
            intervention(D(2016, 6, 1), vocab.DIRECTION, "Revised direction", D(2018, 4, 1)),
            intervention(D(2018, 4, 1), vocab.ALTERNATIVE_DELIVERY, "Birmingham Children's Trust"),
        ),
    )


def test_each_level_has_one_legend_entry_in_the_map_legends_words_and_colours(birmingham):
    fig = timeline_figure(birmingham, D(2020, 1, 1))
    bars = [t for t in fig.data if t.mode == "lines"]
    shown = [t for t in bars if t.showlegend]
    assert [t.name for t in shown] == [theme.SHORT_LEVELS[k] for k in LEVELS]  # most severe first
    map_legend = {c.key: c.colour for c in theme.categories("intervention")}
    for level, trace in zip(LEVELS, shown, strict=True):
        assert trace.line.color == map_legend[level]
        assert trace.legendgroup == f"level:{level}"
    # The judgements' diamonds come first in the legend, the bars after them.
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert names.index(vocab.INADEQUATE) < names.index(theme.SHORT_LEVELS[vocab.ALTERNATIVE_DELIVERY])


def test_a_level_seen_twice_is_one_legend_entry(birmingham):
    again = Fact(
        "intervention",
        D(2018, 6, 1),
        vocab.DIRECTION,
        "A second direction",
        "day",
        SRC,
        level=vocab.DIRECTION,
    )
    story = AuthorityStory(birmingham.authority, (*birmingham.facts, again))
    fig = timeline_figure(story, D(2020, 1, 1))
    directions = [t for t in fig.data if t.name == theme.SHORT_LEVELS[vocab.DIRECTION]]
    assert len(directions) == 2 and [bool(t.showlegend) for t in directions].count(True) == 1


def test_neighbouring_levels_have_three_to_one_contrast():
    """A level usually follows the one next to it in severity (a notice, then a direction, ...):
    their bars touch, so their colours differ by 3:1 or more."""
    colours = [theme.LEVEL_COLOURS[k] for k in LEVELS]
    for a, b in zip(colours, colours[1:], strict=False):
        assert contrast(a, b) >= 3, (a, b)
