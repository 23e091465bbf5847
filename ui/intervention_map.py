"""Intervention map: England's authorities by intervention level at a date, by region."""

from oversight.components.views import intervention_map
from oversight.components.widgets import sidebar

intervention_map.render(sidebar.current())
