"""``oversight download``: fill the data directory from the publishers, checked by sha256."""

from __future__ import annotations

import argparse
from typing import Any

from oversight.cli.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, say
from oversight.data import settings
from oversight.data.downloads.fetch import MIRROR_ENV, fetch, status
from oversight.data.downloads.registry import FetchError, UnknownTarget


def cmd_download(args: argparse.Namespace) -> int:
    """``oversight download``: fetch and check the public files, or with ``--check`` only check them."""
    data_dir = settings.data_dir(args.data_dir)
    if data_dir is None:
        say(f"No data directory: pass --data-dir DIR or set {settings.DATA_DIR_ENV}", err=True)
        return EXIT_USAGE
    try:
        if args.check:
            rows = status(data_dir, only=args.only)
            for row in rows:
                say(f"{row.state:<9} {row.target}  {row.note}".rstrip())
            bad = [r for r in rows if not r.ok]
            say(f"{len(rows) - len(bad)} of {len(rows)} files present and not contradicted ({data_dir})")
            return EXIT_FAILED if bad else EXIT_OK
        results = fetch(data_dir, only=args.only, base_url=args.mirror, progress=_downloading)
    except UnknownTarget as exc:
        say(str(exc), err=True)
        return EXIT_USAGE
    except FetchError as exc:
        say(str(exc), err=True)
        return EXIT_FAILED
    for result in results:
        say(f"{result.status:<10} {result.target}  {result.message}", err=not result.ok)
    failed = [r for r in results if not r.ok]
    return EXIT_FAILED if failed else EXIT_OK


def _downloading(target: str, url: str) -> None:
    say(f"downloading {url}", err=True, flush=True)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``oversight download`` on the CLI's subparsers (``build_parser`` calls this)."""
    p = subparsers.add_parser(
        "download",
        help="download the public data files into the data directory, checked by sha256",
        description=(
            "Download Ofsted, DfE and ONS files listed in data/reference/downloads.csv into the data "
            "directory, check each one's sha256, and normalise ONS boundaries into boundaries/utla_YYYY.geojson."
        ),
    )
    p.add_argument(
        "--data-dir",
        metavar="DIR",
        default=None,
        help=f"the data directory (default: ${settings.DATA_DIR_ENV})",
    )
    p.add_argument(
        "--only",
        metavar="TARGET",
        action="append",
        default=None,
        help="only this file, as its path in the data directory, e.g. ofsted/LA_Inspection_Outcomes_as_at_March_2024.ods (repeatable)",
    )
    p.add_argument(
        "--mirror",
        metavar="URL",
        default=None,
        help=f"fetch every file from URL/<target> instead (default: ${MIRROR_ENV})",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="download nothing: verify what is present; exit 1 if anything is missing, mismatched or unverifiable",
    )
    p.set_defaults(func=cmd_download)
    return p
