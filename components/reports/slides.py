"""What a board pack is made of, whatever it is written to: slides with pictures, bullets and tables.

``board_pack.build_slides`` makes them once; ``pptx_writer`` and ``pdf_writer`` lay the same
slides out on 16:9 pages, so the slides and the PDF never differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5  # 16:9, inches


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
