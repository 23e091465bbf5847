"""The CSV download that stands beside every table: exactly what the table shows, as text.

A download leaves the page that said how fresh its data is, so it may begin with ``notes``: its
date, how far each layer runs, what a date after a layer's end cannot show (issue 22). Each is a
line starting ``#,`` then the note in one cell (``pandas.read_csv(..., comment="#")`` skips them;
a spreadsheet shows them above the table).

A cell from the data that starts like a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM(1)``) would
run when the file is opened in a spreadsheet, so every text cell passes through
``safe_text.csv_frame`` (a leading ``'``); dates stay ISO and numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from oversight.components.figures.safe_text import csv_cell, csv_frame

#: What an empty cell of a table shows (``st.dataframe(placeholder=EMPTY)``): Streamlit's default,
#: "None", reads as a value (no intervention? none recorded?) rather than as nothing to show.
EMPTY = "—"


def csv_text(frame: pd.DataFrame, notes: Sequence[str] = ()) -> str:
    """The notes (a line each: ``#`` then the note as one cell, quoted where it must be and guarded
    like every cell), then the table as the page shows it."""
    head = io.StringIO()
    writer = csv.writer(head, lineterminator="\n")
    for note in notes:
        writer.writerow(["#", csv_cell(note)])
    return head.getvalue() + csv_frame(frame).to_csv(index=False)


def csv_bytes(frame: pd.DataFrame, notes: Sequence[str] = ()) -> bytes:
    """The download's bytes: the notes and the table (UTF-8 with BOM for Excel). A view that
    caches its table per data version caches these with it (a new session made them again)."""
    return csv_text(frame, notes).encode("utf-8-sig")


def download_csv(
    frame: pd.DataFrame | bytes, file_name: str, label: str, key: str, notes: Sequence[str] = ()
) -> None:
    """A CSV download of exactly what the table shows (ISO dates, UTF-8 with BOM for Excel), after
    its ``notes``; or of ``csv_bytes`` a view made (and cached) already."""
    data = frame if isinstance(frame, bytes) else csv_bytes(frame, notes)
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
