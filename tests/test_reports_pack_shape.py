"""Issue 22, item 4: a pack that fits a meeting. England's pack is at most 12 pages and a region's
8 (PPTX slides and PDF pages counted), the full table an appendix asked for or a CSV; every count
on a slide agrees with its map's legend; no text leaves its page or box; the app and the command
line draw charts with one template."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import plotly.io as pio
import pytest
from pptx import Presentation
from pptx.util import Emu
from pypdf import PdfReader

from oversight.components.figures import theme
from oversight.components.figures.map_plotly import SLIDE_MAP_H, map_figure, slide_map
from oversight.components.reports.board_pack import (
    MAX_PAGES,
    PackRequest,
    _map_slide,
    _scope,
    board_pack,
    build_slides,
    image_server,
)
from oversight.components.reports.slides import CALIBRI_EM, SLIDE_H_IN, SLIDE_W_IN, lines_of
from oversight.data import bootstrap

AS_AT = dt.date(2024, 6, 30)
NORTH_WEST = "E12000002"
KNOWSLEY = "E08000011"
FOOTER_TOP_IN = 6.78  # the footer's box: everything else ends above it


@pytest.fixture(scope="module")
def kaleido_browser():
    with image_server():
        yield


@pytest.fixture(scope="module")
def packs(kaleido_browser, loaded_sqlite_url, data_dir, tmp_path_factory):
    """England's, the North West's and Knowsley's packs (PPTX, PDF, CSV), and England's with its appendix."""
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    folder = tmp_path_factory.mktemp("packs")
    out = {}
    for name, region, authority, full in (
        ("england", None, None, False),
        ("region", NORTH_WEST, None, False),
        ("authority", None, KNOWSLEY, False),
        ("appendix", None, None, True),
    ):
        files = [folder / f"{name}.pptx", folder / f"{name}.pdf", folder / f"{name}.csv"]
        req = PackRequest(region, AS_AT, authority, data_dir, full_table=full)
        out[name] = (board_pack(engine, req, files), *files)
    return out


@pytest.mark.parametrize("name", ["england", "region"])
def test_a_pack_fits_a_meeting(packs, name):
    slides, pptx, pdf, table = packs[name]
    assert len(Presentation(str(pptx)).slides) == len(PdfReader(str(pdf)).pages) == len(slides)
    assert len(slides) <= MAX_PAGES[name], [s.title for s in slides]
    titles = [s.title for s in slides]
    assert not any("timeline" in t or t.startswith("Appendix") for t in titles)
    listed = [s for s in slides if s.kind == "intervention"]
    assert 1 <= len(listed) <= 2 and "the pack with its appendix, or the table as CSV" in listed[-1].subtitle
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    n = int(re.search(r"(\d+) authorit", slides[0].bullets[1]).group(1))
    assert len(rows) == n and {"Authority", "Intervention level", "Judgement source"} <= set(rows[0])


def test_the_appendix_holds_every_authority_and_the_open_spells_timelines(packs):
    short = packs["england"][0]
    slides = packs["appendix"][0]
    appendix = [s for s in slides if s.title.startswith("Appendix")]
    assert len(slides) > len(short) and appendix
    rows = sum(len(s.table) for s in appendix if s.title.startswith("Appendix: every authority"))
    assert rows == int(re.search(r"(\d+) authorit", slides[0].bullets[1]).group(1))
    assert any(s.title.endswith("timeline and clocks") for s in appendix)
    assert slides[-1].kind == "sources"


def test_an_authoritys_pack_keeps_its_row_and_its_timeline(packs):
    slides = packs["authority"][0]
    assert slides[0].bullets[1] == "Knowsley, an authority in the North West"
    assert "Knowsley: timeline and clocks" in [s.title for s in slides]


def test_title_counts_read_in_words(packs):
    assert packs["region"][0][0].bullets[1].endswith(" authorities in the North West")
    assert packs["england"][0][0].bullets[1].endswith(" authorities in England")


def _legend(fig) -> dict[str, int]:
    """The legend's entries as {label: count}, read from "Label (n)"."""
    out = {}
    for trace in fig.data:
        if trace.showlegend and trace.name:
            label, count = re.fullmatch(r"(.+) \((\d+)\)", trace.name).groups()
            out[label] = int(count)
    return out


@pytest.mark.parametrize(
    ("region", "authority"), [(None, None), (NORTH_WEST, None), (None, KNOWSLEY), (NORTH_WEST, KNOWSLEY)]
)
@pytest.mark.parametrize("colour", ["intervention", "judgement"])
def test_every_count_on_a_map_slide_is_its_legends(
    kaleido_browser, loaded_sqlite_url, data_dir, region, authority, colour
):
    """Issue 22: "none recorded (2)" in the legend beside a bullet saying 1. Each legend entry's
    count is read from the slide's own figure and compared with the slide's bullets; the title's
    count and the in-intervention table agree with the intervention legend."""
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    req = PackRequest(region, AS_AT, authority, data_dir)
    scope = _scope(engine, req)
    legend = _legend(slide_map(scope.data, colour, region, scope.region_name))
    what = "intervention level" if colour == "intervention" else "latest Ofsted judgement"
    bullets = _map_slide(scope, req, colour, what).bullets
    said = {}
    for line in bullets:
        if m := re.fullmatch(r"(.+): (\d+)", line):
            said[m.group(1)] = int(m.group(2))
    assert said == {label: n for label, n in legend.items() if n}
    if m := next((re.search(r"'s (\d+) authorities", b) for b in bullets if "legend counts" in b), None):
        assert int(m.group(1)) == sum(legend.values())
    if colour == "intervention" and authority is None:
        slides = build_slides(engine, req)
        assert slides[0].bullets[1].startswith(f"{sum(legend.values())} authorit")
        rows = sum(len(s.table) for s in slides if s.kind == "intervention" and s.table is not None)
        assert rows == sum(n for label, n in legend.items() if label != "No intervention")


def _pdf_text_boxes(pdf) -> list[list[tuple[str, float, float, float, bool]]]:
    """Each page's text runs as (text, x, y, font size, bold) in inches from the top left."""
    pages = []
    for page in PdfReader(str(pdf)).pages:
        runs: list[tuple[str, float, float, float, bool]] = []

        def visit(text, cm, tm, font, size, runs=runs):
            if text.strip():
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                x = tm[4] * cm[0] + cm[4]
                y = tm[5] * cm[3] + cm[5]
                bold = "Bold" in str((font or {}).get("/BaseFont", ""))
                runs.append((text, x / 72, SLIDE_H_IN - y / 72, size * scale, bold))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def _measure(text: str, size: float, bold: bool) -> float:
    """Inches ``text`` takes at ``size`` points in the pack's PDF font (fpdf2's own metrics)."""
    from fpdf import FPDF

    from oversight.components.reports.pdf_writer import _FONT_DIRS

    pdf = FPDF(unit="in")
    folder = next((f for f in _FONT_DIRS if (f / "DejaVuSans-Bold.ttf").is_file()), None)
    style = "B" if bold else ""
    if folder is None:
        pdf.set_font("Helvetica", style, size)
        return pdf.get_string_width(text.encode("latin-1", "replace").decode("latin-1"))
    pdf.add_font("DejaVu", style, str(folder / f"DejaVuSans{'-Bold' if bold else ''}.ttf"))
    pdf.set_font("DejaVu", style, size)
    return pdf.get_string_width(text)


@pytest.mark.parametrize("name", ["england", "region", "authority", "appendix"])
def test_no_text_leaves_its_page_in_the_pdf(packs, name):
    """Every text run of every PDF page starts inside the page, ends (measured in the PDF's font)
    inside it, and everything but the footer ends above the footer."""
    slides, _pptx, pdf, _csv = packs[name]
    for number, runs in enumerate(_pdf_text_boxes(pdf), start=1):
        assert runs, number
        footer = slides[number - 1].footer
        for text, x, y, size, bold in runs:
            width = _measure(text, size, bold)
            assert x >= 0 and x + width <= SLIDE_W_IN + 0.05, (number, text)
            assert 0 < y <= SLIDE_H_IN, (number, text)
            if " ".join(text.split()) not in " ".join(footer.split()):
                assert y <= FOOTER_TOP_IN + 0.05, (number, text, y)


@pytest.mark.parametrize("name", ["england", "region", "authority", "appendix"])
def test_no_text_overflows_its_box_in_the_pptx(packs, name):
    """Every text box lies inside the slide and its wrapped lines (estimated from the font size, the
    box's width and Calibri's mean character width) fit its height; every table, its rows grown to
    their wrapped cells, ends above the footer."""
    deck = Presentation(str(packs[name][1]))
    inch = Emu(914400)
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            left, top = shape.left / inch, shape.top / inch
            width, height = shape.width / inch, shape.height / inch
            assert left >= 0 and top >= 0 and left + width <= SLIDE_W_IN + 0.01, (number, shape.name)
            assert top + height <= SLIDE_H_IN + 0.01, (number, shape.name)
            if shape.has_text_frame:
                need = 0.1
                for para in shape.text_frame.paragraphs:
                    size = para.font.size.pt if para.font.size else 18
                    need += lines_of(para.text, width, size, CALIBRI_EM) * size * 1.2 / 72 + (
                        para.space_after.pt / 72 if para.space_after else 0
                    )
                assert need <= height + 0.15, (number, shape.text_frame.text[:60], need, height)
            if shape.has_table:
                rows = shape.table.rows
                grown = 0.0
                for row in rows:
                    cells = list(zip(row.cells, shape.table.columns, strict=True))
                    size = max(
                        (p.font.size.pt for c, _ in cells for p in c.text_frame.paragraphs if p.font.size),
                        default=12,
                    )
                    grown += max(
                        0.3,
                        max(lines_of(c.text, col.width / inch, size, CALIBRI_EM) for c, col in cells)
                        * size
                        * 1.2
                        / 72
                        + 0.1,
                    )
                assert top + grown <= FOOTER_TOP_IN + 0.05, (number, "table", top + grown)


@pytest.mark.parametrize("region", [None, NORTH_WEST])
def test_a_slides_map_fills_its_picture_and_its_source_line_fits(loaded_sqlite_url, data_dir, region):
    """The map slide's source line was cut ("…(see Data & sources"): now wrapped to the picture's
    width. A region's map is drawn to the region's bounds widened to the picture's shape (no
    straight clipped edge inside the picture)."""
    engine = bootstrap.ready_engine(loaded_sqlite_url)
    scope = _scope(engine, PackRequest(region, AS_AT, None, data_dir))
    fig = slide_map(scope.data, "intervention", region, scope.region_name)
    assert fig.layout.height == SLIDE_MAP_H and fig.layout.title.text in ("", None)
    (source,) = [a for a in fig.layout.annotations if a.text.startswith("Sources: ")]
    for line in source.text.split("<br>"):
        assert len(line) * 11 * 0.55 <= fig.layout.width, line
    assert "see Data & sources" in source.text.replace("<br>", " ")
    if region:
        lon, lat = fig.layout.geo.lonaxis.range, fig.layout.geo.lataxis.range
        m = fig.layout.margin
        import math

        def y(v):
            return math.log(math.tan(math.pi / 4 + math.radians(v) / 2))

        drawn = math.radians(lon[1] - lon[0]) / (y(lat[1]) - y(lat[0]))
        plot = fig.layout.width / (fig.layout.height - m.t - m.b)
        assert abs(drawn / plot - 1) < 0.01


@pytest.mark.parametrize("default", ["plotly", "streamlit"])
def test_app_and_command_line_charts_share_one_template(loaded_sqlite_url, data_dir, default):
    """Issue 22: the command line's charts had plotly.py's navy text, the app's grey. Every figure
    names the one template, so the process's default (the command line's "plotly", the app's
    "streamlit") changes nothing."""
    import streamlit.elements.plotly_chart  # noqa: F401 - registers the "streamlit" template

    from oversight.components.figures.survival import region_against_england
    from oversight.data.store import queries

    engine = bootstrap.ready_engine(loaded_sqlite_url)
    scope = _scope(engine, PackRequest(NORTH_WEST, AS_AT, None, data_dir))
    before = pio.templates.default
    pio.templates.default = default
    try:
        spells = queries.spells_with_context(engine, as_at=AS_AT)
        figures = [
            map_figure(scope.data, "intervention", NORTH_WEST, "North West"),
            map_figure(scope.data, "judgement", None, "England", view="tiles"),
            region_against_england(spells, NORTH_WEST, "North West", AS_AT)[0],
        ]
    finally:
        pio.templates.default = before
    for fig in figures:
        assert fig.layout.template.layout.font.color == theme.CHART_TEXT
        assert fig.to_dict()["layout"]["template"] == {"layout": theme.PLOTLY_TEMPLATE["layout"]}


def test_england_is_never_against_england(loaded_sqlite_url):
    from oversight.components.figures.survival import region_against_england
    from oversight.data.store import queries

    engine = bootstrap.ready_engine(loaded_sqlite_url)
    spells = queries.spells_with_context(engine, as_at=AS_AT)
    fig, bullets = region_against_england(spells, None, "England", AS_AT)
    assert "against England" not in str(fig.to_dict()) and bullets[0].startswith("England: median")


def test_cli_full_table_adds_the_appendix_and_writes_the_csv(
    capsys, kaleido_browser, loaded_sqlite_url, data_dir, tmp_path
):
    from oversight.cli import main as cli_main

    pdf, table = tmp_path / "ne.pdf", tmp_path / "ne.csv"
    argv = ["board-pack", "--database", loaded_sqlite_url, "--region", "E12000001", "--as-at", "2024-06-30"]
    argv += ["--out", str(pdf), "--out", str(table), "--data-dir", str(data_dir), "--quiet", "--full-table"]
    assert cli_main(argv) == 0
    out = capsys.readouterr().out
    assert f"{table}: every authority's row" in out and f"{pdf}: " in out
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(str(pdf)).pages]
    assert any(p.startswith("Appendix: every authority") for p in pages)
    rows = list(csv.DictReader(io.StringIO(table.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 12 and all(r["Region"] == "North East" for r in rows)
