"""Board packs for every region on two dates, read back: every slide but the digest has a picture,
every slide the as-at text; the PDF opens with one page per slide; the second slide is what changed
since the last meeting (issue 12). One kaleido browser serves all the packs."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pypdf import PdfReader

from oversight.cli import main as cli_main
from oversight.components.figures.map_data import slide_table
from oversight.components.reports.board_pack import PackRequest, board_pack, image_server
from oversight.components.reports.pdf_writer import pdf_pages
from oversight.components.reports.pptx_writer import pptx_pages
from oversight.components.reports.slides import Picture, Slide
from oversight.data import bootstrap
from oversight.data.domain.dates import long_date
from oversight.data.domain.register import load_regions
from oversight.data.sources.importer import import_paths
from oversight.data.store import queries

DATES = {"2018-05-17": "As at 17 May 2018", "2024-06-30": "As at 30 June 2024"}
REGIONS = [code for code, _ in load_regions()]


@pytest.fixture(scope="module")
def kaleido_browser():
    with image_server():
        yield


def _slide_texts(deck: Presentation) -> list[str]:
    out = []
    for slide in deck.slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts.extend(c.text for r in shape.table.rows for c in r.cells)
        out.append("\n".join(parts))
    return out


@pytest.mark.parametrize("as_at", list(DATES))
@pytest.mark.parametrize("region", REGIONS)
def test_region_pack_reads_back(kaleido_browser, loaded_sqlite_url, data_dir, tmp_path, region, as_at):
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    pptx, pdf = tmp_path / "pack.pptx", tmp_path / "pack.pdf"
    req = PackRequest(region, dt.date.fromisoformat(as_at), None, data_dir)
    slides = board_pack(engine, req, [pptx, pdf])

    deck = Presentation(str(pptx))
    assert len(deck.slides) == len(slides) >= 5
    assert abs(deck.slide_width / deck.slide_height - 16 / 9) < 0.01
    texts = _slide_texts(deck)
    assert texts[1].startswith("Since the last meeting: ")  # the digest, second
    for slide, text, made in zip(deck.slides, texts, slides, strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        # The digest, the authorities in intervention and the list of sources: words only.
        assert pictures or made.kind in ("digest", "intervention", "sources"), text[:80]
        assert all(p._element.nvPicPr.cNvPr.get("descr") for p in pictures)  # alt text
        assert DATES[as_at] in text and "Open Government Licence" in text
        assert "Judgements to " in text and "; visits to " in text  # every slide: how far each layer runs

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    assert len(reader.pages) == len(slides)
    for i, page in enumerate(reader.pages):
        assert DATES[as_at] in page.extract_text()
        assert "Judgements to " in " ".join(page.extract_text().split())
        assert len(page.images) >= (0 if slides[i].kind in ("digest", "intervention", "sources") else 1)


def test_pack_shows_the_regions_authorities_and_open_spells(
    kaleido_browser, loaded_sqlite_url, data_dir, tmp_path
):
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    out = tmp_path / "yh.pptx"
    req = PackRequest("E12000003", dt.date(2018, 5, 17), None, data_dir, full_table=True)
    slides = board_pack(engine, req, [out])
    titles = [s.title for s in slides]
    assert titles[0] == "Children's services intervention: Yorkshire and The Humber"
    assert titles[1] == "Since the last meeting: 22 March 2018 to 17 May 2018"  # 8 weeks by default
    # The appendix (asked for): every authority, and the timeline of each in an open spell.
    assert "Appendix: Kirklees: timeline and clocks" in titles  # inadequate since November 2016
    sources = [t for t in titles if t.startswith("Sources")]
    assert "Time to exit from inadequate" in titles and titles[-1] == sources[-1]
    tables = [s.table for s in slides if s.title.startswith("Appendix: every authority")]
    assert sum(len(t) for t in tables) == 15
    all_rows = {r["Authority"]: r for t in tables for r in t.to_dict("records")}
    assert all_rows["Doncaster"]["Intervention level"] == "Alternative delivery"
    assert all_rows["Kirklees"]["Latest judgement"] == "Inadequate"
    # Before the appendix, the authorities in intervention or judged inadequate only.
    listed = [
        r
        for s in slides
        if s.kind == "intervention" and not s.title.startswith("Appendix")
        for r in s.table.to_dict("records")
    ]
    assert {r["Authority"] for r in listed} == {
        name for name, r in all_rows.items() if r["Intervention level"] != "No intervention"
    }


def test_single_authority_pack(kaleido_browser, loaded_sqlite_url, data_dir, tmp_path):
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    out = tmp_path / "one.pdf"
    slides = board_pack(engine, PackRequest(None, dt.date(2018, 5, 17), "E10000030", data_dir), [out])
    assert slides[0].title == "Children's services intervention: Surrey"
    assert [len(s.table) for s in slides if s.kind == "table"] == [1]
    assert any(s.title == "Surrey: timeline and clocks" for s in slides)
    assert len(PdfReader(str(out)).pages) == len(slides)


def test_pack_without_boundaries_uses_tiles(kaleido_browser, loaded_sqlite_url, tmp_path):
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    slides = board_pack(engine, PackRequest("E12000001", dt.date(2024, 6, 30)), [tmp_path / "t.pdf"])
    words_only = ("digest", "intervention", "sources")
    assert len(slides) >= 5 and all(s.pictures for s in slides if s.kind not in words_only)


def test_authorities_table_orders_by_severity():
    import pandas as pd

    frame = pd.DataFrame(
        {
            "name": ["B", "A", "C"],
            "level": ["none", "improvement_notice", "none"],
            "since": [None, dt.date(2019, 1, 2), None],
            "judgement_key": ["Good", "Inadequate", "Requires improvement to be good"],
            "published": [dt.date(2018, 1, 1), dt.date(2018, 12, 1), None],
        }
    )
    table = slide_table(frame)
    assert table["Authority"].tolist()[0] == "A"
    assert table.loc[0, "Since"] == "2 January 2019"
    assert "Requires improvement" in table["Latest judgement"].tolist()


def test_cli_board_pack(capsys, loaded_sqlite_url, data_dir, tmp_path, kaleido_browser):
    out = tmp_path / "ne.pptx"
    code = cli_main(
        [
            "board-pack",
            "--database",
            loaded_sqlite_url,
            "--region",
            "E12000001",
            "--as-at",
            "2018-05-17",
            "--out",
            str(out),
            "--data-dir",
            str(data_dir),
            "--quiet",
        ]
    )
    assert code == 0 and out.is_file()
    assert f"{out}:" in capsys.readouterr().out
    bad = cli_main(
        [
            "board-pack",
            "--database",
            loaded_sqlite_url,
            "--as-at",
            "2018-05-17",
            "--out",
            str(tmp_path / "x.docx"),
        ]
    )
    assert bad == 1 and "pptx or .pdf" in capsys.readouterr().err


def test_app_offers_the_pack_from_the_sidebar(monkeypatch, loaded_sqlite_url, data_dir):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["region"] = "E12000001"
    at.query_params["as_at"] = "2018-05-17"
    at.query_params["la"] = "E06000005"
    at.switch_page("pages/authority_page.py")
    at.run()
    assert not at.exception
    at.button(key="pack_open").click().run()
    assert at.radio(key="pack_scope").value == "authority"
    assert at.checkbox(key="pack_full_table").disabled  # an authority's pack has no appendix
    at.radio(key="pack_scope").set_value("region").run()
    assert not at.checkbox(key="pack_full_table").disabled and not at.checkbox(key="pack_full_table").value
    at.button(key="pack_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    labels = [b.label for b in at.get("download_button")]
    assert "Download slides (PPTX)" in labels and "Download PDF" in labels
    assert "Download every authority (CSV)" in labels  # the full table, without the appendix


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_digest_slide_reads_back_from_pptx_and_pdf(kaleido_browser, data_dir, tmp_path):
    """The West Midlands from 1 January to 17 May 2018 on a fresh seeded database: Birmingham's and
    Sandwell's moves to alternative delivery, the counts, the footer."""
    engine = bootstrap.ready_engine(f"sqlite:///{tmp_path / 'seeded.sqlite'}")
    pptx, pdf = tmp_path / "wm.pptx", tmp_path / "wm.pdf"
    req = PackRequest("E12000005", dt.date(2018, 5, 17), None, data_dir, since=dt.date(2018, 1, 1))
    slides = board_pack(engine, req, [pptx, pdf])
    assert slides[1].kind == "digest"

    deck = Presentation(str(pptx))
    slide = deck.slides[1]
    texts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    assert texts[0] == "Since the last meeting: 1 January 2018 to 17 May 2018"
    counts = next(t for t in texts if t.startswith("• 4 changes"))
    assert counts.splitlines() == [
        "• 4 changes · West Midlands",
        "• Interventions started: 1",
        "• Interventions revised: 3",  # the researched history: Sandwell's March 2018 direction
    ]
    (table,) = [sh.table for sh in slide.shapes if sh.has_table]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["Date", "Authority", "Change", "Source"]
    moves = {r[1]: r for r in rows[1:] if r[2].startswith("Moved to alternative delivery")}
    assert set(moves) == {"Birmingham", "Sandwell"}
    assert moves["Sandwell"][:3] == [
        "1 April 2018",
        "Sandwell",
        "Moved to alternative delivery: Sandwell Children's Trust launched (was statutory direction)",
    ]
    assert all(re.fullmatch(r"\[\d+\]", r[3]) for r in rows[1:])  # each line cites its source
    footer = next(t for t in texts if t.startswith("As at 17 May 2018"))
    assert "Open Government Licence" in footer and "Judgements to 1 May 2018" in footer
    assert any(
        "(estimated) marks an estimated date or value; (expected date) a statutory deadline" in t
        for t in texts
    )  # Coventry's observed start

    page = _words(PdfReader(str(pdf)).pages[1].extract_text())
    assert "Since the last meeting: 1 January 2018 to 17 May 2018" in page
    assert "4 changes · West Midlands" in page and "Interventions revised: 3" in page
    assert "Moved to alternative delivery: Birmingham Children's Trust" in page
    assert "Moved to alternative delivery: Sandwell Children's Trust" in page
    assert "As at 17 May 2018" in page and "Judgements to " in page


def test_a_long_digest_is_capped_with_and_n_more(kaleido_browser, loaded_sqlite_url, data_dir, tmp_path):
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    out = tmp_path / "england.pdf"
    slides = board_pack(engine, PackRequest(None, dt.date(2018, 5, 17), None, data_dir), [out])
    digest = slides[1]
    assert digest.title == "Since the last meeting: 22 March 2018 to 17 May 2018"
    assert len(digest.table) == 8  # legible: SLIDE_LINES
    total = int(digest.bullets[0].split()[0])
    assert total > 8 and f"and {total - 8} more — see the What changed page" in digest.subtitle
    # Judgements, spells and interventions first.
    first = [b.split(":")[0] for b in digest.bullets[1:4]]
    assert first[0] == "New full judgements"
    page = _words(PdfReader(str(out)).pages[1].extract_text())
    assert f"and {total - 8} more" in page and "see the What changed page" in page


def test_cli_board_pack_since(capsys, loaded_sqlite_url, data_dir, tmp_path, kaleido_browser):
    out = tmp_path / "wm.pptx"
    argv = ["board-pack", "--database", loaded_sqlite_url, "--region", "E12000005", "--as-at", "2018-05-17"]
    code = cli_main(
        [*argv, "--since", "2018-01-01", "--out", str(out), "--data-dir", str(data_dir), "--quiet"]
    )
    assert code == 0
    assert _slide_texts(Presentation(str(out)))[1].startswith(
        "Since the last meeting: 1 January 2018 to 17 May 2018"
    )
    capsys.readouterr()
    bad = cli_main([*argv, "--since", "2018-06-01", "--out", str(tmp_path / "x.pdf"), "--quiet"])
    assert bad == 1 and "is after the as-at date" in capsys.readouterr().err


def test_a_visit_the_data_could_not_show_is_said_not_flagged_overdue():
    """Birmingham, inadequate 25 November 2016: its first monitoring visit was due by 5 April 2017,
    four years before Ofsted's lists of visits in the data start; the slide says so."""
    import datetime as dt

    import pandas as pd

    from oversight.components.reports.board_pack import _authority_bullets
    from oversight.data.domain.clocks import clocks_on

    listed = (dt.date(2021, 4, 20), dt.date(2024, 3, 21))
    clocks = clocks_on(dt.date(2018, 5, 17), [(dt.date(2016, 11, 25), "Inadequate")], [], listed)
    bullets = _authority_bullets(pd.DataFrame({"code": []}), "E08000025", clocks, dt.date(2018, 5, 17))
    assert (
        "First monitoring visit by 5 April 2017: not in the data: "
        "none in the tracker; Ofsted's lists of monitoring visits start on 20 April 2021"
    ) in bullets
    assert not any("overdue" in b or "Passed" in b for b in bullets)


def test_the_packs_clocks_say_met_missed_overdue_and_due():
    """Inadequate published 3 May 2022 (action plan due 11 August, first visit by 8 September):
    a plan recorded on 1 August is met; a first visit on 20 September is missed by 7 working days (19 September 2022 was a bank
    holiday);
    the next quarterly visit, due 20 December, is overdue on 1 March 2023 inside Ofsted's lists;
    the re-inspection window is ahead."""
    import datetime as dt

    import pandas as pd

    from oversight.components.reports.board_pack import _authority_bullets
    from oversight.data.domain.clocks import clocks_on

    as_at = dt.date(2023, 3, 1)
    clocks = clocks_on(
        as_at,
        [(dt.date(2022, 5, 3), "Inadequate")],
        [dt.date(2022, 9, 20)],
        (dt.date(2021, 4, 20), dt.date(2024, 3, 21)),
        [dt.date(2022, 8, 1)],
    )
    bullets = _authority_bullets(pd.DataFrame({"code": []}), "E0", clocks, as_at)
    assert "Action plan due (70 working days) 11 August 2022: met on 1 August 2022" in bullets
    assert (
        "First monitoring visit by 8 September 2022: missed (happened 20 September 2022, 7 working days late)"
    ) in bullets
    assert (
        "Next quarterly monitoring visit 20 December 2022: overdue: no later monitoring visit recorded"
    ) in bullets
    assert "Re-inspection expected from 8 June 2023 (in 99 days)" in bullets
    assert "Re-inspection expected by: due 11 August 2024 (in 529 days)" in bullets


def test_direction_controls_in_slide_text_reach_neither_the_pptx_nor_the_pdf(tmp_path):
    """A tracker title on a slide (a bullet, a table cell, a picture's alt text) loses its direction
    controls: PowerPoint would let a RLO turn the slide's own words round, and the PDF's font draws
    one as a symbol. In the deck a right-to-left run is isolated; the PDF, drawn in typed order,
    needs no isolate (its font has no glyph for one)."""
    rlo, fsi, pdi, hebrew = "\u202e", "\u2068", "\u2069", "עדכון"
    png = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(png, format="PNG")
    slide = Slide(
        title=f"Changes {rlo}since May",
        footer=f"Source: {rlo}Minutes",
        pictures=[Picture(png.getvalue(), f"Map {rlo}of the region", 40, 20)],
        bullets=[f"{hebrew} · 1 February 2024", f"Board met {rlo}today · source: Minutes"],
        table=pd.DataFrame({"Authority": [f"{rlo}Darlington"], "Words": [f"{hebrew} 5"]}),
        kind="digest",
    )
    pptx, pdf = tmp_path / "x.pptx", tmp_path / "x.pdf"
    list(pptx_pages([slide], pptx))
    list(pdf_pages([slide], pdf))
    deck_text = "\n".join(_slide_texts(Presentation(str(pptx))))
    assert rlo not in deck_text and "Board met today · source: Minutes" in deck_text
    assert f"{fsi}{hebrew}{pdi} · 1 February 2024" in deck_text and "Darlington" in deck_text
    pdf_text = PdfReader(str(pdf)).pages[0].extract_text()
    assert rlo not in pdf_text and fsi not in pdf_text and "Board met today" in pdf_text


@pytest.mark.parametrize(
    ("region", "authority"), [(None, "E08000011"), ("E12000002", "E08000011"), (None, "E10000030")]
)
@pytest.mark.parametrize("colour", ["intervention", "judgement"])
def test_the_map_slides_counts_are_the_legends(loaded_sqlite_url, data_dir, region, authority, colour):
    """Issue 21: an authority's pack said "Improvement notice: 1" (the authority) beside a legend of
    2 (the map's region). The slide's counts are now the legend's, and the authority's own comes first."""
    from oversight.components.figures.map_plotly import map_figure
    from oversight.components.reports.board_pack import _counts_bullets, _scope

    engine = bootstrap.ready_engine(loaded_sqlite_url)
    req = PackRequest(region, dt.date(2018, 5, 17), authority, data_dir)
    scope = _scope(engine, req)
    fig = map_figure(scope.data, colour, req.region, scope.region_name)
    legend = [t.name.replace(" (", ": ").removesuffix(")") for t in fig.data if t.showlegend]
    bullets = _counts_bullets(scope, req, colour)
    own, where, *counts = bullets
    assert own.startswith(f"{scope.subject}: ")
    assert (
        where
        == f"The legend counts {scope.region_name}'s {sum(int(x.rsplit(': ', 1)[1]) for x in legend)} authorities:"
    )
    counted = [c for c in counts if not c.startswith("Derived: ")]
    assert counted == [entry for entry in legend if not entry.endswith(": 0")]
    assert own.split(": ", 1)[1] in {entry.rsplit(": ", 1)[0] for entry in legend}


KNOWSLEY_NOTICE = (
    "record,authority_code,date,date_precision,level,title,source_url,source_title,source_publisher\n"
    "intervention,E08000011,2025-04-15,day,improvement_notice,Improvement notice,"
    "https://www.gov.uk/government/publications/knowsley-improvement-notice,"
    "Knowsley: improvement notice,Department for Education\n"
)


def test_a_fact_recorded_today_reaches_the_pack_with_its_source(kaleido_browser, data_dir, tmp_path):
    """Issue 21: a notice dated 2025 recorded minutes before the pack is made is on its "since the
    last meeting" slide as newly recorded, citing its source by number; the Sources slides list
    that number with the title, publisher and link; every other slide's facts cite theirs
    (a table's rows, or a line under the picture), in the PPTX and in the PDF."""
    engine = bootstrap.ready_engine(f"sqlite:///{tmp_path / 'knowsley.sqlite'}")
    path = tmp_path / "knowsley.csv"
    path.write_text(KNOWSLEY_NOTICE, encoding="utf-8")
    import_paths(engine, [path])
    pptx, pdf = tmp_path / "k.pptx", tmp_path / "k.pdf"
    as_at = queries.data_as_at(engine)  # the app's default date: the newest data
    slides = board_pack(engine, PackRequest(None, as_at, "E08000011", data_dir), [pptx, pdf])

    words = "Newly recorded: improvement notice, dated 15 April 2025 (imported from knowsley.csv)"
    digest = slides[1]
    (row,) = [r for r in digest.table.to_dict("records") if r["Change"] == words]
    assert row["Date"] == long_date(dt.date.today()) and row["Authority"] == "Knowsley"
    number = row["Source"]
    entry = (
        f"{number} Knowsley: improvement notice — Department for Education — "
        "https://www.gov.uk/government/publications/knowsley-improvement-notice"
    )
    listed = [b for s in slides if s.kind == "sources" for b in s.bullets]
    assert entry in listed and len(listed) == len(set(listed))
    assert "Newly recorded (whatever their own date): 1" in digest.bullets
    for s in slides:
        cited = s.kind == "sources" or bool(s.sources.startswith("Sources: ["))
        if s.table is not None:
            column = "Source" if s.kind == "digest" else "Sources"
            # A row with no judgement and no intervention on the date states no fact: no number.
            cited = cited or all(re.fullmatch(r"(\[[\d, –]+\])?", c) for c in s.table[column])
        assert cited, s.title

    texts = _slide_texts(Presentation(str(pptx)))
    assert words in texts[1] and number in texts[1].splitlines()
    assert any(entry in t for t in texts)
    assert all("Sources: [" in t for t, s in zip(texts, slides, strict=True) if s.sources), [
        (s.title, t[-300:]) for t, s in zip(texts, slides, strict=True) if s.sources and "Sources: [" not in t
    ]
    pages = [_words(p.extract_text()) for p in PdfReader(str(pdf)).pages]
    assert "Newly recorded: improvement notice, dated 15 April 2025" in pages[1]
    # The Sources slides' narrow columns break a long link mid-word: compared without spaces.
    bare = "".join(entry.split())
    assert any(
        bare in "".join(p.split()) for p in pages[len(pages) - sum(s.kind == "sources" for s in slides) :]
    )
    assert all("Sources: [" in p for p, s in zip(pages, slides, strict=True) if s.sources)
