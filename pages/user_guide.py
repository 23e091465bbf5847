"""User guide: what each page shows, how to present it, the command line."""

from components import filters, guide

filters.current()
guide.render_guide()
