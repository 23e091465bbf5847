"""The truth of the dashboard, by concern: ``domain`` (pure rules), ``store`` (schema, engines,
migrations, queries), ``sources`` (parsers, importer, seed), ``downloads`` (the publishers'
files) and ``bootstrap`` (the explicit migrate-and-seed step).

Nothing here imports Streamlit or ``oversight.components``: the UI and the CLI call down into it.
"""
