"""The CSV download that stands beside every table: exactly what the table shows."""

from __future__ import annotations

import pandas as pd
import streamlit as st


def download_csv(frame: pd.DataFrame, file_name: str, label: str, key: str) -> None:
    """A CSV download of exactly what the table shows (ISO dates, UTF-8 with BOM for Excel)."""
    data = frame.to_csv(index=False).encode("utf-8-sig")
    st.download_button(
        label,
        data=data,
        file_name=file_name,
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )
