"""Accessibility statement: how accessible the dashboard is and how to report a problem."""

from components import filters, guide

filters.current()
guide.render_accessibility()
