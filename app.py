"""Router: page config, the shared sidebar, navigation. Nothing else lives here."""

import datetime as dt

import streamlit as st

from components import filters, store
from components.palette import long_date

st.set_page_config(
    page_title="Intervention oversight: children's services in England",
    page_icon=":material/account_balance:",
    layout="wide",
)

# Page files are named unlike their URL paths on purpose: Streamlit still knows the old
# pages/ auto-navigation, which would run a page file *without* this router when a URL
# path equals a file name (before st.navigation has run once in the process).
navigation = st.navigation(
    [
        st.Page("pages/intervention_map.py", title="Intervention map", icon=":material/map:", url_path="map", default=True),
        st.Page("pages/data_sources.py", title="Data & sources", icon=":material/database:", url_path="data"),
    ],
    position="sidebar",
)

newest = store.data_as_at() or dt.date.today()
filters.render(default_as_at=newest, latest=max(newest, dt.date.today()))
st.sidebar.caption(f"Judgements published up to {long_date(store.data_as_at())}.")
navigation.run()
