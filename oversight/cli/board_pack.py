"""``oversight board-pack``: the pictures layer's board pack from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from oversight.cli.common import EXIT_FAILED, EXIT_OK
from oversight.data import bootstrap, settings


def cmd_board_pack(args: argparse.Namespace) -> int:
    # The CLI is the outermost layer: it may call the pictures layer to lay out a pack.

    from oversight.components.reports.board_pack import PackRequest, board_pack

    engine = bootstrap.ready_engine(args.database)
    request = PackRequest(args.region, args.as_at, args.authority, settings.data_dir(args.data_dir))
    outs = [Path(p) for p in args.out]

    def progress(fraction: float, message: str) -> None:
        if not args.quiet:
            print(f"[{fraction:4.0%}] {message}", file=sys.stderr)

    try:
        slides = board_pack(engine, request, outs, progress)
    except ValueError as exc:
        print(f"board-pack: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for out in outs:
        print(f"{out}: {len(slides)} slides")
    return EXIT_OK
