"""Intervention map: England's authorities by intervention level at a date, by region."""

from components import filters, map_view

map_view.render(filters.current())
