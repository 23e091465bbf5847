"""Tracker: recent changes, proposals waiting for review, and (signed in) reviewing them."""

from oversight.components.views import tracker
from oversight.components.widgets import sidebar

tracker.render(sidebar.current())
