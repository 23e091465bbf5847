"""Data & sources: what is loaded, how fresh, from where, under which licence."""

from components import data_sources, filters

data_sources.render(filters.current())
