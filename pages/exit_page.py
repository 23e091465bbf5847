"""Time to exit from inadequate: Kaplan–Meier curves, swimmer chart and spells table."""

from components import exit_view, filters

exit_view.render(filters.current())
