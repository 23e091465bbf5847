"""Documents made from the figures: the board pack (PPTX and PDF). No Streamlit."""
