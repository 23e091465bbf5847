"""Time to exit from inadequate: Kaplan–Meier curves, pathways, swimmer chart and spells table."""

from oversight.components.views import time_to_exit
from oversight.components.widgets import sidebar

time_to_exit.render(sidebar.current())
