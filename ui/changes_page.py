"""What changed: every change between two dates, grouped, dated and sourced, with its maps and CSV."""

from oversight.components.views import changes
from oversight.components.widgets import sidebar

changes.render(sidebar.current())
