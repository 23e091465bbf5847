"""`oversight`: the command line, calling the same functions the pages use.

Every command takes ``--database URL`` (default: the app's own setting) and migrates and
seeds a fresh database on first use, so ``oversight snapshot`` works on a new machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from collections.abc import Sequence
from typing import Any

from data import db, fetch, queries, settings
from data.records import ImportRefused

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _region(text: str) -> str:
    from data.register import load_regions

    codes = dict(load_regions())
    if text not in codes:
        raise argparse.ArgumentTypeError(f"not an English region code: {text!r} (one of {', '.join(codes)})")
    return text


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_json(payload: Any) -> None:
    print(
        json.dumps(
            payload,
            default=_json_default,
            indent=None if isinstance(payload, dict) and len(payload) < 6 else 2,
        )
    )


# Commands -----------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    from data.importer import import_paths

    engine = db.ready_engine(args.database)
    try:
        summaries = import_paths(engine, args.paths)
    except ImportRefused as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    for summary in summaries:
        if summary.skipped_as_already_imported:
            print(f"{summary.file_name}: already imported, nothing changed ({summary.rows_read} rows read)")
        else:
            print(
                f"{summary.file_name}: {summary.rows_read} rows read, {summary.added} added, "
                f"{summary.updated} updated, {summary.unchanged} unchanged"
            )
            for table in summary.tables:
                print(f"  table: {table}")
    return EXIT_OK


def cmd_snapshot(args: argparse.Namespace) -> int:
    engine = db.ready_engine(args.database)
    result = queries.snapshot(engine, args.as_at, args.region)
    if args.json:
        print(json.dumps(result))
        return EXIT_OK
    print(f"Latest Ofsted judgement as at {args.as_at:%d %B %Y} (reports published on or before that date)")
    print(f"  inspected: {result['inspected']}, not yet inspected: {result['not_inspected']}")
    for grade, count in result["counts"].items():
        print(f"  {grade}: {count}")
    return EXIT_OK


SPELL_COLUMNS = ("code", "name", "start", "end", "months", "exit_grade")


def cmd_spells(args: argparse.Namespace) -> int:
    engine = db.ready_engine(args.database)
    frame = queries.inadequate_spells(engine, args.region)
    if args.framework:
        frame = frame[frame["framework"] == args.framework]
    if args.summary:
        from data.survival import km_summary

        summary = km_summary(frame["months_exact"].tolist(), (~frame["open"].astype(bool)).tolist())
        print(json.dumps(summary.as_dict()))
        return EXIT_OK
    if args.json:
        _print_json(frame[list(SPELL_COLUMNS) + ["open", "censored_at"]].to_dict(orient="records"))
        return EXIT_OK
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(SPELL_COLUMNS)
    for row in frame.itertuples(index=False):
        writer.writerow(
            [
                row.code,
                row.name,
                row.start.isoformat(),
                row.end.isoformat() if row.end else "",
                f"{row.months:.1f}",
                row.exit_grade or "",
            ]
        )
    return EXIT_OK


def cmd_authority(args: argparse.Namespace) -> int:
    engine = db.ready_engine(args.database)
    info = queries.find_authority(engine, args.code)
    if info is None:
        print(
            f"No authority with code {args.code!r} (ONS 9-character code or DfE 3-digit code)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    facts = queries.authority_facts(engine, info["id"])
    payload = {"authority": info, "facts": facts}
    if args.json:
        print(json.dumps(payload, default=_json_default, indent=2))
        return EXIT_OK
    print(f"{info['name']} ({info['code']}, DfE {info['dfe_code']}), {info['region']}")
    for fact in facts:
        when = fact["date"].isoformat() if fact["date"] else "?"
        grade = fact.get("overall_effectiveness") or fact.get("level") or fact.get("theme") or ""
        print(f"  {when}  {fact['type']:<12} {fact['label']}  {grade}  [{fact['source']['title']}]")
    return EXIT_OK


def cmd_deadlines(args: argparse.Namespace) -> int:
    from data.clocks import deadlines

    result = deadlines(args.published)
    if args.json:
        print(json.dumps(result.as_dict()))
        return EXIT_OK
    print(f"Inadequate report published {args.published:%d %B %Y} (expected dates, DOMAIN §4):")
    print(f"  action plan due (70th working day): {result.action_plan_due:%d %B %Y}")
    print(f"  first monitoring visit by:          {result.first_monitoring_visit_by:%d %B %Y}")
    print(f"  re-inspection expected from:        {result.reinspection_expected_from:%d %B %Y}")
    print(f"  re-inspection expected by:          {result.reinspection_expected_by:%d %B %Y}")
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    engine = db.get_engine(args.database)
    if args.action == "upgrade":
        db.upgrade(engine)
        print(
            f"database at revision {db.current_revision(engine)} ({engine.url.render_as_string(hide_password=True)})"
        )
        return EXIT_OK
    print(f"revision {db.current_revision(engine) or 'none'}; head {db.head_revision()}")
    return EXIT_OK


def cmd_board_pack(args: argparse.Namespace) -> int:
    # The CLI is the outermost layer: it may call the pictures layer to lay out a pack.
    from pathlib import Path

    from components.board_pack import PackRequest, board_pack

    engine = db.ready_engine(args.database)
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


# Parser ---------------------------------------------------------------------------------------


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
        "--as-at", type=_date, required=True, metavar="YYYY-MM-DD", help="reports published on or before"
    )
    p.add_argument(
        "--region", type=_region, metavar="CODE", default=None, help="an ONS region code, e.g. E12000004"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_snapshot)

    p = sub.add_parser("spells", parents=[common], help="every inadequate spell (DOMAIN §3)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument(
        "--csv", action="store_true", help="print CSV: code,name,start,end,months,exit_grade (default)"
    )
    fmt.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--region", type=_region, metavar="CODE", default=None, help="an ONS region code")
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
        "--published", type=_date, required=True, metavar="YYYY-MM-DD", help="report publication date"
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_deadlines)

    p = sub.add_parser(
        "board-pack", parents=[common], help="a slide deck (.pptx) and/or PDF for a board meeting"
    )
    p.add_argument(
        "--region", type=_region, metavar="CODE", default=None, help="an ONS region code (default: England)"
    )
    p.add_argument("--as-at", type=_date, required=True, metavar="YYYY-MM-DD", help="the date the pack shows")
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

    fetch.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
