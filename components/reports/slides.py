"""What a board pack is made of, whatever it is written to: slides with pictures, bullets and tables.

``board_pack.build_slides`` makes them once; ``pptx_writer`` and ``pdf_writer`` lay the same
slides out on 16:9 pages, so the slides and the PDF never differ.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

import pandas as pd

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5  # 16:9, inches

#: A character's mean width in ems for the PDF's DejaVu Sans (the wider of the two fonts; PowerPoint's
#: Calibri: ``CALIBRI_EM``): enough to estimate how many lines a string wraps to in a box.
EM_PER_CHAR = 0.58
CALIBRI_EM = 0.5


def lines_of(text: str, width_in: float, size_pt: float, em: float = EM_PER_CHAR) -> int:
    """Lines ``text`` takes in a box ``width_in`` wide at ``size_pt`` (an estimate by mean width
    ``em``; PowerPoint's Calibri is narrower than the PDF's DejaVu, ~0.5 em)."""
    per_line = max(1, int((width_in - 0.2) * 72 / (size_pt * em)))  # less the box's insets
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def title_points(title: str, width_in: float, base: int, em: float, least: int = 16) -> int:
    """The largest type size up to ``base`` at which ``title`` keeps to one line of ``width_in``
    (a long council's name in a title wrapped onto the slide's content: issue 22)."""
    size = base
    while size > least and lines_of(title, width_in, size, em) > 1:
        size -= 1
    return size


#: The Sources slides: columns of numbered sources, their width, gap, top and height (inches) and
#: the type size (points). Three narrow columns of small type, one line per link of a source many
#: facts share (England's pack cites ~90 inspection reports): the list takes few slides.
SOURCE_COLUMNS, SOURCE_COL_W, SOURCE_GAP, SOURCE_TOP, SOURCE_COL_H, SOURCE_PT = 3, 3.95, 0.23, 1.2, 5.0, 8


def _entry_height(entry: str) -> float:
    """Inches a source entry takes in its column (the PDF's line and gap, the larger of the two)."""
    return lines_of(entry, SOURCE_COL_W, SOURCE_PT) * SOURCE_PT / 72 * 1.35 + SOURCE_PT / 72 * 0.4


def source_columns(entries: list[str]) -> list[list[str]]:
    """The entries in columns, each filled to ``SOURCE_COL_H`` in order (a slide holds
    ``SOURCE_COLUMNS`` of them): the writers and ``citations`` cut the list the same way."""
    columns: list[list[str]] = [[]]
    used = 0.0
    for entry in entries:
        height = _entry_height(entry)
        if columns[-1] and used + height > SOURCE_COL_H:
            columns.append([])
            used = 0.0
        columns[-1].append(entry)
        used += height
    return columns if columns[0] else []


#: Seconds a writer waits for one picture from the renderer.
TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Picture:
    """An image on a slide: its PNG, or the renderer's future of it (the writers wait for it only
    when they reach the picture, so slides are laid out while the browser still draws)."""

    image: bytes | Future[bytes]
    alt: str
    width_px: int
    height_px: int

    @property
    def png(self) -> bytes:
        if isinstance(self.image, bytes):
            return self.image
        try:
            return self.image.result(timeout=TIMEOUT_S)
        except Exception as exc:  # the browser's failure, named by the picture it was drawing
            raise RenderError(f"the figure {self.alt!r} could not be drawn ({type(exc).__name__})") from exc


class RenderError(RuntimeError):
    """A figure the browser could not draw (Chromium missing or crashed, a timeout)."""


@dataclass
class Slide:
    """One slide or PDF page: a title, pictures, optional bullets and table, and its footer."""

    title: str
    footer: str
    pictures: list[Picture] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    table: pd.DataFrame | None = None
    subtitle: str = ""
    kind: str = "figure"  # title | figure | digest | table | sources
    #: The numbers of the sources the slide's facts cite ("Sources: [1–4]"), for a slide whose
    #: facts are in a picture or bullets; a table's rows carry their own (``citations``).
    sources: str = ""
