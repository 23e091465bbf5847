"""Fresh start: the bundle's size, how long it takes to import, and a new user's first map.

* ``bundle``: each file's bytes, and the time to build it from the data directory (``RUNS``
  builds); baseline: the importable files (``inputs``) only read (``parse_file``), nothing
  written, in the same rounds.
* ``import``: the community scrape into a fresh seeded database, and the bundle's load on first
  use against importing its public files (SQLite; ``RUNS`` runs each); baseline: an import of
  no files into a fresh seeded database in the same rounds.
* ``fresh_clone``: ``streamlit run app.py`` from a folder with an empty ``var/`` and no data
  directory or database setting, until Chromium shows the painted boundary map; then the same
  with the database already made (a second start); baseline: a bare Streamlit page served the
  same way in the same rounds (process start to painted text). ``RUNS`` rounds.

Medians with min, max and runs (``benchmarks/stats.summary``); the machine's load at the start
and the end of each part. ``python -m benchmarks.fresh_start [--runs R]`` runs it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import empty_import, span, timed
from benchmarks.stats import RUNS, machine, summary
from oversight.data import bootstrap, settings
from oversight.data.downloads.bundle_build import build, inputs
from oversight.data.sources import bundle
from oversight.data.sources.importer import import_paths, parse_file
from oversight.data.sources.seed import load_bundle

ROOT = Path(__file__).resolve().parents[1]
_SVG_PAINTED = """() => { let n = 0; for (const h of document.querySelectorAll('*')) {
    if (h.shadowRoot) n += h.shadowRoot.querySelectorAll('svg a[data-la] path').length; } return n > 150; }"""


def bundle_figures(data_dir: Path, runs: int = RUNS) -> dict:
    start = machine()
    sizes = {p.name: p.stat().st_size for p in sorted(bundle.default_dir().iterdir()) if p.is_file()}
    builds, reads = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            reads.append(timed(lambda: [parse_file(p) for p in inputs(data_dir)]))
            builds.append(timed(lambda i=i: build(data_dir, Path(tmp) / f"bundle-{i}")))
    return {
        "bytes_total": sum(sizes.values()),
        "bytes_per_file": sizes,
        "build_s": summary(builds, 2),
        "baseline_files_only_read_s": summary(reads, 2),
        "machine": span(start),
    }


def import_figures(data_dir: Path, runs: int = RUNS) -> dict:
    start = machine()
    scrape = data_dir / "community" / "ofsted_csc_ilacs_history.csv"
    scrape_times, bundle_times, file_times, empty_times = [], [], [], []
    old = os.environ.get(settings.BUNDLE_ENV)
    os.environ[settings.BUNDLE_ENV] = "off"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(runs):
                for name, times, step in (
                    ("empty", empty_times, empty_import),
                    ("scrape", scrape_times, lambda e: import_paths(e, [scrape])),
                    ("bundle", bundle_times, load_bundle),
                    ("files", file_times, lambda e: import_paths(e, inputs(data_dir))),
                ):
                    url = f"sqlite:///{tmp}/{name}-{i}.sqlite"
                    engine = bootstrap.ready_engine(url)
                    t0 = time.perf_counter()
                    step(engine)
                    times.append(time.perf_counter() - t0)
                    bootstrap.forget(url)
    finally:
        if old is None:
            os.environ.pop(settings.BUNDLE_ENV, None)
        else:
            os.environ[settings.BUNDLE_ENV] = old
    return {
        "scrape_import_s": summary(scrape_times, 3),
        "bundle_load_s": summary(bundle_times, 3),
        "same_files_imported_s": summary(file_times, 3),
        "baseline_empty_import_s": summary(empty_times, 3),
        "files": [p.name for p in inputs(data_dir)],
        "machine": span(start),
    }


def _start(script: Path, cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    from tests.browser import free_port

    env = {k: v for k, v in os.environ.items() if k not in (settings.DATA_DIR_ENV, settings.DATABASE_ENV)}
    env[settings.BUNDLE_ENV] = "on"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
        + ["--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=cwd,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return proc, f"http://127.0.0.1:{port}"


def _until_painted(page, script: Path, cwd: Path, log: Path, ready) -> float:
    t0 = time.perf_counter()
    proc, base = _start(script, cwd, log)
    try:
        _wait_health(base)
        page.goto(base)
        ready(page)
        return time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)


def _wait_health(base: str) -> None:
    import urllib.request

    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.02)


def fresh_clone_figures(runs: int = RUNS) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    start = machine()
    firsts, seconds, bares = [], [], []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        for i in range(runs):
            cwd = Path(tmp) / f"clone-{i}"
            cwd.mkdir()
            (cwd / ".streamlit").symlink_to(ROOT / ".streamlit")  # the app's own server settings
            log = Path(tmp) / f"app-{i}.log"

            def map_ready(p) -> None:
                p.wait_for_function(_SVG_PAINTED, timeout=120_000)

            firsts.append(_until_painted(page, ROOT / "app.py", cwd, log, map_ready))
            seconds.append(_until_painted(page, ROOT / "app.py", cwd, log, map_ready))
            bares.append(
                _until_painted(
                    page,
                    ROOT / "benchmarks" / "bare_app.py",
                    cwd,
                    Path(tmp) / "bare.log",
                    lambda p: p.get_by_text("Nothing but text.").wait_for(timeout=60_000),
                )
            )
        browser.close()
    return {
        "first_start_to_painted_map_s": summary(firsts, 2),
        "second_start_to_painted_map_s": summary(seconds, 2),
        "baseline_bare_page_start_to_painted_s": summary(bares, 2),
        "first_start_ratio_to_bare": round(statistics.median(firsts) / statistics.median(bares), 2),
        "machine": span(start),
    }


def run(data_dir: Path, runs: int = RUNS) -> dict:
    result = {
        "bundle": bundle_figures(data_dir, runs),
        "import": import_figures(data_dir, runs),
        "fresh_clone": fresh_clone_figures(runs),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    run(
        Path(os.environ.get(settings.DATA_DIR_ENV) or ROOT.parent / "shared" / "data"),
        parser.parse_args().runs,
    )
