"""Board-pack speed as issue 22 states it, with the machine's load beside every figure.

- **cold command**: ``oversight board-pack --region E12000005 --out pack.pptx --out pack.pdf`` as
  a new process (interpreter, imports, Chromium, the figures, both files, exit), ``RUNS`` times:
  the wall time, and the CPU time of the process and its children (Chromium) — on a shared,
  loaded machine the wall time measures the queue for a core, the CPU time the work; baseline:
  ``python -m oversight.cli --help`` the same way in the same run (the command's imports and
  exit, no work), so the pack's own cost is the difference;
- **England in process**: ``board_pack`` for England as the app's dialog calls it, the first
  (browser starting) and the next ``RUNS`` with the browser running and its images kept
  (what a person gets after their first pack), then one at each of five other dates (every
  figure new, the browser running), wall and this process's CPU; baseline: one tiny new figure
  drawn as PNG by the same running browser, ``RUNS`` times (an image's round trip).

Medians with min, max and runs (``benchmarks/stats.summary``); the machine's load at the start
and the end. ``python -m benchmarks.pack_speed [DATABASE_URL] [--runs R]``: without a URL, a
SQLite file is built from the three shared Ofsted releases as ``benchmarks/board_pack.py`` does
(several minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.baselines import cli_help, command, image_round_trips, span
from benchmarks.stats import RUNS, machine, summary

ROOT = Path(__file__).resolve().parents[1]
REGION = "E12000005"  # West Midlands
AS_AT = dt.date(2024, 6, 30)
#: England packs at other dates after the first (new figures, the browser already running).
OTHER_DATES = tuple(
    dt.date.fromisoformat(d) for d in ("2015-03-31", "2018-05-17", "2021-03-31", "2023-03-31", "2026-08-20")
)
TARGET_S = 5.0


def cold_command(url: str, data_dir: Path, folder: Path, runs: int = RUNS) -> dict:
    argv = [sys.executable, "-m", "oversight.cli", "board-pack", "--database", url, "--quiet"]
    argv += ["--region", REGION, "--as-at", AS_AT.isoformat(), "--data-dir", str(data_dir)]
    argv += ["--out", str(folder / "pack.pptx"), "--out", str(folder / "pack.pdf")]
    walls, cpus = command(argv, runs)
    return {
        "wall_s": summary(walls, 2),
        "cpu_s": summary(cpus, 2),
        "baseline_oversight_help": cli_help(runs),
        "target_s": TARGET_S,
    }


def england_in_process(url: str, data_dir: Path, folder: Path, runs: int = RUNS) -> dict:
    from oversight.components.reports.board_pack import PackRequest, board_pack, image_server
    from oversight.data import bootstrap

    engine = bootstrap.ready_engine(url)
    outs = [folder / "england.pptx", folder / "england.pdf"]
    packs: list[tuple[float, float]] = []
    others: list[tuple[float, float]] = []
    with image_server():
        for _ in range(runs + 1):
            cpu0, t0 = time.process_time(), time.perf_counter()
            board_pack(engine, PackRequest(None, AS_AT, None, data_dir), outs)
            packs.append((time.perf_counter() - t0, time.process_time() - cpu0))
        # Another date each time: every figure new, only the browser already running.
        for day in OTHER_DATES:
            cpu0, t0 = time.process_time(), time.perf_counter()
            board_pack(engine, PackRequest(None, day, None, data_dir), outs)
            others.append((time.perf_counter() - t0, time.process_time() - cpu0))
        images = image_round_trips(runs)
    bootstrap.forget(url)
    after = packs[1:]
    return {
        "first": {"wall_s": round(packs[0][0], 2), "cpu_s": round(packs[0][1], 2)},
        "after_first_wall_s": summary([w for w, _ in after], 2),
        "after_first_cpu_s": summary([c for _, c in after], 2),
        "another_date_wall_s": summary([w for w, _ in others], 2),
        "another_date_cpu_s": summary([c for _, c in others], 2),
        "baseline_tiny_figure_png_s": summary(images, 3),
        "target_s": TARGET_S,
    }


def run(url: str | None = None, runs: int = RUNS) -> dict:
    from benchmarks.__main__ import DATA_DIR, RELEASES

    start = machine()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if url is None:
            from oversight.data import bootstrap
            from oversight.data.sources.importer import import_paths

            url = f"sqlite:///{folder}/pack-speed.sqlite"
            import_paths(bootstrap.ready_engine(url), RELEASES)
            bootstrap.forget(url)
        result = {
            "cold_command": cold_command(url, DATA_DIR, folder, runs),
            "england_in_process": england_in_process(url, DATA_DIR, folder, runs),
            "machine": span(start),
        }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "database_url", nargs="?", help="a database holding the releases (default: build one)"
    )
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per figure (default {RUNS})")
    args = parser.parse_args()
    run(args.database_url, args.runs)
