"""Intervention map: England's authorities by intervention level at a date, by region."""

from oversight.components.views import map as map_view
from oversight.components.widgets import filters

map_view.render(filters.current())
