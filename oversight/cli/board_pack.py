"""``oversight board-pack``: the pictures layer's board pack from the command line.

``cli.main`` starts the image renderer (Chromium with plotly.js, ~1.6 s) before the pack's modules
are imported (pandas, plotly, the queries, ~0.7 s), so the two overlap: this module imports
nothing heavy at the top.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from oversight.cli.common import EXIT_FAILED, EXIT_OK, date_arg, region_arg, say
from oversight.components.figures.export import renderer
from oversight.data import settings


def cmd_board_pack(args: argparse.Namespace) -> int:
    try:
        return _make(args)
    finally:
        if not renderer().held:  # started by ``cli.main`` before the imports; gone with the pack
            renderer().stop()


def _make(args: argparse.Namespace) -> int:
    # Lazy: imported after ``cli.main`` started the browser, so Chromium's start overlaps them.
    from oversight.components.reports.board_pack import PackRequest, board_pack

    # Lazy: as above (pandas).
    from oversight.components.reports.slides import RenderError

    # Lazy: as above (SQLAlchemy, the migrations).
    from oversight.data import bootstrap

    outs = [Path(p) for p in args.out]
    problem = _unwritable(outs)
    if problem:
        say(f"board-pack: {problem}", err=True)
        return EXIT_FAILED
    engine = bootstrap.ready_engine(args.database)
    request = PackRequest(
        args.region,
        args.as_at,
        args.authority,
        settings.data_dir(args.data_dir),
        since=args.since,
        full_table=args.full_table,
    )

    def progress(fraction: float, message: str) -> None:
        if not args.quiet:
            say(f"[{fraction:4.0%}] {message}", err=True)

    try:
        slides = board_pack(engine, request, outs, progress)
    except (ValueError, RenderError) as exc:
        say(f"board-pack: {exc}", err=True)
        return EXIT_FAILED
    for out in outs:
        say(
            f"{out}: "
            + ("every authority's row" if out.suffix.lower() == ".csv" else f"{len(slides)} slides")
        )
    return EXIT_OK


def _unwritable(outs: list[Path]) -> str | None:
    """Why a requested file could not be written, found before the pack is made (seconds of work
    for nothing), or None. The folder is made here, as the writers would."""
    for out in outs:
        if out.suffix.lower() not in (".pptx", ".pdf", ".csv"):
            return f"{out.name}: a board pack is .pptx or .pdf (and its full table .csv)"
        if out.is_dir():
            return f"{out} is a folder, not a file"
        existed = out.exists()
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("ab"):
                pass
        except OSError as exc:
            return f"cannot write {out}: {exc.strerror or exc}"
        if not existed:
            out.unlink(missing_ok=True)
    return None


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``oversight board-pack`` (``common`` adds ``--database``)."""
    p = sub.add_parser(
        "board-pack", parents=[common], help="a slide deck (.pptx) and/or PDF for a board meeting"
    )
    p.add_argument(
        "--region",
        type=region_arg,
        metavar="CODE",
        default=None,
        help="an ONS region code (default: England)",
    )
    p.add_argument(
        "--as-at", type=date_arg, required=True, metavar="YYYY-MM-DD", help="the date the pack shows"
    )
    p.add_argument(
        "--since",
        type=date_arg,
        default=None,
        metavar="YYYY-MM-DD",
        help="the last meeting: the second slide lists what changed from this day to --as-at "
        "(default: 8 weeks before --as-at)",
    )
    p.add_argument(
        "--out",
        action="append",
        required=True,
        metavar="FILE",
        help="FILE.pptx or FILE.pdf; repeat for both (images are made once); FILE.csv: every authority's row",
    )
    p.add_argument(
        "--full-table",
        action="store_true",
        help="add the appendix: every authority in the table and each open inadequate spell's timeline "
        "with its clocks (by default a pack lists the authorities in intervention: England at most 12 "
        "pages, a region 8)",
    )
    p.add_argument("--authority", metavar="CODE", default=None, help="a pack for one authority (ONS code)")
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"public data folder with boundaries (default: ${settings.DATA_DIR_ENV}; tiles without it)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress lines on standard error")
    p.set_defaults(func=cmd_board_pack)
