"""The CSV download that stands beside every table: exactly what the table shows, as text.

A cell from the data that starts like a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM(1)``) would
run when the file is opened in a spreadsheet, so every text cell passes through
``safe_text.csv_frame`` (a leading ``'``); dates stay ISO and numbers stay numbers.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from oversight.components.figures.safe_text import csv_frame

#: What an empty cell of a table shows (``st.dataframe(placeholder=EMPTY)``): Streamlit's default,
#: "None", reads as a value (no intervention? none recorded?) rather than as nothing to show.
EMPTY = "—"


def download_csv(frame: pd.DataFrame, file_name: str, label: str, key: str) -> None:
    """A CSV download of exactly what the table shows (ISO dates, UTF-8 with BOM for Excel)."""
    data = csv_frame(frame).to_csv(index=False).encode("utf-8-sig")
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
