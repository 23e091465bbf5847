"""Kaplan–Meier time to exit: the CLI's median equals an independent product-limit estimate."""

from __future__ import annotations

import json

from oversight import cli
from oversight.data.domain.survival import km_summary
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
