"""Freshness in words, per layer (issue 22, item 2): pure, no database, no Streamlit. Each layer
says how far it runs and its source; a view dated over a month after a layer's end says so in one
line; the stale notice is about the judgements; a CSV download begins with the same lines."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from oversight.components.figures.freshness import (
    AFTER_END,
    LAYER_GRACE,
    after_end_note,
    layers_line,
    stale_notice,
)
from oversight.components.figures.safe_text import markdown
from oversight.components.reports.board_pack import _footer
from oversight.components.widgets.tables import csv_text
from oversight.data.store.layers import LayerEnd, Layers

D = dt.date.fromisoformat
SCRAPE = "Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool"


def end(day: str, title: str, publisher: str | None = None, precision: str = "day") -> LayerEnd:
    return LayerEnd(D(day), title, publisher, None, "tracker", precision)


@pytest.fixture
def layers() -> Layers:
    """The data of December 2026: judgements in August 2026, interventions and visits earlier."""
    return Layers(
        judgements=end("2026-08-20", SCRAPE, "Ofsted"),
        interventions=end("2025-02-10", "Improvement notice: Knowsley", "Department for Education"),
        visits=end("2024-03-18", "Local Authority Inspection Outcomes", "Ofsted"),
    )


def test_each_layer_says_how_far_it_runs_and_its_source(layers):
    assert layers_line(layers) == (
        f"Judgements to 20 August 2026 ({SCRAPE}); interventions recorded to 10 February 2025 "
        "(Improvement notice: Knowsley, Department for Education); visits to 18 March 2024 "
        "(Local Authority Inspection Outcomes, Ofsted)"
    )
    assert layers_line(layers, sources=False) == (
        "Judgements to 20 August 2026; interventions recorded to 10 February 2025; visits to 18 March 2024"
    )


def test_a_month_is_said_as_a_month_and_an_empty_layer_as_none():
    line = layers_line(Layers(None, end("2025-10-01", "Tracker", precision="month"), None))
    assert (
        line
        == "Judgements: none in the data; interventions recorded to October 2025 (Tracker); visits: none in the data"
    )


def test_outside_text_in_a_source_is_escaped_only_there():
    hostile = Layers(end("2026-08-20", "**Bold** [link](https://x.example)"), None, None)
    line = layers_line(hostile, escape=markdown)
    assert markdown("**Bold** [link](https://x.example)") in line and "**Bold**" not in line


def test_a_view_after_the_ends_says_which_layers_end_when_in_one_line(layers):
    today = D("2026-12-07")
    assert after_end_note(layers, today) == (
        "No judgements recorded after 20 August 2026, no interventions after 10 February 2025 "
        "and no visits after 18 March 2024: later ones may be missing."
    )
    assert after_end_note(layers, D("2025-06-01")) == (
        "No interventions recorded after 10 February 2025 and no visits after 18 March 2024: "
        "later ones may be missing."
    )
    assert after_end_note(layers, D("2024-12-01")) == (
        "No visits recorded after 18 March 2024: later ones may be missing."
    )
    assert "\n" not in after_end_note(layers, today)


def test_within_a_month_of_a_layers_end_is_not_after_it(layers):
    """Ofsted publishes most weeks: a view days after the newest report is not told it is late."""
    assert after_end_note(layers, D("2024-03-18")) == ""
    assert after_end_note(layers, D("2024-03-18") + LAYER_GRACE) == ""
    assert after_end_note(layers, D("2024-03-18") + LAYER_GRACE + dt.timedelta(days=1)).startswith(
        "No visits recorded after 18 March 2024"
    )


def test_stale_is_about_the_judgements_and_never_reads_as_refreshed(layers):
    notice = stale_notice(layers.judgements, D("2027-03-01"))
    assert notice.startswith("The data may be out of date: its newest judgement, published 20 August 2026")
    assert stale_notice(layers.judgements, D("2026-12-07")) == ""
    assert "today" not in layers_line(layers) and "refresh" not in layers_line(layers)


def test_every_slide_footer_names_each_layer_and_the_note(layers):
    footer = _footer(D("2026-12-07"), layers, D("2026-12-07"))
    first, second = footer.split("\n")
    assert first.startswith("As at 7 December 2026 · Sources:")
    assert second.startswith(layers_line(layers) + ". No judgements recorded after 20 August 2026")
    assert "Newest publication" not in footer
    # A pack dated within the layers: no note.
    assert AFTER_END not in _footer(D("2024-03-20"), layers, D("2024-03-20"))


def test_a_csv_download_begins_with_its_notes_and_still_reads_as_the_table(layers):
    frame = pd.DataFrame({"Authority": ["Knowsley", "=cmd"], "Since": ["2025-02-10", "2024-01-01"]})
    notes = ["As at 7 December 2026", layers_line(layers) + ".", after_end_note(layers, D("2026-12-07"))]
    text = csv_text(frame, notes)
    lines = text.splitlines()
    assert lines[0] == "#,As at 7 December 2026"
    assert lines[1].startswith('#,"Judgements to 20 August 2026 (')  # one cell: its commas are quoted
    assert lines[3] == "Authority,Since"
    back = pd.read_csv(io.StringIO(text), comment="#", dtype=str)
    assert list(back["Authority"]) == ["Knowsley", "'=cmd"]  # the formula guard still applies
    assert csv_text(frame, ["=HYPERLINK(1)"]).splitlines()[0] == "#,'=HYPERLINK(1)"  # a source's words
    assert csv_text(frame) == frame.assign(Authority=["Knowsley", "'=cmd"]).to_csv(index=False)
