"""`oversight`: the command line, the outermost layer beside ``app.py``.

It imports ``oversight.data`` (and, for the board pack, ``oversight.components``); nothing imports
it. Every command that reads or writes the tracker first calls ``bootstrap.ready_engine``, the
explicit migrate-and-seed step, so ``oversight snapshot`` works on a new machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from oversight.cli import board_pack, download, tracker
from oversight.data import settings


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help=f"SQLAlchemy database URL (default: ${settings.DATABASE_ENV}, else the embedded SQLite file)",
    )
    parser = argparse.ArgumentParser(
        prog="oversight",
        description="Intervention oversight dashboard: the authority tracker from the command line.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    tracker.add_parsers(sub, common)
    board_pack.add_parser(sub, common)
    download.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))
