"""Authority: one council's judgements, interventions, visits and clocks as a story."""

from oversight.components.views import authority as authority_view
from oversight.components.widgets import filters

authority_view.render(filters.current())
