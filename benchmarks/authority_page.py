"""Authority page: server time per render for the authority with the longest history.

AppTest figures (``benchmarks/apptest_timing.page_figures``): the first render in the process,
the median of ``RUNS`` new sessions after it and of 15 reruns. Baseline: the bare page
(``benchmarks/bare_app.py``) timed the same way in the same run. The machine's load at the start
and the end.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.baselines import span
from benchmarks.stats import RUNS, machine
from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths
from oversight.data.store import schema as s

ROOT = Path(__file__).resolve().parents[1]


def longest_history(url: str) -> tuple[str, int]:
    engine = bootstrap.ready_engine(url)
    counts: dict[int, int] = {}
    with engine.connect() as conn:
        for table in s.FACT_TABLES:
            for aid, n in conn.execute(
                select(table.c.authority_id, func.count()).group_by(table.c.authority_id)
            ):
                counts[aid] = counts.get(aid, 0) + n
        aid = max(counts, key=counts.get)
        code = conn.execute(select(s.authorities.c.code).where(s.authorities.c.id == aid)).scalar_one()
    return code, counts[aid]


def run(releases: list[Path], data_dir: Path, runs: int = RUNS) -> dict:
    from benchmarks.apptest_timing import bare_page, page_figures

    start = machine()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/authority-bench.sqlite"
        import_paths(bootstrap.ready_engine(url), releases)
        code, facts = longest_history(url)
        _, figures = page_figures(url, data_dir, "pages/authority_page.py", {"la": code}, runs)
        bootstrap.forget(url)
    result = {
        "authority": code,
        "facts": facts,
        **figures,
        "baseline_bare_page": bare_page(runs),
        "machine": span(start),
        "note": "AppTest timings include AppTest's own overhead",
    }
    print(json.dumps(result))
    return result
