"""Pure pictures: plotly, SVG and deck builders and the one theme with every colour.

No Streamlit and no database: a figure is a function of frames and dates, so pages, exports
and board packs draw exactly the same thing and tests can read it without a browser.
"""
