"""What every benchmark reports alike: medians of several runs, the machine's load, a process's CPU.

One run per figure, or the best of three, hides how much a figure moves on a shared 2-core
machine; a median of at least ``RUNS`` runs, printed beside a baseline measured in the same run and
the load average at the time, lets a reader tell a change from noise (issue 23).
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

RUNS = 5
T = TypeVar("T")


def machine() -> dict:
    """Cores and the 1/5/15-minute load average, to print beside every figure."""
    one, five, fifteen = os.getloadavg()
    return {"cores": os.cpu_count(), "load_1_5_15": [round(one, 2), round(five, 2), round(fifteen, 2)]}


def summary(values: Sequence[float], digits: int = 1) -> dict:
    """Median, min, max and the number of runs of one figure (None-free values)."""
    if not values:
        return {"median": None, "min": None, "max": None, "runs": 0}
    return {
        "median": round(statistics.median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": len(values),
    }


def repeat(measure: Callable[[], T], runs: int = RUNS) -> list[T]:
    """``measure`` called ``runs`` times (at least ``RUNS`` unless a caller says fewer on purpose)."""
    return [measure() for _ in range(runs)]


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile ``q`` (0–1) of ``values``; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its live children, from ``/proc`` (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15)
    return total


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its live children, in MB."""
    total_kb = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return round(total_kb / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        kids = [int(k) for k in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return kids + [grandchild for kid in kids for grandchild in _children(kid)]
