"""Tables that stand beside every chart: sortable, titled with date and source, downloadable."""

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


def titled_table(
    frame: pd.DataFrame,
    *,
    title: str,
    caption: str,
    key: str,
    file_name: str | None = None,
    column_config: dict | None = None,
    height: int | str = "auto",
) -> None:
    """Title line, table, source caption and (optionally) a CSV download."""
    st.markdown(f"#### {title}")
    st.dataframe(
        frame,
        hide_index=True,
        column_config=column_config,
        alt=f"Table: {title}. {caption}",
        key=f"{key}_table",
        height=height,
    )
    st.caption(caption)
    if file_name:
        download_csv(frame, file_name, "Download this table as CSV", key=f"{key}_csv")
