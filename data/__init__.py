"""The truth of the dashboard: schema, migrations, import, queries and pure domain rules.

Nothing in this package imports Streamlit; the UI and the CLI call the same functions.
"""
