"""Authority: one council's judgements, interventions, visits and clocks as a story."""

from components import authority_view, filters

authority_view.render(filters.current())
