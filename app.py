"""Router: page config, the shared sidebar, navigation. Nothing else lives here."""

from pathlib import Path

import streamlit as st

from oversight.components.views import presentation
from oversight.components.widgets import sidebar, unavailable

st.set_page_config(
    page_title="Intervention oversight: children's services in England",
    # A file of our own: a Material icon here is fetched from fonts.gstatic.com by every visitor.
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

# A first deep link after a server start meets Streamlit's old pages/ auto-navigation and its
# wrong "Page not found": widgets/page_style closes it (streamlit/streamlit#9624).
navigation = st.navigation(
    [
        st.Page(
            "pages/intervention_map.py",
            title="Intervention map",
            icon=":material/map:",
            url_path="map",
            default=True,
        ),
        st.Page(
            "pages/authority_page.py",
            title="Authority",
            icon=":material/account_balance:",
            url_path="authority",
        ),
        st.Page("pages/exit_page.py", title="Time to exit", icon=":material/timeline:", url_path="exit"),
        st.Page(
            "pages/changes_page.py", title="What changed", icon=":material/difference:", url_path="changes"
        ),
        st.Page("pages/tracker_page.py", title="Tracker", icon=":material/history_edu:", url_path="tracker"),
        st.Page("pages/data_sources.py", title="Data & sources", icon=":material/database:", url_path="data"),
        st.Page("pages/user_guide.py", title="User guide", icon=":material/help:", url_path="guide"),
        st.Page(
            "pages/accessibility_statement.py",
            title="Accessibility statement",
            icon=":material/accessibility:",
            url_path="accessibility",
        ),
    ],
    position="hidden" if presentation.requested() else "sidebar",
)

# A database that is locked, read-only or down is a message with Retry on every page, never a traceback.
with unavailable.guard():
    if presentation.requested():
        # ?present=1 on any page: the board-meeting view, starting at that page's step.
        presentation.render(start_page=navigation.url_path)
    else:
        with sidebar.shared_sidebar():
            navigation.run()
