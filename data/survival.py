"""Time to exit from inadequate: Kaplan–Meier over spells, open spells right-censored.

A mean of finished spells alone is biased (the longest spells are the ones still open), so
the headline is the product-limit median with its 95% confidence interval (lifelines),
``None`` where the curve has not fallen to one half.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    spells: int
    closed: int
    open: int
    median_months: float | None
    median_ci: tuple[float | None, float | None]

    def as_dict(self) -> dict[str, object]:
        return {
            "spells": self.spells,
            "closed": self.closed,
            "open": self.open,
            "median_months": self.median_months,
            "median_ci": list(self.median_ci),
        }


def _finite(value: float) -> float | None:
    return None if value is None or math.isinf(value) or math.isnan(value) else round(float(value), 1)


def km_summary(durations: Sequence[float], exited: Sequence[bool]) -> Summary:
    """Kaplan–Meier median time to exit (months) with its 95% confidence interval."""
    n = len(durations)
    closed = int(sum(bool(x) for x in exited))
    if n == 0:
        return Summary(0, 0, 0, None, (None, None))
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    kmf = KaplanMeierFitter()
    kmf.fit(list(durations), event_observed=[bool(x) for x in exited])
    ci = median_survival_times(kmf.confidence_interval_)
    lo, hi = float(ci.iloc[0, 0]), float(ci.iloc[0, 1])
    return Summary(n, closed, n - closed, _finite(kmf.median_survival_time_), (_finite(lo), _finite(hi)))
