"""``oversight bundle``: build, check and load the project's data bundle (``data/bundle``)."""

from __future__ import annotations

import argparse
import filecmp
import tempfile
from pathlib import Path
from typing import Any

from oversight.cli import database
from oversight.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say
from oversight.data import settings
from oversight.data.sources import bundle
from oversight.data.sources.records import ImportRefused
from oversight.data.sources.seed import load_bundle


def _source_dir(args: argparse.Namespace) -> Path | None:
    data_dir = settings.data_dir(args.source)
    if data_dir is None:
        say(f"No data directory: pass --from DIR or set {settings.DATA_DIR_ENV}", err=True)
    return data_dir


def cmd_build(args: argparse.Namespace) -> int:
    """Rebuild the bundle from a data directory; progress on standard error."""
    # Lazy: the build reads spreadsheets and simplifies geometry; other commands need neither.
    from oversight.data.downloads.bundle_build import build

    data_dir = _source_dir(args)
    if data_dir is None:
        return EXIT_USAGE
    try:
        report = build(data_dir, Path(args.out) if args.out else None, progress=_progress)
    except ImportRefused as exc:
        say(str(exc), err=True)
        return EXIT_FAILED
    for name, size in sorted(report.files.items()):
        say(f"{size:>10,}  {name}")
    say(
        f"{report.total_bytes:>10,}  total, from {len(report.inputs)} files and {len(report.vintages)} boundary vintages"
    )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Rebuild into a temporary folder and compare with the bundle: exit 1 if any file differs."""
    # Lazy: as for build.
    from oversight.data.downloads.bundle_build import build

    data_dir = _source_dir(args)
    if data_dir is None:
        return EXIT_USAGE
    committed = Path(args.out) if args.out else bundle.default_dir()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            report = build(data_dir, Path(tmp) / "bundle")
        except ImportRefused as exc:
            say(str(exc), err=True)
            return EXIT_FAILED
        differ = [
            name
            for name in sorted(report.files)
            if not (committed / name).is_file()
            or not filecmp.cmp(committed / name, report.directory / name, shallow=False)
        ]
    for name in differ:
        say(f"differs: {committed / name}", err=True)
    if differ:
        say(f"rebuild with: oversight bundle build --from {data_dir}", err=True)
        return EXIT_FAILED
    say(f"{committed}: identical to a rebuild from {data_dir} ({len(report.files)} files)")
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    """Import the bundle's files a database has not imported yet (first use does this too)."""
    engine = database.writing(args.database)
    try:
        summaries = load_bundle(engine)
    except ImportRefused as exc:
        say(str(exc), err=True)
        return EXIT_FAILED
    if not summaries:
        say("the database already holds every file of the bundle")
    for summary in summaries:
        state = "already imported" if summary.skipped_as_already_imported else f"{summary.added} added"
        say(f"{summary.file_name}: {summary.rows_read} rows read, {state}")
    return EXIT_OK


def _progress(line: str) -> None:
    say(line, err=True, flush=True)


def add_parser(subparsers: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``oversight bundle build|check|load`` (``build_parser`` calls this)."""
    p = subparsers.add_parser(
        "bundle",
        help="build, check or load the project's data bundle (data/bundle)",
        description=(
            "The data bundle holds the rows the importer read from each public file, and every boundary "
            "vintage simplified once, so a fresh clone shows real data with no data directory."
        ),
    )
    sub = p.add_subparsers(dest="bundle_command", required=True)
    for name, func, text in (
        ("build", cmd_build, "rebuild data/bundle from a data directory"),
        ("check", cmd_check, "rebuild into a temporary folder; exit 1 if data/bundle differs"),
    ):
        q = sub.add_parser(name, help=text, description=text)
        q.add_argument(
            "--from",
            dest="source",
            metavar="DIR",
            default=None,
            help=f"the data directory to read (default: ${settings.DATA_DIR_ENV})",
        )
        q.add_argument(
            "--out",
            metavar="DIR",
            default=None,
            help="the bundle folder (default: the package's data/bundle)",
        )
        q.set_defaults(func=func)
    q = sub.add_parser(
        "load",
        parents=[common],
        help="import the bundle's files the database has not imported yet",
        description="Import the bundle's files the database has not imported yet, in one transaction.",
    )
    q.set_defaults(func=cmd_load)
    return p
