"""User guide: what each page shows, how to present it, the command line."""

from oversight.components.views import guide
from oversight.components.widgets import sidebar

sidebar.current()
guide.render_guide()
