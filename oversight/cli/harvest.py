"""``oversight harvest``: new improvement notices and directions from GOV.UK, filed for review.

Asks GOV.UK's Search and Content APIs for DfE's decision pages published since the last run
(``curation/harvest``) and files each new notice or direction to a council as a proposal by the
command line; a reviewer approves or rejects it on the Tracker page, as any proposal. One line per
notice or direction page on standard output (``proposed``, ``skipped`` and why, ``failed`` and why),
then a summary; the requests it makes go to standard error. Exit 1 if the search could not be asked
(nothing was proposed) or a page could not be read (what was proposed stays; the next run asks again).
"""

from __future__ import annotations

import argparse
from typing import Any

from oversight.cli import database
from oversight.cli.common import EXIT_FAILED, EXIT_OK, date_arg, say
from oversight.data.curation import harvest

WORD = {harvest.PROPOSED: "proposed", harvest.SKIPPED: "skipped", harvest.FAILED: "failed"}


def _progress(line: str) -> None:
    say(line, err=True, flush=True)


def _line(outcome: harvest.Outcome) -> str:
    word = f"{WORD[outcome.status]:<9}"
    if outcome.status == harvest.PROPOSED:
        return f"{word} change {outcome.change_id}: {outcome.words}: {outcome.title} <{outcome.link}>"
    return f"{word} {outcome.title} <{outcome.link}>: {outcome.words}"


def cmd_harvest(args: argparse.Namespace) -> int:
    """Ask GOV.UK, file proposals, say what became of each page."""
    engine = database.writing(args.database)
    try:
        run = harvest.harvest(engine, since=args.since, base_url=args.base_url, progress=_progress)
    except harvest.HarvestFailed as exc:
        say(f"oversight harvest: {exc}; nothing was proposed and the last run is unchanged", err=True)
        return EXIT_FAILED
    for outcome in run.outcomes:
        say(_line(outcome))
        for warning in outcome.warnings:  # plausibility: for the reviewer to check, not a refusal
            say(f"{'':<9} warning: {warning}")
    counts = (
        f"{run.count(harvest.PROPOSED)} proposed for review, {run.count(harvest.SKIPPED)} skipped, "
        f"{run.count(harvest.FAILED)} failed; {run.ignored} other DfE decision pages are no notice or direction"
    )
    say(f"GOV.UK decision pages since {run.since.isoformat()} ({run.since_given}): {counts}.")
    if run.truncated:
        say(f"Stopped after {harvest.MAX_RESULTS:,} search results: run again for the rest.")
    if run.next_since is None:
        say(
            "A page could not be read, so the last run is unchanged: run again to ask for it "
            "(what was proposed stays, and is skipped next time).",
            err=True,
        )
        return EXIT_FAILED
    say(f"The next run asks from {run.next_since.isoformat()}.")
    return EXIT_OK


def add_parser(sub: Any, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Register ``oversight harvest`` on the CLI's subparsers (``common`` adds ``--database``)."""
    p = sub.add_parser(
        "harvest",
        parents=[common],
        help="file new improvement notices and directions published on GOV.UK as proposals for review",
        description=(
            "Ask GOV.UK's Search and Content APIs for DfE decision pages published since the last run "
            "(or --since) and file each new improvement notice or direction to a council as a proposal "
            "made by the command line. Nothing is applied until a reviewer approves it."
        ),
    )
    p.add_argument(
        "--since",
        type=date_arg,
        metavar="YYYY-MM-DD",
        default=None,
        help="ask for pages published or updated on or after this day (default: the last run's day, else a year ago)",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        default=harvest.DEFAULT_BASE_URL,
        help=f"where GOV.UK's APIs are asked (default: {harvest.DEFAULT_BASE_URL}); links always name www.gov.uk",
    )
    p.set_defaults(func=cmd_harvest)
    return p
