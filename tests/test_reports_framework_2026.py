"""The board pack with the April 2026 framework and the data's freshness: every slide's footer
carries the newest publication in the data and its source (and the stale notice when it is more
than six months old, "today" injected); the table slides word a derived inadequate as derived and
note a post-reform inspection's four area judgements."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pptx import Presentation
from pypdf import PdfReader

from oversight.components.figures import theme
from oversight.components.figures.freshness import STALE_START
from oversight.components.figures.map_plotly import map_figure
from oversight.components.reports.board_pack import (
    ROWS_WITH_NOTES,
    PackRequest,
    _counts_bullets,
    _footer,
    _scope,
    _table_slides,
    board_pack,
    image_server,
)
from oversight.components.reports.slides import Picture
from oversight.data import bootstrap
from oversight.data.domain.framework import NO_OVERALL_GRADE
from oversight.data.sources.importer import import_paths
from oversight.data.store.layers import LayerEnd, Layers
from tests.test_reports_board_pack import _slide_texts

D = dt.date
AS_AT = D(2026, 8, 31)
LINE = "Judgements to 20 August 2026 (Ofsted inspection reports, compiled by the Data to Insight ILACS scrape tool);"
DERIVED = "Inadequate — derived from area judgements; no overall grade since April 2026"


@pytest.fixture(scope="module")
def scraped(tmp_path_factory, release_paths, data_dir):
    url = f"sqlite:///{tmp_path_factory.mktemp('pack') / 'scraped.sqlite'}"
    engine = bootstrap.ready_engine(url)
    import_paths(engine, [*release_paths, data_dir / "community" / "ofsted_csc_ilacs_history.csv"])
    return engine


def test_footer_says_freshness_and_when_stale_who_refreshes():
    pub = LayerEnd(D(2024, 5, 16), "Local Authority Inspection Outcomes", "Ofsted", None, "ofsted_release")
    layers = Layers(pub, None, pub)
    fresh = _footer(D(2024, 6, 10), layers, D(2024, 9, 1))
    assert fresh.splitlines() == [
        fresh.splitlines()[0],
        "Judgements to 16 May 2024 (Local Authority Inspection Outcomes, Ofsted); interventions recorded: "
        "none in the data; visits to 16 May 2024 (Local Authority Inspection Outcomes, Ofsted).",
    ]
    assert fresh.startswith("As at 10 June 2024 · Sources:") and STALE_START not in fresh
    stale = _footer(D(2024, 6, 30), layers, D(2026, 12, 1))
    assert STALE_START in stale and "1 December 2026" in stale
    # A board is told who can refresh the data, not asked to run a command (issue 22, item 8).
    assert "Whoever runs this service can bring it up to date." in stale and "oversight" not in stale


def test_table_slides_word_derived_and_note_the_area_judgements(scraped, data_dir):
    scope = _scope(scraped, PackRequest("E12000002", AS_AT, None, data_dir, today=D(2026, 12, 1)))
    slides = _table_slides(scope, locator=Picture(b"", "locator", 700, 700))
    rows = {r["Authority"]: r for s in slides for r in s.table.to_dict("records")}
    assert len(rows) == 24  # every North West authority once
    assert rows["Trafford"]["Latest judgement"] == DERIVED
    # One legend entry for very different councils: the table counts each one's areas.
    assert (
        rows["Liverpool"]["Latest judgement"]
        == f"{NO_OVERALL_GRADE}; 4 areas: 3 good, 1 requires improvement"
    )
    notes = [n for s in slides for n in s.bullets]
    assert (
        "Trafford (inadequate, derived): Impact of leaders: Inadequate; Help and protection: Inadequate; "
        "Children in care: Good; Care leavers: Requires improvement"
    ) in notes
    assert {n.split(" (")[0] for n in notes} == {"Trafford", "Liverpool", "Blackpool", "Lancashire"}
    for s in slides:  # a page with notes holds fewer rows, so that they fit
        assert len(s.table) <= (ROWS_WITH_NOTES if s.bullets else 10)
        assert {n.split(" (")[0] for n in s.bullets} <= set(s.table["Authority"])
        assert f"\n{LINE}" in s.footer


def test_the_judgement_maps_legend_has_the_derived_entry_and_the_bullets_agree(scraped, data_dir):
    """The pack's judgement map: a derived inadequate is hatched with its own legend entry, and
    every count in the bullets beside it equals its legend entry (none counted twice)."""
    req = PackRequest("E12000002", AS_AT, None, data_dir, today=D(2026, 12, 1))
    scope = _scope(scraped, req)
    fig = map_figure(scope.data, "judgement", req.region, scope.region_name)
    legend = ["{}: {}".format(*t.name.removesuffix(")").rsplit(" (", 1)) for t in fig.data if t.showlegend]
    assert f"{theme.DERIVED_KEY}: 1" in legend
    hatch = [t for t in fig.data if t.legendgroup == theme.DERIVED_KEY and t.type == "scattergeo"]
    assert any(t.mode == "lines" for t in hatch) and any(t.showlegend for t in hatch)
    bullets = _counts_bullets(scope, req, "judgement")
    counted = [b for b in bullets if not b.startswith("Derived: ")]
    assert counted == [entry for entry in legend if not entry.endswith(": 0")]
    assert any(b.startswith("Derived: ") for b in bullets)
    assert not any("estimated" in b for b in bullets)


@pytest.fixture(scope="module")
def kaleido_browser():
    with image_server():
        yield


def test_every_slide_of_a_pack_carries_the_freshness_line(kaleido_browser, scraped, data_dir, tmp_path):
    pptx, pdf = tmp_path / "trafford.pptx", tmp_path / "trafford.pdf"
    stale_day = D(2027, 6, 1)  # over six months after 20 August 2026
    req = PackRequest(None, AS_AT, "E08000009", data_dir, today=stale_day)
    slides = board_pack(scraped, req, [pptx, pdf])
    texts = _slide_texts(Presentation(str(pptx)))
    assert len(texts) == len(slides) >= 5
    for text in texts:
        assert LINE in text and STALE_START in text and "1 June 2027" in text
    assert any(DERIVED in t and "Impact of leaders: Inadequate" in t for t in texts)  # table and timeline
    assert "Prepared 1 June 2027" in texts[0]
    for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages:
        words = " ".join(page.extract_text().split())
        assert "Judgements to 20 August 2026" in words and STALE_START in words
