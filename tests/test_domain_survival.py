"""Kaplan–Meier time to exit: the CLI's median equals an independent product-limit estimate, and
our own estimator and log-rank test give lifelines' answers (lifelines is the oracle, not a dependency)."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest

from oversight import cli
from oversight.data.domain.survival import (
    _chi2_sf,
    _logrank_p,
    _median_time,
    km_curve,
    km_summary,
    logrank_words,
)
from oversight.data.store import queries


def product_limit_median(durations, exited):
    """Hand-written Kaplan–Meier: at each event time S *= (1 - d/n); events before
    censorings at tied times; the median is the first time S falls to 0.5 or below."""
    times = sorted(set(t for t, e in zip(durations, exited, strict=True) if e))
    s = 1.0
    for t in times:
        at_risk = sum(1 for x in durations if x >= t)
        deaths = sum(1 for x, e in zip(durations, exited, strict=True) if e and x == t)
        s *= 1 - deaths / at_risk
        if s <= 0.5:
            return t
    return None


def test_small_fixture_with_censoring_and_ties():
    durations = [2, 3, 3, 5, 7, 8, 8, 12]
    exited = [True, True, False, True, False, True, True, False]
    # S(2)=7/8, S(3)=7/8*6/7=0.75, S(5)=0.75*4/5=0.6, S(8)=0.6*(1-2/3)=0.2 -> median 8
    assert product_limit_median(durations, exited) == 8
    summary = km_summary(durations, exited)
    assert summary.median_months == 8.0
    assert (summary.spells, summary.closed, summary.open) == (8, 5, 3)


def test_median_not_reached_is_null():
    summary = km_summary([10, 20, 30, 40], [True, False, False, False])
    assert summary.median_months is None and summary.as_dict()["median_months"] is None


def test_cli_summary_equals_an_independent_calculation(capsys, loaded_sqlite_url):
    from oversight.data import bootstrap

    frame = queries.inadequate_spells(bootstrap.ready_engine(loaded_sqlite_url))
    expected = product_limit_median(frame["months_exact"].tolist(), (~frame["open"]).tolist())
    assert cli.main(["spells", "--summary", "--json", "--database", loaded_sqlite_url]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["median_months"] == round(expected, 1)
    assert out["spells"] == len(frame) and out["closed"] + out["open"] == out["spells"]
    lo, hi = out["median_ci"]
    assert lo is None or lo <= out["median_months"] <= (hi if hi is not None else float("inf"))
    assert cli.main(["spells", "--summary", "--framework", "ilacs", "--database", loaded_sqlite_url]) == 0
    ilacs = json.loads(capsys.readouterr().out)
    assert ilacs["spells"] < out["spells"]


# --- The oracle: our estimator against lifelines (a dev dependency, kept for exactly this) ---

EDGE_CASES = {
    "single exit": ([5], [True]),
    "single open spell": ([5], [False]),
    "all open": ([3, 7, 7, 12], [False, False, False, False]),
    "all exited": ([2, 4, 4, 9], [True, True, True, True]),
    "exits and openings tied": ([3, 3, 3, 5, 8, 8], [True, False, True, False, True, False]),
    "falls to zero": ([1, 2, 2, 3], [True, True, False, True]),
    "falls to zero on a tie": ([1, 4, 4, 4], [False, True, True, True]),
    "zero durations": ([0, 0, 3, 4], [True, False, True, False]),
    "all zero and exited": ([0, 0], [True, True]),
    "zero and open": ([0, 2, 5], [False, True, True]),
    "float months": ([0.5, 1.25, 1.25, 2.75, 10 / 3], [True, False, True, True, False]),
    "exactly half exited": ([11, 8, 9, 11, 5, 0], [True, True, True, True, True, True]),
    "negative duration": ([-1, 2, 3], [True, True, False]),
    "long spell of ties": ([6] * 40 + [9] * 20, [True] * 25 + [False] * 35),
}

LOGRANK_CASES = {
    "two groups": ([2, 3, 5, 7, 8, 9], ["a", "b", "a", "b", "a", "b"], [True, True, False, True, True, True]),
    "no exits at all": ([1, 2, 3, 4], ["a", "b", "a", "b"], [False, False, False, False]),
    "a group gone before the first exit": (
        [1, 2, 5, 6, 7, 8],
        ["b", "b", "a", "a", "a", "a"],
        [False] * 2 + [True] * 4,
    ),
    "two of three groups gone early": (
        [1, 2, 5, 6, 7],
        ["a", "c", "b", "b", "b"],
        [False, False, True, False, True],
    ),
    "everyone tied": ([4, 4, 4, 4], ["a", "b", "a", "b"], [True, False, True, True]),
    "one spell each": ([3, 5], ["a", "b"], [True, True]),
    "zero durations": ([0, 0, 2, 3], ["a", "b", "a", "b"], [True, False, True, True]),
    "four groups": (
        [1, 2, 5, 6, 7, 8, 9, 9],
        ["b", "c", "a", "d", "a", "d", "a", "c"],
        [True] * 6 + [False, True],
    ),
}


def random_spells(seed: int) -> tuple[list[float], list[str], list[bool]]:
    """1-60 spells with ties: integer months, months to one decimal, or arbitrary floats drawn
    from a small pool; a random share exited; one to four groups."""
    rng = np.random.RandomState(seed)
    n = rng.randint(1, 61)
    if seed % 3 == 0:
        months = [int(m) for m in rng.randint(0, 40, n)]
    elif seed % 3 == 1:
        months = [float(m) for m in np.round(rng.exponential(18, n), 1)]
    else:
        months = [float(m) for m in rng.choice(rng.uniform(0, 60, rng.randint(1, 20)), n)]
    exited = [bool(x) for x in rng.rand(n) < rng.rand()]
    groups = [f"group {g}" for g in rng.randint(0, rng.randint(1, 5), n)]
    return months, groups, exited


def rounded(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 1)


def assert_km_matches_lifelines(durations, exited):
    lifelines = pytest.importorskip("lifelines")
    from lifelines.utils import median_survival_times

    kmf = lifelines.KaplanMeierFitter().fit(durations, event_observed=exited)
    ci = median_survival_times(kmf.confidence_interval_)
    medians = (float(kmf.median_survival_time_), float(ci.iloc[0, 0]), float(ci.iloc[0, 1]))
    curve = km_curve("g", durations, exited)
    assert curve.months == [float(t) for t in kmf.survival_function_.index]
    columns = (kmf.survival_function_.iloc[:, 0], *(kmf.confidence_interval_.iloc[:, i] for i in (0, 1)))
    for ours, theirs in zip((curve.still_inadequate, curve.lower, curve.upper), columns, strict=True):
        assert np.abs(np.array(ours) - theirs.to_numpy()).max() <= 1e-9
    lines = (curve.still_inadequate, curve.lower, curve.upper)
    assert tuple(_median_time(curve.months, line) for line in lines) == medians
    summary = km_summary(durations, exited)
    assert summary == curve.summary
    assert (summary.median_months, summary.median_ci) == (
        rounded(medians[0]),
        tuple(map(rounded, medians[1:])),
    )


def assert_logrank_matches_lifelines(durations, groups, exited):
    pytest.importorskip("lifelines")
    from lifelines.statistics import multivariate_logrank_test

    words = logrank_words(durations, groups, exited)
    if len(set(groups)) < 2:
        assert words == "Only one group: nothing to compare."
        return
    expected = float(multivariate_logrank_test(durations, groups, exited).p_value)
    assert abs(_logrank_p(durations, groups, exited) - expected) <= 1e-9
    assert (f"p = {expected:.3f})" if expected < 0.05 else f"p = {expected:.2f})") in words


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_cases_match_lifelines(case):
    """Every corner lifelines has an opinion on (a single spell, nothing exited, everything exited,
    ties, a fall to zero, zero, float and negative months) comes out the same here."""
    assert_km_matches_lifelines(*EDGE_CASES[case])


def test_exactly_half_follows_lifelines_rounding():
    """Three of six spells exited by month 8 is S = 1/2 exactly, but summed in logs (as lifelines
    does) it lands a hair above, so the median is the next exit, 9, not 8: we keep lifelines'
    answer rather than quietly changing published medians."""
    curve = km_curve("g", *EDGE_CASES["exactly half exited"])
    assert curve.still_inadequate[curve.months.index(8.0)] > 0.5
    assert curve.summary.median_months == 9.0


@pytest.mark.parametrize("case", LOGRANK_CASES)
def test_logrank_edge_cases_match_lifelines(case):
    """Singular covariances (a group that has left before anyone exits), no exits, ties at one
    time and single spells give lifelines' p-value."""
    assert_logrank_matches_lifelines(*LOGRANK_CASES[case])


@pytest.mark.parametrize("seed", range(200))
def test_random_spells_match_lifelines(seed):
    """Seeded random data, with ties of every kind: curves, intervals, medians, their intervals and
    the log-rank p-value agree with lifelines to 1e-9 (medians and timeline exactly)."""
    durations, groups, exited = random_spells(seed)
    assert_km_matches_lifelines(durations, exited)
    assert_logrank_matches_lifelines(durations, groups, exited)


def test_chi_square_tail_matches_scipy():
    """Our closed-form chi-square tail agrees with scipy's to 1e-12 relative, odd and even df."""
    stats = pytest.importorskip("scipy.stats")
    for df in range(1, 9):
        for x in (0.0, 1e-10, 0.01, 0.5, 1.0, 3.84, 10.0, 50.0, 150.0, 600.0):
            assert math.isclose(_chi2_sf(x, df), float(stats.chi2.sf(x, df)), rel_tol=1e-12)


def test_survival_does_not_import_lifelines_or_scipy():
    """The point of our own estimator: a cold start no longer pays for lifelines and scipy."""
    code = (
        "import sys\n"
        "from oversight.data.domain.survival import km_curve, km_summary, logrank_words\n"
        "km_curve('a', [1, 2, 2, 5], [True, False, True, True])\n"
        "km_summary([1.5, 2.0], [True, False])\n"
        "logrank_words([1, 2, 3, 4], ['a', 'a', 'b', 'b'], [True, False, True, True])\n"
        "assert 'lifelines' not in sys.modules and 'scipy' not in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
