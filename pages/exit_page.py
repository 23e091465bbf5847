"""Time to exit from inadequate: Kaplan–Meier curves, swimmer chart and spells table."""

from oversight.components.views import exit as exit_view
from oversight.components.widgets import filters

exit_view.render(filters.current())
