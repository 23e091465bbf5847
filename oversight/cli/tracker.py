"""Commands on the tracker: import, snapshot, spells, authority, deadlines, db, tracker export."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections import Counter
from typing import Any

from oversight.cli import database
from oversight.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    csv_stream,
    date_arg,
    emit_json,
    json_default,
    print_json,
    region_arg,
    say,
)
from oversight.components.figures.safe_text import csv_cell, terminal
from oversight.data import bootstrap
from oversight.data.curation import history
from oversight.data.curation.export import export_tracker_csv
from oversight.data.domain.clocks import deadlines
from oversight.data.domain.survival import km_summary
from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.store import engine as engines
from oversight.data.store import migrate, queries, story
from oversight.data.store.record_gaps import record_gaps


def cmd_import(args: argparse.Namespace) -> int:

    engine = database.writing(args.database)
    try:
        summaries = import_paths(engine, args.paths)
    except ImportRefused as exc:
        say(str(exc), err=True)
        return EXIT_FAILED
    for summary in summaries:
        if summary.skipped_as_already_imported:
            say(
                f"{terminal(summary.file_name)}: already imported, nothing changed ({summary.rows_read} rows read)"
            )
        else:
            say(
                f"{terminal(summary.file_name)}: {summary.rows_read} rows read, {summary.added} added, "
                f"{summary.updated} updated, {summary.unchanged} unchanged"
            )
            for table in summary.tables:
                say(f"  table: {table}")
            for line in summary.disagreements:
                say(f"  disagrees: {line}")
    return EXIT_OK


def cmd_snapshot(args: argparse.Namespace) -> int:
    engine = bootstrap.ready_engine(args.database)
    result = queries.snapshot(engine, args.as_at, args.region)
    if args.json:
        emit_json(json.dumps(result))
        return EXIT_OK
    say(f"Latest Ofsted judgement as at {args.as_at:%d %B %Y} (reports published on or before that date)")
    say(f"  inspected: {result['inspected']}, not yet inspected: {result['not_inspected']}")
    for grade, count in result["counts"].items():
        say(f"  {grade}: {count}")
    return EXIT_OK


SPELL_COLUMNS = ("code", "name", "start", "end", "months", "exit_grade")


def cmd_spells(args: argparse.Namespace) -> int:
    engine = bootstrap.ready_engine(args.database)
    frame = queries.inadequate_spells(engine, args.region)
    if args.framework:
        frame = frame[frame["framework"] == args.framework]
    if args.summary:
        summary = km_summary(frame["months_exact"].tolist(), (~frame["open"].astype(bool)).tolist())
        emit_json(json.dumps(summary.as_dict()))
        return EXIT_OK
    if args.json:
        print_json(frame[list(SPELL_COLUMNS) + ["open", "censored_at"]].to_dict(orient="records"))
        return EXIT_OK
    writer = csv.writer(csv_stream(), lineterminator="\n")
    writer.writerow(SPELL_COLUMNS)
    for row in frame.itertuples(index=False):
        writer.writerow(
            [
                csv_cell(row.code),
                csv_cell(row.name),  # a CSV may be opened in a spreadsheet: never a formula
                row.start.isoformat(),
                row.end.isoformat() if row.end else "",
                f"{row.months:.1f}",
                csv_cell(row.exit_grade or ""),
            ]
        )
    return EXIT_OK


def cmd_authority(args: argparse.Namespace) -> int:
    engine = bootstrap.ready_engine(args.database)
    info = story.find_authority(engine, args.code)
    if info is None:
        say(
            f"No authority with code {args.code!r} (ONS 9-character code or DfE 3-digit code)",
            err=True,
        )
        return EXIT_FAILED
    facts = story.authority_facts(engine, info.id)
    as_at = args.as_at or dt.date.today()
    ceased, clocks = _clocks(engine, info.code, as_at)
    payload = {
        "authority": info.as_dict(),
        "facts": [f.as_dict() for f in facts],
        "clocks": {
            "as_at": as_at,
            "ceased": ceased,
            "items": [{**e.as_dict(), "words": e.words(as_at)} for e in (clocks.items if clocks else ())],
        },
    }
    if args.json:
        emit_json(json.dumps(payload, default=json_default, indent=2))
        return EXIT_OK
    say(f"{info.name} ({info.code}, DfE {info.dfe_code}), {info.region}")
    for fact in facts:
        when = fact.date.isoformat() if fact.date else "?"
        grade = fact.overall_effectiveness or fact.level or fact.theme or ""
        # Tracker text is only text: no escape sequence from a CSV reaches the terminal.
        cited = "; ".join(terminal(x.title) for x in fact.sources)  # every source, its own first
        say(f"  {when}  {fact.type:<12} {terminal(fact.label)}  {terminal(grade)}  [{cited}]")
    if ceased:
        say(f"Clocks as at {as_at.isoformat()}: {ceased}")
    elif clocks is None:
        say(f"Clocks as at {as_at.isoformat()}: no open inadequate spell")
    else:
        say(f"Clocks of the open inadequate spell as at {as_at.isoformat()} (DOMAIN §4):")
        for e in clocks.items:
            say(f"  {e.date.isoformat()}  {e.label}: {e.words(as_at)}")
    return EXIT_OK


def _clocks(engine: Any, code: str, as_at: dt.date) -> tuple[str | None, Any]:
    """The page's clocks for one authority on ``as_at``: the ceased line, or the open spell's
    clocks (met / missed / overdue / not in the data / due), by the figures' one rule."""
    # Lazy: the timeline module brings plotly (~0.5 s), for this command only.
    from oversight.components.figures.timeline import ceased_words, story_clocks

    whole = story.authority_story(engine, code)
    if whole is None:
        return None, None
    ceased = ceased_words(whole, as_at)
    info = whole.authority
    return ceased, None if ceased else story_clocks(whole, min(as_at, info.existed_to or as_at))


def cmd_deadlines(args: argparse.Namespace) -> int:

    result = deadlines(args.published)
    if args.json:
        emit_json(json.dumps(result.as_dict()))
        return EXIT_OK
    say(f"Inadequate report published {args.published:%d %B %Y} (expected dates, DOMAIN §4):")
    say(f"  action plan due (70th working day): {result.action_plan_due:%d %B %Y}")
    say(f"  first monitoring visit by:          {result.first_monitoring_visit_by:%d %B %Y}")
    say(f"  re-inspection expected from:        {result.reinspection_expected_from:%d %B %Y}")
    say(f"  re-inspection expected by:          {result.reinspection_expected_by:%d %B %Y}")
    return EXIT_OK


def cmd_db(args: argparse.Namespace) -> int:
    engine = engines.get_engine(args.database)
    if args.action == "upgrade":
        migrate.upgrade(engine)
        database.name(args.database)
        say(
            f"database at revision {migrate.current_revision(engine)} ({engine.url.render_as_string(hide_password=True)})"
        )
        return EXIT_OK
    say(f"revision {migrate.current_revision(engine) or 'none'}; head {migrate.head_revision()}")
    return EXIT_OK


def cmd_tracker_export(args: argparse.Namespace) -> int:
    """The whole curated tracker as a tracker CSV: to standard output, or to ``--out FILE``."""
    engine = bootstrap.ready_engine(args.database)
    text = export_tracker_csv(engine)
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        say(f"{args.out}: {len(text.splitlines()) - 1} facts", err=True)
    else:
        csv_stream().write(text)
    return EXIT_OK


def cmd_tracker_verify(args: argparse.Namespace) -> int:
    """Recompute the history's hash chain; exit 1 naming the first row that does not fit."""
    engine = bootstrap.ready_engine(args.database)
    result = history.verify(engine, args.expect)
    at = f"{result.head_at:%Y-%m-%d %H:%M} UTC" if result.head_at else "no entries yet"
    if result.broken is not None:
        say(f"The history does not fit its chain: {result.broken}.", err=True)
        return EXIT_FAILED
    if result.expected_found is False:
        say(
            f"The history fits its chain, but {args.expect} is not one of its entries: the history was "
            "rewritten since that hash was noted, or it was noted from another database.",
            err=True,
        )
        return EXIT_FAILED
    say(f"The history fits its chain: {result.entries} entries; head {result.head_hash} ({at}).")
    if result.expected_found:
        say(f"{args.expect.strip().lower()} is one of its entries: the history up to it is unchanged.")
    return EXIT_OK


GAP_COLUMNS = ("kind", "authority_code", "authority_name", "date", "explained", "words")


def cmd_tracker_gaps(args: argparse.Namespace) -> int:
    """What the record does not yet say (``domain/gaps``): one line per gap, or JSON/CSV."""
    engine = bootstrap.ready_engine(args.database)
    found = record_gaps(engine)
    rows = [
        {
            "kind": g.kind,
            "authority_code": g.authority_code,
            "authority_name": g.authority_name,
            "date": g.date.isoformat() if g.date else "",
            "explained": g.explained,
            "words": g.words,
        }
        for g in found
    ]
    if args.json:
        print_json(rows)
    elif args.csv:
        writer = csv.writer(csv_stream(), lineterminator="\n")
        writer.writerow(GAP_COLUMNS)
        writer.writerows([csv_cell(str(r[c])) for c in GAP_COLUMNS] for r in rows)
    else:
        for r in rows:
            say(f"{r['kind']:<20} {r['authority_name']} ({r['authority_code']}): {r['words']}")
        counts = ", ".join(f"{n} {k}" for k, n in Counter(r["kind"] for r in rows).items())
        say(f"{len(rows)} gaps in the record" + (f" ({counts})" if rows else ""))
    return EXIT_OK


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register this module's commands on the CLI's subparsers (``common`` adds ``--database``)."""
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
    p.add_argument(
        "--as-at",
        type=date_arg,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day its clocks are judged (default: today)",
    )
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

    p = sub.add_parser("tracker", help="the curated tracker as a whole")
    actions = p.add_subparsers(dest="tracker_command", required=True)
    q = actions.add_parser(
        "export",
        parents=[common],
        help="write every curated fact in the tracker CSV format (importing it elsewhere reproduces them)",
    )
    q.add_argument(
        "--csv", action="store_true", help="the tracker CSV format (the default, and the only one)"
    )
    q.add_argument("--out", metavar="FILE", default=None, help="write to FILE instead of standard output")
    q.set_defaults(func=cmd_tracker_export)
    q = actions.add_parser(
        "verify",
        parents=[common],
        help="recompute the history's hash chain; exit 1 naming the first row that does not fit",
    )
    q.add_argument(
        "--expect",
        metavar="HASH",
        default=None,
        help="a head hash noted earlier (the Tracker page shows it): check it is one of the chain's entries",
    )
    q.set_defaults(func=cmd_tracker_verify)
    q = actions.add_parser(
        "gaps",
        parents=[common],
        help="what the record does not yet say: spells with no instrument, starts, ends and links missing",
    )
    fmt = q.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON")
    fmt.add_argument("--csv", action="store_true", help="print CSV: " + ",".join(GAP_COLUMNS))
    q.set_defaults(func=cmd_tracker_gaps)

    p = sub.add_parser("db", parents=[common], help="database maintenance")
    p.add_argument("action", choices=["upgrade", "status"], help="upgrade: apply Alembic migrations")
    p.set_defaults(func=cmd_db)
