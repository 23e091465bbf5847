"""Data into pictures and widgets: ``figures`` (pure), ``views`` (one per page), ``widgets``
(Streamlit pieces and the cache) and ``reports`` (the board pack). Never writes SQL: reads go
through ``oversight.data.store.queries``.
"""
