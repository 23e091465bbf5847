"""Data & sources: what is loaded, how fresh, from where, under which licence."""

from oversight.components.views import data_sources
from oversight.components.widgets import sidebar

data_sources.render(sidebar.current())
