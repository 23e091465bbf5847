"""Data & sources: what is loaded, how fresh, from where, under which licence."""

from oversight.components.views import data_sources
from oversight.components.widgets import filters

data_sources.render(filters.current())
