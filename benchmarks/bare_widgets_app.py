"""A bare page with the app's kinds of widgets (sidebar select box and date, radios, a table):
separates the cost of Streamlit's lazily loaded widget code from the map's own cost."""

import datetime as dt

import pandas as pd
import streamlit as st

with st.sidebar:
    st.selectbox("Region", ["England", "London"])
    st.date_input("As at", dt.date(2018, 5, 17))
st.title("Bare page with widgets")
st.radio("Colour by", ["Intervention level", "Latest Ofsted judgement"], horizontal=True)
st.dataframe(pd.DataFrame({"a": range(150), "b": ["x"] * 150}))
st.write("Widgets drawn.")
