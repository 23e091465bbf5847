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

navigation = st.navigation(
    [
        st.Page(
            "pages/data_sources.py",
            title="Data & sources",
            icon=":material/database:",
            url_path="data",
            default=True,
        ),
    ],
    position="sidebar",
)

newest = store.data_as_at() or dt.date.today()
filters.render(default_as_at=newest, latest=max(newest, dt.date.today()))
st.sidebar.caption(f"Judgements published up to {long_date(store.data_as_at())}.")
navigation.run()
