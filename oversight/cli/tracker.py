"""Commands on the tracker: import, snapshot, spells, authority, deadlines, db."""

from __future__ import annotations

import argparse
import csv
import json
import sys

from oversight.cli.common import EXIT_FAILED, EXIT_OK, json_default, print_json
from oversight.data import bootstrap
from oversight.data.domain.clocks import deadlines
from oversight.data.domain.survival import km_summary
from oversight.data.sources.importer import import_paths
from oversight.data.sources.records import ImportRefused
from oversight.data.store import engine as engines
from oversight.data.store import migrate, queries


def cmd_import(args: argparse.Namespace) -> int:

    engine = bootstrap.ready_engine(args.database)
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
    engine = bootstrap.ready_engine(args.database)
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
    engine = bootstrap.ready_engine(args.database)
    frame = queries.inadequate_spells(engine, args.region)
    if args.framework:
        frame = frame[frame["framework"] == args.framework]
    if args.summary:
        summary = km_summary(frame["months_exact"].tolist(), (~frame["open"].astype(bool)).tolist())
        print(json.dumps(summary.as_dict()))
        return EXIT_OK
    if args.json:
        print_json(frame[list(SPELL_COLUMNS) + ["open", "censored_at"]].to_dict(orient="records"))
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
    engine = bootstrap.ready_engine(args.database)
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
        print(json.dumps(payload, default=json_default, indent=2))
        return EXIT_OK
    print(f"{info['name']} ({info['code']}, DfE {info['dfe_code']}), {info['region']}")
    for fact in facts:
        when = fact["date"].isoformat() if fact["date"] else "?"
        grade = fact.get("overall_effectiveness") or fact.get("level") or fact.get("theme") or ""
        print(f"  {when}  {fact['type']:<12} {fact['label']}  {grade}  [{fact['source']['title']}]")
    return EXIT_OK


def cmd_deadlines(args: argparse.Namespace) -> int:

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
    engine = engines.get_engine(args.database)
    if args.action == "upgrade":
        migrate.upgrade(engine)
        print(
            f"database at revision {migrate.current_revision(engine)} ({engine.url.render_as_string(hide_password=True)})"
        )
        return EXIT_OK
    print(f"revision {migrate.current_revision(engine) or 'none'}; head {migrate.head_revision()}")
    return EXIT_OK
