"""``oversight refresh``: download what has an address, check every checksum, import it all at once.

One step from the publishers to the database: ``downloads.fetch`` puts each registry file with a
known address into the data directory, checked by its sha256 (or normalised, for ONS boundaries);
then every importable file of the data directory (``downloads.refresh.importable_files``) goes to
``importer.import_paths`` in one call, which is one transaction. Nothing is rebuilt by hand.

Progress is one line per file on standard error (``downloading``, ``checked``, ``skipped``,
``importing``); the import's summary goes to standard output, as ``oversight import`` prints it.
Any failure (a download, a checksum, an import refusal, a database out of reach) is one line naming
the file and why, exit code 1, before anything is written to the database; if a download fails
nothing is imported. A file whose publisher rewrites it (the community scrape) is put back as it
was when the refresh fails, so the data directory still matches the unchanged database.

Run by a timer (``deploy/systemd``, ``deploy/cron``), a refresh is read by a monitor, so every run
ends with exactly one line on standard error that starts ``oversight refresh: `` (the journal's
one line per run): ``ok, 3 of 7 files imported in 12.3 s``, ``ok, nothing new: all 7 files
already imported (2.1 s)``, or the failure's line; with exit codes 0 (ok, new or not), 1 (failed,
nothing changed), 2 (usage: no data directory, a wrong option).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from oversight.cli import database, debugging, describe
from oversight.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say
from oversight.data import settings
from oversight.data.domain.text import terminal
from oversight.data.downloads.checksums import ChecksumMismatch
from oversight.data.downloads.fetch import FAILED, MIRROR_ENV, NO_URL, Result, fetch
from oversight.data.downloads.refresh import KeptVersions, importable_files
from oversight.data.downloads.registry import Entry, FetchError, load_registry
from oversight.data.sources.importer import RunSummary, import_paths
from oversight.data.sources.records import ImportRefused

UNCHANGED = "nothing was imported; the database is unchanged"
#: How every run's last line on standard error begins: what a monitor reads from the journal.
SUMMARY = "oversight refresh: "


def _say(word: str, text: str) -> None:
    say(f"{word:<11} {text}", err=True, flush=True)


def _downloading(target: str, url: str) -> None:
    _say("downloading", f"{target} from {url}")


def _checked(result: Result) -> None:
    if result.status == NO_URL:
        _say("skipped", f"{result.target}: absent, nothing to import from it ({result.message})")
    elif result.status == FAILED:
        _say("failed", result.target)  # why: the line that ends the refresh
    else:
        _say("checked", f"{result.target}: {result.message}")


def _fail(kept: KeptVersions, why: str) -> int:
    """One line naming the file and why; rewritable files put back as they were."""
    restored = kept.restore()
    back = "".join(f"; {done}" for done in restored)
    say(f"{SUMMARY}{' '.join(why.split())}; {UNCHANGED}{back}", err=True)
    return EXIT_FAILED


def _done(summaries: list[RunSummary], started: float) -> None:
    """The run's one line for a monitor: how many files were new, of how many, and how long it took."""
    seconds = time.monotonic() - started
    new = sum(not s.skipped_as_already_imported for s in summaries)
    if new:
        say(f"{SUMMARY}ok, {new} of {len(summaries)} files imported in {seconds:.1f} s", err=True)
    else:
        say(
            f"{SUMMARY}ok, nothing new: all {len(summaries)} files already imported ({seconds:.1f} s)",
            err=True,
        )


def _print_summaries(summaries: list[RunSummary], data_dir: Path) -> None:
    """The import's summary, line for line as ``oversight import`` prints it, then one line in all."""
    for summary in summaries:
        if summary.skipped_as_already_imported:
            say(
                f"{terminal(summary.file_name)}: already imported, nothing changed ({summary.rows_read} rows read)"
            )
            continue
        say(
            f"{terminal(summary.file_name)}: {summary.rows_read} rows read, {summary.added} added, "
            f"{summary.updated} updated, {summary.unchanged} unchanged"
        )
        for table in summary.tables:
            say(f"  table: {table}")
        for line in summary.disagreements:
            say(f"  disagrees: {line}")
    new = [s for s in summaries if not s.skipped_as_already_imported]
    if not new:
        say(f"nothing changed: all {len(summaries)} files of {data_dir} were already imported")
    else:
        say(f"refreshed from {data_dir}: {len(new)} of {len(summaries)} files imported")


def cmd_refresh(args: argparse.Namespace) -> int:
    """Download, check, then import every importable file in one transaction; any failure changes nothing."""
    started = time.monotonic()
    data_dir = settings.data_dir(args.data_dir)
    if data_dir is None:
        say(f"{SUMMARY}No data directory: pass --data-dir DIR or set {settings.DATA_DIR_ENV}", err=True)
        return EXIT_USAGE
    try:
        registry = load_registry()
        data_dir.mkdir(parents=True, exist_ok=True)
        kept = KeptVersions.before(data_dir, registry)
    except (FetchError, OSError) as exc:  # a broken registry, a data directory it may not write
        if debugging(args):
            raise
        say(f"{SUMMARY}{describe(exc, args)}; {UNCHANGED}", err=True)
        return EXIT_FAILED
    try:
        return _refresh(args, data_dir, registry, kept, started)
    except Exception as exc:  # noqa: BLE001 - a database out of reach, a full disk: still the run's one line
        if debugging(args):
            raise
        return _fail(kept, describe(exc, args))


def _refresh(
    args: argparse.Namespace, data_dir: Path, registry: list[Entry], kept: KeptVersions, started: float
) -> int:
    results: list[Result] = []
    try:
        for entry in registry:  # one at a time, so each file's "checked" line follows its download
            results += fetch(data_dir, base_url=args.mirror, progress=_downloading, registry=[entry])
            _checked(results[-1])
    except ChecksumMismatch as exc:
        return _fail(kept, exc.one_line())
    except FetchError as exc:
        return _fail(kept, str(exc))
    failed = [r for r in results if r.status == FAILED]
    if failed:  # every failed download in the one line, so a monitor's line says them all
        return _fail(kept, "; ".join(r.message for r in failed))

    paths = importable_files(data_dir)
    if not paths:
        return _fail(kept, f"{data_dir}: no file to import (no Ofsted release, neighbours CSV or scrape)")
    engine = database.writing(args.database)
    for path in paths:
        _say("importing", str(path.relative_to(data_dir)))
    try:
        summaries = import_paths(engine, paths)
    except ImportRefused as exc:
        more = f" (and {len(exc.problems) - 25} more)" if len(exc.problems) > 25 else ""
        return _fail(kept, "import refused: " + " | ".join(exc.problems[:25]) + more)
    _print_summaries(summaries, data_dir)
    _done(summaries, started)
    return EXIT_OK


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``oversight refresh`` on the CLI's subparsers (``common`` adds ``--database``)."""
    p = sub.add_parser(
        "refresh",
        parents=[common],
        help="download the public files, check their checksums and import them all in one transaction",
        description=(
            "Download every file of data/reference/downloads.csv that has an address into the data directory, "
            "check each one's sha256, then import every Ofsted release, DfE neighbours CSV and community scrape "
            "found there in one transaction. Any failure leaves the database as it was."
        ),
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"the data directory (default: ${settings.DATA_DIR_ENV})",
    )
    p.add_argument(
        "--mirror",
        metavar="URL",
        default=None,
        help=f"fetch every file from URL/<target> instead of its publisher (default: ${MIRROR_ENV})",
    )
    p.set_defaults(func=cmd_refresh)
    return p
