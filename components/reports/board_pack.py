"""A board pack: the region's picture on a date as slides (PPTX) and pages (PDF), same content.

Improvement boards meet with slides, not dashboards. The pack is built from the figures the pages
draw, so a slide and the screen never disagree: title, the region's map by intervention level and
by judgement, its authorities as a table, the timeline with clocks of each authority in an open
inadequate spell, and time to exit for the region against England. Every slide carries the as-at
date and its sources. Images come from one long-lived kaleido browser per pack (starting Chromium
costs ~3 s; an image after that ~0.3 s). No Streamlit here: the CLI and the app both call it.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from oversight.components.figures.exit import region_against_england
from oversight.components.figures.export import figure_image
from oversight.components.figures.maps import (
    SHORT_JUDGEMENTS,
    SHORT_LEVELS,
    by_severity,
    describe,
    geo_figure,
    legend_counts,
    tile_figure,
    with_features,
)
from oversight.components.figures.theme import long_date
from oversight.components.figures.timeline import story_clocks, timeline_figure
from oversight.data.domain.register import load_regions
from oversight.data.sources import boundaries as b
from oversight.data.store import queries
from sqlalchemy.engine import Engine

SOURCES = (
    "Sources: Ofsted children's social care statistics and inspection reports; DfE notices and directions "
    "as tracked; ONS boundaries. Open Government Licence v3.0. Contains OS data © Crown copyright and "
    "database right."
)
ROWS_PER_TABLE_SLIDE = 10
FORMATS = (".pptx", ".pdf")
#: One pack at a time per process: kaleido's sync server is a singleton.
_LOCK = threading.Lock()

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Picture:
    png: bytes
    alt: str
    width_px: int
    height_px: int


@dataclass
class Slide:
    """One slide or PDF page: a title, pictures, optional bullets and table, and its footer."""

    title: str
    footer: str
    pictures: list[Picture] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    subtitle: str = ""
    kind: str = "figure"  # title | figure | table


@dataclass(frozen=True)
class PackRequest:
    region: str | None  # None: England
    as_at: dt.date
    authority: str | None = None  # ONS code: a pack for one authority
    data_dir: Path | None = None


_SERVER_USERS = 0


@contextmanager
def image_server() -> Iterator[None]:
    """One kaleido browser for the whole pack (or for several packs, when nested), stopped
    afterwards even on error."""
    import kaleido

    global _SERVER_USERS
    if _SERVER_USERS == 0:
        kaleido.start_sync_server(silence_warnings=True)
    _SERVER_USERS += 1
    try:
        yield
    finally:
        _SERVER_USERS -= 1
        if _SERVER_USERS == 0:
            kaleido.stop_sync_server(silence_warnings=True)


def _picture(fig: go.Figure, alt: str, width: int, height: int) -> Picture:
    fig = go.Figure(fig)
    fig.update_layout(width=width, height=height)
    with warnings.catch_warnings():
        # plotly passes kaleido options that the long-lived server already has: harmless.
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")
        png = figure_image(fig, "png", width=width, height=height, scale=2)
    return Picture(png, alt, width, height)


def _region_name(region: str | None) -> str:
    return dict(load_regions()).get(region or "", "England")


def _footer(as_at: dt.date) -> str:
    return f"As at {long_date(as_at)} · {SOURCES}"


def _map_frame(engine: Engine, as_at: dt.date, geojson: dict | None) -> pd.DataFrame:
    codes = {f["properties"]["code"] for f in geojson["features"]} if geojson else None
    owners = queries.code_owners(engine) if codes is not None else {}
    return with_features(describe(queries.intervention_levels(engine, as_at)), codes, owners)


def _map_figure(frame: pd.DataFrame, geojson: dict | None, colour: str, req: PackRequest) -> go.Figure:
    name = _region_name(req.region)
    if geojson is not None:
        return geo_figure(frame.dropna(subset=["feature"]), geojson, colour, req.as_at, req.region, name)
    return tile_figure(frame, colour, req.as_at, req.region, name)


def _counts_bullets(frame: pd.DataFrame, colour: str) -> list[str]:
    return [f"{cat.label}: {n}" for cat, n in legend_counts(frame, colour, short=True) if n]


def authorities_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The region's authorities, most severe level first: the words beside the map's colours."""
    rows = by_severity(frame)
    return pd.DataFrame(
        {
            "Authority": rows["name"],
            "Intervention level": rows["level"].map(lambda lv: SHORT_LEVELS.get(lv, lv)),
            "Since": [_day(d) for d in rows["since"]],
            "Latest judgement": rows["judgement_key"].map(lambda j: SHORT_JUDGEMENTS.get(j, j)),
            "Published": [_day(d) for d in rows["published"]],
        }
    ).reset_index(drop=True)


def _day(value: object) -> str:
    if value is None or not isinstance(value, dt.date) or pd.isna(value):
        return ""
    return long_date(value.date() if isinstance(value, dt.datetime) else value)


def build_slides(engine: Engine, req: PackRequest, progress: Progress | None = None) -> list[Slide]:
    """Every slide of the pack, images rendered (call inside ``image_server()``)."""
    say = progress or (lambda _f, _m: None)
    name = _region_name(req.region)
    footer = _footer(req.as_at)
    vintage = b.vintage_for(req.as_at)
    path = b.boundary_file(req.data_dir, vintage)
    geojson = b.load_simplified(path) if path else None
    frame = _map_frame(engine, req.as_at, geojson)
    shown = frame if not req.region else frame[frame["region_code"] == req.region]
    story = queries.authority_story(engine, req.authority) if req.authority else None
    if req.authority and story is None:
        raise ValueError(f"no authority with ONS code {req.authority!r}")
    if story is not None:
        aid = story["authority"]["id"]
        shown = shown[shown["authority_id"] == aid]
        if shown.empty:
            raise ValueError(f"{story['authority']['name']} did not exist on {long_date(req.as_at)}")
    subject = story["authority"]["name"] if story else name
    slides: list[Slide] = []

    say(0.05, "Title and locator")
    tiles = tile_figure(frame, "intervention", req.as_at, req.region, name)
    slides.append(
        Slide(
            f"Children's services intervention: {subject}",
            footer,
            [
                _picture(
                    tiles,
                    f"Equal-area tile map of England by intervention level, {name} emphasised",
                    700,
                    700,
                )
            ],
            bullets=[
                f"Board pack as at {long_date(req.as_at)}",
                f"{len(shown)} authorit{'y' if len(shown) == 1 else 'ies'} · {name}",
                f"Prepared {long_date(dt.date.today())} from the intervention oversight dashboard",
                "Intervention levels follow the NAO flowchart; judgements count from their publication date.",
            ],
            kind="title",
        )
    )
    for i, (colour, what) in enumerate(
        (("intervention", "intervention level"), ("judgement", "latest Ofsted judgement"))
    ):
        say(0.15 + 0.15 * i, f"Map by {what}")
        fig = _map_figure(frame, geojson, colour, req)
        slides.append(
            Slide(
                f"{name}: {what}",
                footer,
                [_picture(fig, f"Map of {name} coloured by {what} as at {long_date(req.as_at)}", 760, 600)],
                bullets=_counts_bullets(shown, colour),
            )
        )

    say(0.45, "Table of authorities")
    table = authorities_table(shown)
    title_picture = slides[0].pictures[0]  # the same tiles again, not rendered twice
    locator = Picture(title_picture.png, f"Locator: {name} on the equal-area tile map", 700, 700)
    pages = max(1, -(-len(table) // ROWS_PER_TABLE_SLIDE))
    for page in range(pages):
        part = table.iloc[page * ROWS_PER_TABLE_SLIDE : (page + 1) * ROWS_PER_TABLE_SLIDE]
        suffix = f" ({page + 1} of {pages})" if pages > 1 else ""
        slides.append(Slide(f"{subject}: authorities{suffix}", footer, [locator], table=part, kind="table"))

    spells = queries.spells_with_context(engine, as_at=req.as_at)
    if story is not None:
        chosen = [story]
    else:
        in_spell = set(spells.loc[spells["open"].astype(bool), "code"])
        chosen = [
            queries.authority_story(engine, c) for c in shown.sort_values("name")["code"] if c in in_spell
        ]
    for k, st_ in enumerate(c for c in chosen if c is not None):
        info = st_["authority"]
        say(0.5 + 0.35 * k / max(1, len(chosen)), f"Timeline: {info['name']}")
        as_at = min(req.as_at, info["existed_to"] or req.as_at)
        clocks = story_clocks(st_, as_at)
        fig = timeline_figure(st_, as_at, [e.as_dict() for e in clocks.items] if clocks else None)
        bullets = _authority_bullets(shown, info["code"], clocks)
        slides.append(
            Slide(
                f"{info['name']}: timeline and clocks",
                footer,
                [
                    _picture(
                        fig, f"Timeline of {info['name']}'s judgements, interventions and visits", 1100, 470
                    )
                ],
                bullets=bullets,
            )
        )

    say(0.9, "Time to exit")
    slides.append(_exit_slide(spells, req, name, footer))
    say(1.0, "Done")
    return slides


def _authority_bullets(shown: pd.DataFrame, code: str, clocks) -> list[str]:
    row = shown[shown["code"] == code]
    out: list[str] = []
    if not row.empty:
        r = row.iloc[0]
        since = f" since {_day(r['since'])}" if _day(r["since"]) else ""
        out.append(f"Level: {r['level_label']}{since}")
        if _day(r["published"]):
            out.append(f"Latest judgement: {r['judgement_key']}, published {_day(r['published'])}")
    if clocks is not None:
        for item in clocks.items:
            flag = " (overdue: none recorded)" if item.overdue else ""
            out.append(f"{item.label}: {long_date(item.date)}{flag}")
        if clocks.days_since_last_visit is not None:
            out.append(f"Days since the last recorded monitoring visit: {clocks.days_since_last_visit}")
    return out


def _exit_slide(spells: pd.DataFrame, req: PackRequest, name: str, footer: str) -> Slide:
    fig, bullets = region_against_england(spells, req.region, name, req.as_at)
    alt = f"Kaplan–Meier curves of time to exit from inadequate, {name} against England"
    return Slide("Time to exit from inadequate", footer, [_picture(fig, alt, 820, 560)], bullets=bullets)


# Writers ---------------------------------------------------------------------------------------

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5


def write_pptx(slides: list[Slide], path: Path) -> None:
    """16:9 deck; pictures carry alt text, tables are real tables (readable by screen readers)."""
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    blank = deck.slide_layouts[6]
    dark = RGBColor(0x0B, 0x0C, 0x0C)

    def text(
        slide, x, y, w, h, lines: list[str], size: int, bold: bool = False, bullets: bool = False
    ) -> None:
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(lines):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = ("• " if bullets else "") + line
            para.font.size, para.font.bold, para.font.color.rgb = Pt(size), bold, dark
            para.space_after = Pt(6 if bullets else 0)

    def picture(slide, pic: Picture, x: float, y: float, max_w: float, max_h: float) -> None:
        scale = min(max_w / pic.width_px, max_h / pic.height_px)
        shape = slide.shapes.add_picture(
            io.BytesIO(pic.png),
            Inches(x),
            Inches(y),
            Emu(int(Inches(pic.width_px * scale))),
            Emu(int(Inches(pic.height_px * scale))),
        )
        shape._element.nvPicPr.cNvPr.set("descr", pic.alt)  # alt text for screen readers

    for s in slides:
        slide = deck.slides.add_slide(blank)
        text(slide, 0.5, 0.3, 12.3, 0.8, [s.title], 28, bold=True)
        text(slide, 0.5, 6.95, 12.3, 0.45, [s.footer], 10)
        if s.kind == "title":
            picture(slide, s.pictures[0], 8.2, 1.3, 4.6, 5.5)
            text(slide, 0.5, 1.6, 7.4, 5.0, s.bullets, 20, bullets=True)
        elif s.kind == "table" and s.table is not None:
            picture(slide, s.pictures[0], 10.4, 1.3, 2.6, 2.6)
            rows, cols = len(s.table) + 1, len(s.table.columns)
            shape = slide.shapes.add_table(
                rows, cols, Inches(0.5), Inches(1.3), Inches(9.7), Inches(0.4 * rows)
            )
            widths = (2.6, 2.5, 1.5, 1.6, 1.5)
            for j, col in enumerate(s.table.columns):
                shape.table.columns[j].width = Inches(widths[j] if j < len(widths) else 1.5)
                shape.table.cell(0, j).text = str(col)
            for i, row in enumerate(s.table.itertuples(index=False), start=1):
                for j, value in enumerate(row):
                    shape.table.cell(i, j).text = "" if pd.isna(value) else str(value)
            for cell in (shape.table.cell(i, j) for i in range(rows) for j in range(cols)):
                for para in cell.text_frame.paragraphs:
                    para.font.size = Pt(12)
        else:
            wide = s.pictures[0].width_px / s.pictures[0].height_px > 1.8
            if wide:
                picture(slide, s.pictures[0], 0.5, 1.1, 12.3, 4.0)
                text(slide, 0.5, 5.1, 6.1, 1.8, s.bullets[:3], 12, bullets=True)
                text(slide, 6.7, 5.1, 6.1, 1.8, s.bullets[3:7], 12, bullets=True)
            else:
                picture(slide, s.pictures[0], 0.4, 1.1, 8.6, 5.8)
                text(slide, 9.2, 1.4, 3.8, 5.4, s.bullets, 15, bullets=True)
    deck.save(str(path))


_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def write_pdf(slides: list[Slide], path: Path) -> None:
    """The same slides as 16:9 PDF pages (fpdf2), with image alt text and real tables."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="in", format=(SLIDE_H_IN, SLIDE_W_IN))
    pdf.set_auto_page_break(False)
    pdf.set_title(slides[0].title if slides else "Board pack")
    pdf.set_lang("en-GB")
    family = "Helvetica"
    for folder in _FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file():
            pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
            family = "DejaVu"
            break

    def safe(line: str) -> str:
        if family != "Helvetica":
            return line
        swaps = {"–": "-", "—": "-", "’": "'", "•": "-", "…": "...", "→": "->"}
        return "".join(swaps.get(c, c) for c in line).encode("latin-1", "replace").decode("latin-1")

    def lines(x: float, y: float, w: float, items: list[str], size: float, bullets: bool = False) -> None:
        pdf.set_font(family, "", size)
        pdf.set_xy(x, y)
        for item in items:
            pdf.set_x(x)
            pdf.multi_cell(w, size / 72 * 1.35, safe(("• " if bullets else "") + item), align="L")
            pdf.ln(size / 72 * 0.4)

    def picture(pic: Picture, x: float, y: float, max_w: float, max_h: float) -> None:
        scale = min(max_w / pic.width_px, max_h / pic.height_px)
        pdf.image(
            io.BytesIO(pic.png), x=x, y=y, w=pic.width_px * scale, h=pic.height_px * scale, alt_text=pic.alt
        )

    for s in slides:
        pdf.add_page()
        pdf.set_text_color(11, 12, 12)
        pdf.set_font(family, "B", 24)
        pdf.set_xy(0.5, 0.35)
        pdf.multi_cell(12.3, 0.45, safe(s.title), align="L")
        pdf.set_font(family, "", 8)
        pdf.set_xy(0.5, 6.95)
        pdf.multi_cell(12.3, 0.16, safe(s.footer), align="L")
        if s.kind == "title":
            picture(s.pictures[0], 8.2, 1.3, 4.6, 5.5)
            lines(0.5, 1.6, 7.4, s.bullets, 18, bullets=True)
        elif s.kind == "table" and s.table is not None:
            picture(s.pictures[0], 10.4, 1.3, 2.6, 2.6)
            pdf.set_font(family, "", 10)
            pdf.set_xy(0.5, 1.3)
            with pdf.table(
                width=9.5, col_widths=(2.5, 2.5, 1.5, 1.6, 1.4), text_align="LEFT", align="LEFT"
            ) as table:
                header = table.row()
                for col in s.table.columns:
                    header.cell(safe(str(col)))
                for row in s.table.itertuples(index=False):
                    cells = table.row()
                    for value in row:
                        cells.cell(safe("" if pd.isna(value) else str(value)))
        else:
            wide = s.pictures[0].width_px / s.pictures[0].height_px > 1.8
            if wide:
                picture(s.pictures[0], 0.5, 1.1, 12.3, 4.0)
                lines(0.5, 5.2, 6.0, s.bullets[:3], 11, bullets=True)
                lines(6.7, 5.2, 6.0, s.bullets[3:7], 11, bullets=True)
            else:
                picture(s.pictures[0], 0.4, 1.1, 8.6, 5.8)
                lines(9.2, 1.4, 3.8, s.bullets, 13, bullets=True)
    pdf.output(str(path))


def board_pack(
    engine: Engine, req: PackRequest, outputs: list[Path], progress: Progress | None = None
) -> list[Slide]:
    """Build the slides once and write every requested file (.pptx and/or .pdf)."""
    for out in outputs:
        if out.suffix.lower() not in FORMATS:
            raise ValueError(f"{out.name}: a board pack is .pptx or .pdf")
    with _LOCK, image_server():
        slides = build_slides(engine, req, progress)
    for out in outputs:
        out.parent.mkdir(parents=True, exist_ok=True)
        (write_pptx if out.suffix.lower() == ".pptx" else write_pdf)(slides, out)
    return slides
