"""The user guide and the accessibility statement as real pages (DfE dashboards' practice): text
kept in ``components/content/*.md`` so a test can prove every page and command is described."""

from __future__ import annotations

from importlib.resources import files

import streamlit as st

CONTENT = files("oversight.components") / "content"


def text(name: str) -> str:
    return (CONTENT / f"{name}.md").read_text(encoding="utf-8")


def render_guide() -> None:
    st.title("User guide")
    st.markdown(text("user_guide"))


def render_accessibility() -> None:
    st.title("Accessibility statement")
    st.markdown(text("accessibility"))
