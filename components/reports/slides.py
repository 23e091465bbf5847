"""What a board pack is made of, whatever it is written to: slides with pictures, bullets and tables.

``board_pack.build_slides`` makes them once; ``pptx_writer`` and ``pdf_writer`` lay the same
slides out on 16:9 pages, so the slides and the PDF never differ.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

import pandas as pd

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5  # 16:9, inches
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
