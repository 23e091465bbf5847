"""Slides to a 16:9 PowerPoint deck (python-pptx): pictures with alt text, real tables.

Every string on a slide passes through ``safe_text.plain``: a slide puts tracker titles and
names beside the app's words, and PowerPoint lays lines out in both directions, so a direction
control in a title must not turn the slide's own words round.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from oversight.components.figures.safe_text import plain
from oversight.components.reports.slides import (
    CALIBRI_EM,
    SLIDE_H_IN,
    SLIDE_W_IN,
    SOURCE_COL_H,
    SOURCE_COL_W,
    SOURCE_GAP,
    SOURCE_PT,
    SOURCE_TOP,
    Picture,
    Slide,
    lines_of,
    source_columns,
    title_points,
)


def pptx_pages(slides: list[Slide], path: Path) -> Iterator[int]:
    """16:9 deck; pictures carry alt text, tables are real tables (readable by screen readers).

    Yields each slide's number once it is laid out (waiting for its picture), then saves."""
    # Lazy: python-pptx costs ~0.25 s to import, and the app loads this module on every page.
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.util import Emu, Inches, Pt

    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
    blank = deck.slide_layouts[6]
    dark = RGBColor(0x0B, 0x0C, 0x0C)

    def text(
        slide,
        x,
        y,
        w,
        h,
        lines: list[str],
        size: int,
        bold: bool = False,
        bullets: bool = False,
        note: str = "",
    ) -> None:
        """Lines in a box; ``note`` (a slide's sources) after them, smaller, without a bullet."""
        box = slide.shapes.add_textbox(Inches(x), Inches(y), Inches(w), Inches(h))
        frame = box.text_frame
        frame.word_wrap = True
        items = [(("• " if bullets else "") + plain(line), size) for line in lines]
        if note:
            items.append((plain(note), 10))
        for i, (line, points) in enumerate(items):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text = line
            para.font.size, para.font.bold, para.font.color.rgb = Pt(points), bold, dark
            para.space_after = Pt(6 if bullets else 0)

    def picture(slide, pic: Picture, x: float, y: float, max_w: float, max_h: float) -> float:
        """The picture scaled to fit the box; returns its width in inches."""
        scale = min(max_w / pic.width_px, max_h / pic.height_px)
        shape = slide.shapes.add_picture(
            io.BytesIO(pic.png),
            Inches(x),
            Inches(y),
            Emu(int(Inches(pic.width_px * scale))),
            Emu(int(Inches(pic.height_px * scale))),
        )
        shape._element.nvPicPr.cNvPr.set("descr", plain(pic.alt))  # alt text for screen readers
        return pic.width_px * scale

    def table(slide, frame: pd.DataFrame, x: float, y: float, widths: tuple[float, ...], size: int) -> None:
        rows, cols = len(frame) + 1, len(frame.columns)
        shape = slide.shapes.add_table(
            rows, cols, Inches(x), Inches(y), Inches(sum(widths)), Inches(0.3 * rows)
        )
        for j, col in enumerate(frame.columns):
            shape.table.columns[j].width = Inches(widths[j] if j < len(widths) else 1.5)
            shape.table.cell(0, j).text = plain(col)
        for i, row in enumerate(frame.itertuples(index=False), start=1):
            for j, value in enumerate(row):
                shape.table.cell(i, j).text = "" if pd.isna(value) else plain(value)
        for cell in (shape.table.cell(i, j) for i in range(rows) for j in range(cols)):
            for para in cell.text_frame.paragraphs:
                para.font.size = Pt(size)

    def table_height(frame: pd.DataFrame, widths: tuple[float, ...], size: int) -> float:
        """Inches the table takes once PowerPoint has grown each row to its wrapped text."""
        return sum(
            0.3
            + (size * 1.2 / 72)
            * (max(lines_of(str(v), w, size, CALIBRI_EM) for v, w in zip(row, widths, strict=False)) - 1)
            for row in [list(frame.columns), *frame.astype(str).itertuples(index=False)]
        )

    for number, s in enumerate(slides, start=1):
        slide = deck.slides.add_slide(blank)
        # Calibri bold is ~0.55 em a character; a long title takes a smaller size, not two lines.
        text(slide, 0.5, 0.3, 12.3, 0.8, [s.title], title_points(s.title, 12.3, 28, 0.55), bold=True)
        # The footer: as-at date and sources, then the data's freshness (and a stale notice).
        # Up to five lines (the layers, the note, a stale notice): 8 pt keeps them on the slide.
        text(slide, 0.5, 6.78, 12.3, 0.7, s.footer.split("\n"), 8)
        if s.kind == "title":
            picture(slide, s.pictures[0], 8.2, 1.3, 4.6, 5.5)
            text(slide, 0.5, 1.6, 7.4, 5.0, s.bullets, 20, bullets=True, note=s.sources)
        elif s.kind == "sources":
            # The numbered sources in columns, then what the numbers are.
            for k, column in enumerate(source_columns(s.bullets)):
                x = 0.5 + k * (SOURCE_COL_W + SOURCE_GAP)
                text(slide, x, SOURCE_TOP, SOURCE_COL_W, SOURCE_COL_H, column, SOURCE_PT)
            text(slide, 0.5, 6.35, 12.3, 0.4, [s.subtitle], 10)
        elif s.kind == "digest":
            # What changed: the counts on the left, the first lines as a real table on the right,
            # then how many more there are (and what "(estimated)" means) above the footer.
            text(slide, 0.5, 1.3, 3.8, 5.0, s.bullets, 14, bullets=True)
            if s.table is not None:
                table(slide, s.table, 4.5, 1.3, (1.5, 1.7, 4.4, 0.7), 11)
            if s.subtitle:
                notes = s.subtitle.split("\n")
                text(slide, 4.5, 6.7 - 0.28 * len(notes), 8.3, 0.28 * len(notes), notes, 10)
        elif s.kind == "intervention":
            # The authorities in intervention, full width; under it the notes (2026 area
            # judgements, "and N more") and what the other authorities are and where they are listed.
            top = 1.3
            if s.table is not None:
                widths = (2.6, 2.3, 1.7, 3.3, 1.6, 0.8)
                table(slide, s.table, 0.5, 1.3, widths, 11)
                top += table_height(s.table, widths, 11) + 0.15
            notes = [*s.bullets, s.subtitle] if s.subtitle else s.bullets
            text(slide, 0.5, top, 12.3, max(0.4, 6.75 - top), notes, 11)
        elif s.kind == "table" and s.table is not None:
            picture(slide, s.pictures[0], 10.4, 1.3, 2.6, 2.6)
            rows, cols = len(s.table) + 1, len(s.table.columns)
            shape = slide.shapes.add_table(
                rows, cols, Inches(0.5), Inches(1.3), Inches(9.7), Inches(0.4 * rows)
            )
            widths = (2.1, 2.0, 1.4, 2.1, 1.3, 0.8)  # the judgement column holds "Inadequate — derived …"
            for j, col in enumerate(s.table.columns):
                shape.table.columns[j].width = Inches(widths[j] if j < len(widths) else 1.5)
                shape.table.cell(0, j).text = plain(col)
            for i, row in enumerate(s.table.itertuples(index=False), start=1):
                for j, value in enumerate(row):
                    shape.table.cell(i, j).text = "" if pd.isna(value) else plain(value)
            for cell in (shape.table.cell(i, j) for i in range(rows) for j in range(cols)):
                for para in cell.text_frame.paragraphs:
                    para.font.size = Pt(12)
            if s.bullets:  # notes under the table: the 2026 framework's area judgements
                top = 1.3 + 0.4 * rows + 0.2
                text(slide, 0.5, top, 9.7, max(0.4, 6.7 - top), s.bullets, 11, bullets=True)
        else:
            wide = s.pictures[0].width_px / s.pictures[0].height_px > 1.8
            if wide:
                # A timeline: its clocks say met / missed (happened D, N working days late) / overdue,
                # so the bullets under it get two inches.
                picture(slide, s.pictures[0], 0.5, 1.1, 12.3, 3.7)
                text(slide, 0.5, 4.85, 6.1, 1.9, s.bullets[:3], 11, bullets=True, note=s.sources)
                text(slide, 6.7, 4.85, 6.1, 1.9, s.bullets[3:7], 11, bullets=True)
            else:
                # The words start beside the picture (a tall region's map is narrow), at most 5" wide.
                right = 0.4 + picture(slide, s.pictures[0], 0.4, 1.1, 8.6, 5.6) + 0.3
                text(
                    slide,
                    right,
                    1.4,
                    min(5.0, 12.9 - right),
                    5.2,
                    s.bullets,
                    15,
                    bullets=True,
                    note=s.sources,
                )
        yield number
    deck.save(str(path))
