"""Accessibility statement: how accessible the dashboard is and how to report a problem."""

from oversight.components.views import guide
from oversight.components.widgets import sidebar

sidebar.current()
guide.render_accessibility()
