"""Streamlit pieces shared by pages: the sidebar filters, the cached store, tables, the pack dialog.

Each widget owns its session-state keys (named with its prefix).
"""
