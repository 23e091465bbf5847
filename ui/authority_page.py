"""Authority: one council's judgements, interventions, visits and clocks as a story."""

from oversight.components.views import authority
from oversight.components.widgets import sidebar

authority.render(sidebar.current())
