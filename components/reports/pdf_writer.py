"""The same slides as 16:9 PDF pages (fpdf2, DejaVu fonts when present): alt text, real tables.

fpdf2 (without its text shaping) draws characters in the order they are typed, so nothing on a
page is reordered; a direction control would only show as a symbol (DejaVu has glyphs for the
overrides), so every string loses them (``safe_text.without_bidi``) in ``safe``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from oversight.components.figures.safe_text import without_bidi
from oversight.components.reports.slides import (
    SLIDE_H_IN,
    SLIDE_W_IN,
    SOURCE_COL_W,
    SOURCE_GAP,
    SOURCE_PT,
    SOURCE_TOP,
    Picture,
    Slide,
    source_columns,
)

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


def pdf_pages(slides: list[Slide], path: Path) -> Iterator[int]:
    """The same slides as 16:9 PDF pages (fpdf2), with image alt text and real tables.

    Yields each page's number once it is laid out (waiting for its picture), then saves."""
    # Lazy: fpdf2 costs ~1 s to import, and the app loads this module on every page.
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="in", format=(SLIDE_H_IN, SLIDE_W_IN))
    pdf.set_auto_page_break(False)
    pdf.set_title(without_bidi(slides[0].title) if slides else "Board pack")
    pdf.set_lang("en-GB")
    family = "Helvetica"
    for folder in _FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file():
            pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
            pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
            family = "DejaVu"
            break

    def safe(line: str) -> str:
        line = without_bidi(line)
        if family != "Helvetica":
            return line
        swaps = {"–": "-", "—": "-", "’": "'", "•": "-", "…": "...", "→": "->"}
        return "".join(swaps.get(c, c) for c in line).encode("latin-1", "replace").decode("latin-1")

    def lines(
        x: float, y: float, w: float, items: list[str], size: float, bullets: bool = False, note: str = ""
    ) -> None:
        """Lines at (x, y); ``note`` (a slide's sources) after them, smaller, without a bullet."""
        pdf.set_font(family, "", size)
        pdf.set_xy(x, y)
        for item in items:
            pdf.set_x(x)
            pdf.multi_cell(w, size / 72 * 1.35, safe(("• " if bullets else "") + item), align="L")
            pdf.ln(size / 72 * 0.4)
        if note:
            pdf.set_font(family, "", 9)
            pdf.set_x(x)
            pdf.multi_cell(w, 9 / 72 * 1.35, safe(note), align="L")

    def grid(frame: pd.DataFrame, width: float, widths: tuple[float, ...], align: str) -> None:
        """A real table, one column width per column of ``frame``."""
        with pdf.table(
            width=width, col_widths=widths[: len(frame.columns)], text_align="LEFT", align=align
        ) as table:
            header = table.row()
            for col in frame.columns:
                header.cell(safe(str(col)))
            for row in frame.itertuples(index=False):
                cells = table.row()
                for value in row:
                    cells.cell(safe("" if pd.isna(value) else str(value)))

    def picture(pic: Picture, x: float, y: float, max_w: float, max_h: float) -> float:
        """The picture scaled to fit the box; returns its width in inches."""
        scale = min(max_w / pic.width_px, max_h / pic.height_px)
        pdf.image(
            io.BytesIO(pic.png),
            x=x,
            y=y,
            w=pic.width_px * scale,
            h=pic.height_px * scale,
            alt_text=without_bidi(pic.alt),
        )
        return pic.width_px * scale

    for number, s in enumerate(slides, start=1):
        pdf.add_page()
        pdf.set_text_color(11, 12, 12)
        size = 24
        pdf.set_font(family, "B", size)
        while size > 16 and pdf.get_string_width(safe(s.title)) > 12.1:  # one line, not two
            size -= 1
            pdf.set_font(family, "B", size)
        pdf.set_xy(0.5, 0.35)
        pdf.multi_cell(12.3, 0.45, safe(s.title), align="L")
        # The footer: as-at date and sources, then the data's freshness (and a stale notice).
        pdf.set_font(family, "", 8)
        pdf.set_xy(0.5, 6.8)  # up to five lines (the layers, the note, a stale notice) in 0.7 in
        pdf.multi_cell(12.3, 0.125, safe(s.footer), align="L")
        if s.kind == "title":
            picture(s.pictures[0], 8.2, 1.3, 4.6, 5.5)
            lines(0.5, 1.6, 7.4, s.bullets, 18, bullets=True, note=s.sources)
        elif s.kind == "sources":
            # The numbered sources in columns, then what the numbers are.
            for k, column in enumerate(source_columns(s.bullets)):
                x = 0.5 + k * (SOURCE_COL_W + SOURCE_GAP)
                lines(x, SOURCE_TOP, SOURCE_COL_W, column, SOURCE_PT)
            lines(0.5, 6.4, 12.3, [s.subtitle], 9)
        elif s.kind == "digest":
            # What changed: the counts on the left, the first lines as a real table on the right.
            lines(0.5, 1.3, 3.8, s.bullets, 13, bullets=True)
            if s.table is not None:
                pdf.set_font(family, "", 10)
                pdf.set_xy(4.5, 1.3)
                grid(s.table, 8.3, (1.4, 1.6, 4.6, 0.7), "RIGHT")
            if s.subtitle:
                notes = s.subtitle.split("\n")
                # Under the table, ending above the footer (each note may wrap once).
                top = (
                    min(max(pdf.get_y() + 0.15, 5.6), 6.7 - 0.22 * len(notes)) if s.table is not None else 1.3
                )
                lines(4.5, top, 8.3, notes, 10)
        elif s.kind == "intervention":
            # The authorities in intervention, full width; under it the notes and the summary.
            top = 1.3
            if s.table is not None:
                pdf.set_font(family, "", 10)
                pdf.set_xy(0.5, 1.3)
                grid(s.table, 12.3, (2.6, 2.3, 1.7, 3.3, 1.6, 0.8), "LEFT")
                top = pdf.get_y() + 0.15
            lines(0.5, top, 12.3, [*s.bullets, s.subtitle] if s.subtitle else s.bullets, 10)
        elif s.kind == "table" and s.table is not None:
            picture(s.pictures[0], 10.4, 1.3, 2.6, 2.6)
            pdf.set_font(family, "", 10)
            pdf.set_xy(0.5, 1.3)
            grid(s.table, 9.5, (2.1, 2.0, 1.4, 2.1, 1.3, 0.8), "LEFT")
            if s.bullets:  # notes under the table: the 2026 framework's area judgements
                lines(0.5, pdf.get_y() + 0.15, 9.5, s.bullets, 10, bullets=True)
        else:
            wide = s.pictures[0].width_px / s.pictures[0].height_px > 1.8
            if wide:
                picture(s.pictures[0], 0.5, 1.1, 12.3, 3.7)  # as the slides: two inches of clocks
                lines(0.5, 4.9, 6.0, s.bullets[:3], 10.5, bullets=True, note=s.sources)
                lines(6.7, 4.9, 6.0, s.bullets[3:7], 10.5, bullets=True)
            else:
                # The words start beside the picture (a tall region's map is narrow), at most 5" wide.
                right = 0.4 + picture(s.pictures[0], 0.4, 1.1, 8.6, 5.6) + 0.3
                lines(right, 1.4, min(5.0, 12.9 - right), s.bullets, 13, bullets=True, note=s.sources)
        yield number
    pdf.output(str(path))
