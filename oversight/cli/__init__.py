"""`oversight`: the command line, the outermost layer beside ``app.py``.

It imports ``oversight.data`` (and, for the board pack, ``oversight.components``); nothing imports
it. Every command that reads or writes the tracker first calls ``bootstrap.ready_engine``, the
explicit migrate-and-seed step, so ``oversight snapshot`` works on a new machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from oversight.cli import download
from oversight.cli.board_pack import cmd_board_pack
from oversight.cli.common import date_arg, region_arg
from oversight.cli.tracker import (
    cmd_authority,
    cmd_db,
    cmd_deadlines,
    cmd_import,
    cmd_snapshot,
    cmd_spells,
)
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

    p = sub.add_parser(
        "import", parents=[common], help="import Ofsted releases (.ods/.xlsx) and tracker CSV files"
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="files to import, all in one transaction")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("snapshot", parents=[common], help="latest judgements as at a date (DOMAIN §3)")
    p.add_argument(
        "--as-at", type=date_arg, required=True, metavar="YYYY-MM-DD", help="reports published on or before"
    )
    p.add_argument(
        "--region", type=region_arg, metavar="CODE", default=None, help="an ONS region code, e.g. E12000004"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("spells", parents=[common], help="every inadequate spell (DOMAIN §3)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument(
        "--csv", action="store_true", help="print CSV: code,name,start,end,months,exit_grade (default)"
    )
    fmt.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--region", type=region_arg, metavar="CODE", default=None, help="an ONS region code")
    p.add_argument(
        "--framework", choices=["sif", "ilacs"], default=None, help="framework of the inadequate judgement"
    )
    p.add_argument(
        "--summary",
        action="store_true",
        help="print the Kaplan-Meier summary as JSON: spells, closed, open, median_months, median_ci",
    )
    p.set_defaults(func=cmd_spells)

    p = sub.add_parser(
        "authority", parents=[common], help="one authority's facts in date order, with sources"
    )
    p.add_argument("code", help="ONS code (any it has had) or DfE 3-digit code")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_authority)

    p = sub.add_parser(
        "deadlines", parents=[common], help="expected dates after an inadequate report (DOMAIN §4)"
    )
    p.add_argument(
        "--published", type=date_arg, required=True, metavar="YYYY-MM-DD", help="report publication date"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_deadlines)

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
        "--out",
        action="append",
        required=True,
        metavar="FILE",
        help="FILE.pptx or FILE.pdf; repeat for both (images are made once)",
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

    p = sub.add_parser("db", parents=[common], help="database maintenance")
    p.add_argument("action", choices=["upgrade", "status"], help="upgrade: apply Alembic migrations")
    p.set_defaults(func=cmd_db)

    download.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))
