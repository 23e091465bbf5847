"""A bare page with one tiny plotly chart: separates plotly.js's own load cost."""

import plotly.graph_objects as go
import streamlit as st

st.title("Bare page with a chart")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])), theme=None)
