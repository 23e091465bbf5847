"""``oversight changes``: what changed between two dates (issue 12), grouped, dated and sourced.

Text by default (each group with its count; each line dated, the authority, the words, the source
title and link); ``--json`` the digest's stable structure (``Digest.as_dict``, described in the
README); ``--csv`` one row per line, every cell neutralised against spreadsheet formulas.
"""

from __future__ import annotations

import argparse
import csv
import json
from typing import Any, NoReturn

from oversight.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    csv_stream,
    date_arg,
    emit_json,
    json_default,
    region_arg,
    say,
)
from oversight.components.figures.safe_text import terminal
from oversight.data import bootstrap
from oversight.data.domain.digest import ChangeLine, Digest, long_date
from oversight.data.domain.text import csv_cell
from oversight.data.store.changes import changes_between, default_until

#: The CSV's columns, in order.
CSV_COLUMNS = (
    "date",
    "group",
    "kind",
    "subkind",
    "code",
    "name",
    "region_code",
    "words",
    "before",
    "after",
    "months",
    "estimated",
    "derived",
    "caveat",
    "source_title",
    "source_url",
    "source_publisher",
    "dated",
)


def cmd_changes(args: argparse.Namespace) -> int:
    engine = bootstrap.ready_engine(args.database)
    until = args.until or default_until(engine, args.since)
    if until < args.since:
        problem = (
            f"--until {until.isoformat()} is before --since {args.since.isoformat()}"
            if args.until
            else f"--since {args.since.isoformat()} is after today ({until.isoformat()}); give --until"
        )
        say(f"oversight changes: error: {problem}", err=True)
        return EXIT_USAGE
    digest = changes_between(engine, args.since, until, args.region)
    if args.json:
        emit_json(json.dumps(digest.as_dict(), default=json_default, indent=2, ensure_ascii=False))
    elif args.csv:
        write_csv(digest, csv_stream())
    else:
        print_text(digest)
    return EXIT_OK


def csv_row(line: ChangeLine) -> list[Any]:
    """One line as CSV cells; text from outside (names, titles, words) can never be a formula."""
    values = {
        "date": line.date.isoformat(),
        "group": line.group_label,
        "kind": line.kind,
        "subkind": line.subkind or "",
        "code": line.code,
        "name": line.name,
        "region_code": line.region_code,
        "words": line.words,
        "before": line.before or "",
        "after": line.after or "",
        "months": "" if line.months is None else f"{line.months:.1f}",
        "estimated": "yes" if line.estimated else "no",
        "derived": "yes" if line.derived else "no",
        "caveat": line.caveat or "",
        "source_title": line.source.title,
        "source_url": line.source.url or "",
        "source_publisher": line.source.publisher or "",
        "dated": line.dated.isoformat() if line.dated else "",
    }
    return [csv_cell(values[c]) for c in CSV_COLUMNS]


def write_csv(digest: Digest, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for group in digest.groups:
        for line in group.lines:
            writer.writerow(csv_row(line))


def print_text(digest: Digest) -> None:
    say(terminal(digest.as_at_words))
    say(f"{digest.total} changes.")
    for group in digest.groups:
        say()
        say(f"{group.label} ({group.count})")
        for line in group.lines:
            # A derived grade is not an estimate: its caveat is shown without "estimated:".
            prefix = "estimated: " if line.estimated and not line.derived else ""
            shown = (line.estimated or line.derived) and line.caveat
            flag = f" [{prefix}{terminal(line.caveat)}]" if shown else ""
            say(
                f"  {long_date(line.date)}  {terminal(line.name)} ({line.code})  {terminal(line.words)}{flag}"
            )
            link = f" <{terminal(line.source.url)}>" if line.source.url else ""
            say(f"      source: {terminal(line.source.title)}{link}")


def _one_line_error(parser: argparse.ArgumentParser):
    """A usage error as one line (``oversight changes: error: …``), exit 2, without the usage text."""

    def error(message: str) -> NoReturn:
        parser.exit(EXIT_USAGE, f"{parser.prog}: error: {message}\n")

    return error


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``oversight changes`` (``common`` adds ``--database``)."""
    p = sub.add_parser(
        "changes",
        parents=[common],
        help="what changed between two dates: judgements, spells, interventions, visits, events, "
        "clocks, boundary changes",
    )
    p.error = _one_line_error(p)  # type: ignore[method-assign]
    p.add_argument(
        "--since",
        type=date_arg,
        required=True,
        metavar="YYYY-MM-DD",
        help="first day of the window (included)",
    )
    p.add_argument(
        "--until",
        type=date_arg,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day of the window (included); default: today",
    )
    p.add_argument(
        "--region", type=region_arg, metavar="CODE", default=None, help="an ONS region code, e.g. E12000005"
    )
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print the digest as JSON")
    fmt.add_argument("--csv", action="store_true", help="print one CSV row per change")
    p.set_defaults(func=cmd_changes)
