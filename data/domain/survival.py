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


AT_RISK_MONTHS = (0, 12, 24, 36, 48, 60, 72, 84)


@dataclass(frozen=True)
class Curve:
    """One group's Kaplan–Meier curve: share still inadequate after t months."""

    group: str
    months: list[float]
    still_inadequate: list[float]
    lower: list[float]
    upper: list[float]
    at_risk: dict[int, int]
    summary: Summary


def km_curve(group: str, durations: Sequence[float], exited: Sequence[bool]) -> Curve:
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter()
    kmf.fit(list(durations), event_observed=[bool(x) for x in exited])
    sf = kmf.survival_function_.iloc[:, 0]
    ci = kmf.confidence_interval_
    at_risk = {m: int(sum(1 for d in durations if d >= m)) for m in AT_RISK_MONTHS}
    return Curve(
        group,
        [float(t) for t in sf.index],
        [float(v) for v in sf.values],
        [float(v) for v in ci.iloc[:, 0].values],
        [float(v) for v in ci.iloc[:, 1].values],
        at_risk,
        km_summary(durations, exited),
    )


def logrank_words(durations: Sequence[float], groups: Sequence[str], exited: Sequence[bool]) -> str:
    """A log-rank test across groups, said in plain words for a board."""
    if len(set(groups)) < 2:
        return "Only one group: nothing to compare."
    from lifelines.statistics import multivariate_logrank_test

    result = multivariate_logrank_test(list(durations), list(groups), [bool(x) for x in exited])
    p = float(result.p_value)
    if p < 0.05:
        return (
            f"The split matters: times to exit differ between these groups more than chance would explain "
            f"(log-rank test, p = {p:.3f})."
        )
    return (
        f"The split does not clearly matter: differences this large could arise by chance "
        f"(log-rank test, p = {p:.2f})."
    )


def share_exited_by(months: float, curve: Curve) -> float:
    """The share of authorities that had left inadequate by ``months`` (1 - S(t))."""
    s = 1.0
    for t, v in zip(curve.months, curve.still_inadequate, strict=True):
        if t <= months:
            s = v
    return 1 - s
