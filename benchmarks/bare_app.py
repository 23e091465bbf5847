"""A bare Streamlit page: the yardstick for the map page's time to first paint."""

import streamlit as st

st.title("Bare page")
st.write("Nothing but text.")
