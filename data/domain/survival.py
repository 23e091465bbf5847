"""Time to exit from inadequate: Kaplan–Meier over spells, open spells right-censored.

A mean of finished spells alone is biased (the longest spells are the ones still open), so
the headline is the product-limit median with its 95% confidence interval, ``None`` where the
curve has not fallen to one half.

The estimator and the log-rank test are our own, in plain Python (``math`` only): lifelines
pulls in scipy, which cost about 1.2 s on every cold start of ``oversight board-pack``. They
follow lifelines 0.30 step for step, down to its floating-point order of operations, and
``tests/test_domain_survival.py`` checks them against lifelines (a dev dependency, the oracle):

* the timeline is 0 (or the earliest duration, if negative) and every distinct duration, exit or
  open; at time t, spells with duration >= t are at risk, so a spell censored at t counts there;
* S(t) = exp(cumulative sum of log(n - d) - log(n)), not a running product, because the two
  can round to different sides of one half: with exactly half the spells exited, S may come out
  a hair above 0.5, and lifelines (and so this module) then puts the median at the next exit;
* the pointwise 95% interval is the exponential Greenwood ("log(-log)") one, 1.0 where S = 1 and
  0.0 where S = 0;
* a median is lifelines' ``qth_survival_time``: infinite (here ``None``) unless the curve ends at
  or below one half, otherwise a binary search for the first point at or below it;
* the log-rank statistic drops the last group (in order of first appearance) and uses a
  pseudo-inverse of the covariance, then a chi-square tail with k - 1 degrees of freedom.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

#: The two-sided 95% normal quantile, ``scipy.stats.norm.ppf(0.975)``, as lifelines computes it.
Z_95 = 1.959963984540054


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


@dataclass(frozen=True)
class _Fit:
    """A Kaplan–Meier estimate on lifelines' timeline with its pointwise 95% interval."""

    times: list[float]
    survival: list[float]
    lower: list[float]
    upper: list[float]


def _event_table(durations: Sequence[float], exited: Sequence[bool]) -> list[tuple[float, int, int]]:
    """(time, at risk, exits) at the origin and at every distinct duration, in time order."""
    if any(math.isnan(d) or math.isinf(d) for d in durations):
        raise TypeError("Durations must be finite numbers.")  # as lifelines refuses them
    if len(durations) == 0:
        raise ValueError("A Kaplan–Meier curve needs at least one spell.")
    removed = Counter(durations)
    exits = Counter(d for d, e in zip(durations, exited, strict=True) if e)
    at_risk = len(durations)
    rows: list[tuple[float, int, int]] = []
    for t in sorted(set(removed) | {min(0, min(removed))}):
        rows.append((float(t), at_risk, exits[t]))
        at_risk -= removed[t]
    return rows


def _exp_neg_exp(x: float) -> float:
    """exp(-exp(x)), going to 0 (as numpy does) where exp(x) overflows."""
    try:
        return math.exp(-math.exp(x))
    except OverflowError:
        return 0.0


def _bounds(s: float, var: float) -> tuple[float, float]:
    """The exponential Greenwood interval: log(-log S) +- z * sqrt(var) / log S, then back."""
    v = math.log(s) if s > 0 else -math.inf
    if v == 0:
        return 1.0, 1.0  # lifelines' 0/0, filled with 1
    if math.isinf(v):
        return 0.0, 0.0
    centre, spread = math.log(-v), Z_95 * math.sqrt(var) / v
    return _exp_neg_exp(centre - spread), _exp_neg_exp(centre + spread)


def _fit(durations: Sequence[float], exited: Sequence[bool]) -> _Fit:
    """S(t) as lifelines sums it, in logs, with Greenwood's variance beside it."""
    rows: list[tuple[float, float, float, float]] = []
    log_s = var = 0.0
    for t, n, d in _event_table(durations, exited):
        log_s += (math.log(n - d) if n > d else -math.inf) - math.log(n)
        var += d / (n * (n - d)) if n > d else 0.0  # lifelines replaces d / 0 by 0
        s = math.exp(log_s)
        rows.append((t, s, *_bounds(s, var)))
    times, survival, lower, upper = ([row[i] for row in rows] for i in range(4))
    return _Fit(times, survival, lower, upper)


def _median_time(times: Sequence[float], values: Sequence[float]) -> float:
    """lifelines' ``qth_survival_time(0.5, ...)``: inf unless the curve ends at or below one half,
    else numpy's binary search (``searchsorted``) for the first value at or below it."""
    if values[-1] > 0.5:
        return math.inf
    return times[bisect_left(values, -0.5, key=lambda v: -v)]


def _summary(durations: Sequence[float], exited: Sequence[bool], fit: _Fit) -> Summary:
    n, closed = len(durations), int(sum(bool(x) for x in exited))
    median = _median_time(fit.times, fit.survival)
    ci = (_median_time(fit.times, fit.lower), _median_time(fit.times, fit.upper))
    return Summary(n, closed, n - closed, _finite(median), (_finite(ci[0]), _finite(ci[1])))


def km_summary(durations: Sequence[float], exited: Sequence[bool]) -> Summary:
    """Kaplan–Meier median time to exit (months) with its 95% confidence interval."""
    if len(durations) == 0:
        return Summary(0, 0, 0, None, (None, None))
    return _summary(durations, exited, _fit(durations, exited))


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
    fit = _fit(durations, exited)
    at_risk = {m: int(sum(1 for d in durations if d >= m)) for m in AT_RISK_MONTHS}
    summary = _summary(durations, exited, fit)
    return Curve(group, fit.times, fit.survival, fit.lower, fit.upper, at_risk, summary)


def _chi2_sf(x: float, df: int) -> float:
    """P(X > x) for X chi-square with integer ``df`` >= 1: the regularised upper incomplete gamma
    Q(df / 2, x / 2) in closed form, a finite series (plus erfc for odd ``df``)."""
    if x <= 0:
        return 1.0
    y = x / 2
    if df % 2 == 0:
        term, total = 1.0, 0.0
        for j in range(df // 2):  # y^j / j!
            total += term
            term *= y / (j + 1)
        return math.exp(-y) * total
    term, total = 2 * math.sqrt(y / math.pi), 0.0
    for j in range(df // 2):  # y^(j + 1/2) / Gamma(j + 3/2)
        total += term
        term *= y / (j + 1.5)
    return math.erfc(math.sqrt(y)) + math.exp(-y) * total


def _pinv_quadratic(matrix: list[list[float]], z: list[float]) -> float:
    """z' V+ z for a positive semi-definite V with z in its column space (true of the log-rank's
    observed-minus-expected), by Cholesky with diagonal pivoting; pivots under 1e-12 of the
    largest diagonal entry are rounding noise, which numpy's pinv would also discard."""
    a, b, rest = [row[:] for row in matrix], list(z), list(range(len(z)))
    tolerance = 1e-12 * max((a[i][i] for i in rest), default=0.0)
    total = 0.0
    while rest:
        p = max(rest, key=lambda i: a[i][i])
        if a[p][p] <= tolerance:
            break
        rest.remove(p)
        total += b[p] * b[p] / a[p][p]
        for i in rest:
            ratio = a[i][p] / a[p][p]
            b[i] -= ratio * b[p]
            for j in rest:
                a[i][j] -= ratio * a[p][j]
    return total


def _logrank_terms(
    durations: Sequence[float], column: list[int], exited: Sequence[bool], k: int
) -> tuple[list[float], list[list[float]]]:
    """Observed minus expected exits per group, and their covariance (hypergeometric, with ties)."""
    removed: dict[float, list[int]] = {}
    exits: dict[float, list[int]] = {}
    for d, g, e in zip(durations, column, exited, strict=True):
        removed.setdefault(d, [0] * k)[g] += 1
        exits.setdefault(d, [0] * k)[g] += 1 if e else 0
    at_risk = [column.count(g) for g in range(k)]
    z, cov = [0.0] * k, [[0.0] * k for _ in range(k)]
    for t in sorted(removed):
        n, d = sum(at_risk), sum(exits[t])
        factor = ((n - d) / (n - 1) if n > 1 else 1.0) * d / n**2
        for a in range(k):
            z[a] += exits[t][a] - at_risk[a] * (d / n)
            for b in range(k):
                cov[a][b] += factor * at_risk[a] * ((n if a == b else 0) - at_risk[b])
        at_risk = [r - x for r, x in zip(at_risk, removed[t], strict=True)]
    return z, cov


def _logrank_p(durations: Sequence[float], groups: Sequence[Hashable], exited: Sequence[bool]) -> float:
    """lifelines' ``multivariate_logrank_test(...).p_value``: groups in order of first appearance,
    the last dropped, chi-square with (groups - 1) degrees of freedom."""
    index = {g: i for i, g in enumerate(dict.fromkeys(groups))}
    k = len(index)
    z, cov = _logrank_terms(durations, [index[g] for g in groups], exited, k)
    statistic = _pinv_quadratic([row[: k - 1] for row in cov[: k - 1]], z[: k - 1])
    return _chi2_sf(statistic, k - 1)


def logrank_words(durations: Sequence[float], groups: Sequence[str], exited: Sequence[bool]) -> str:
    """A log-rank test across groups, said in plain words for a board."""
    if len(set(groups)) < 2:
        return "Only one group: nothing to compare."
    p = _logrank_p(durations, groups, exited)
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
