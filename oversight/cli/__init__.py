"""`oversight`: the command line, the outermost layer beside ``app.py``.

It imports ``oversight.data`` (and, for the board pack, ``oversight.components``); nothing imports
it. Every command that reads or writes the tracker first calls ``bootstrap.ready_engine``, the
explicit migrate-and-seed step, so ``oversight snapshot`` works on a new machine.

``main`` is the one place a failure becomes words: a database that is locked, read-only or out of
reach, or any other error, is one line on standard error and exit code 1 (2 for a usage error),
never a traceback with SQL and file paths. ``--debug`` or ``OVERSIGHT_DEBUG=1`` lets the exception
through for developers.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence

from oversight.cli.common import EXIT_FAILED, Parser, say
from oversight.data import settings
from oversight.data.curation import notify

DEBUG_ENV = "OVERSIGHT_DEBUG"
EXIT_INTERRUPTED = 130
#: Commands that draw figures: their browser (Chromium loading plotly.js, ~1.6 s) starts before
#: the commands' modules are imported (~0.7 s: pandas, SQLAlchemy, the queries), so the two overlap.
DRAWS_FIGURES = frozenset({"board-pack"})


def build_parser() -> argparse.ArgumentParser:
    # The commands' modules (pandas, SQLAlchemy, the queries) load after ``_start_early``.
    # Lazy: so that a board pack's browser starts first (see ``DRAWS_FIGURES``).
    from oversight.cli import board_pack, bundle, changes, download, harvest, refresh, serve, tracker, users

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database",
        metavar="URL",
        default=None,
        help=(
            f"SQLAlchemy database URL (default: ${settings.DATABASE_ENV} or database_url, from the environment "
            "or ./.streamlit/secrets.toml as the app reads them, else the embedded SQLite file)"
        ),
    )
    parser = Parser(
        prog="oversight",
        description="Intervention oversight dashboard: the authority tracker from the command line.",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help=f"let errors through with their traceback (also ${DEBUG_ENV}=1)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    tracker.add_parsers(sub, common)
    changes.add_parser(sub, common)
    board_pack.add_parser(sub, common)
    download.add_parser(sub)
    refresh.add_parser(sub, common)
    harvest.add_parser(sub, common)
    bundle.add_parser(sub, common)
    users.add_parser(sub, common)
    serve.add_parser(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; any failure is one line on standard error (``--debug``: the traceback)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _start_early(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit:
        _stop_early()
        raise
    debug = args.debug or os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")
    # E-mail settings ([smtp]) from the same secrets file the app reads, for a command that files
    # proposals (harvest, import through review): read only when a message is to be sent.
    notify.use_secrets(settings.read_secrets)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        if debug:
            raise
        say("oversight: interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `oversight spells | head`: the reader left. Point stdout at /dev/null so that Python's
        # own flush at exit does not raise again, and say nothing more.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the one place every failure becomes one line
        if debug:
            raise
        say(f"oversight: {describe(exc, args)}", err=True)
        return EXIT_FAILED


def entry() -> None:
    """The ``oversight`` console script: one command, then the process ends.

    Freezing the heap first spares the interpreter's exit a collection over every object the
    command made (~0.4 s after a board pack); the command has closed its files by then. Not in
    ``main``, which tests call many times in one process."""
    code = main()
    gc.freeze()
    sys.exit(code)


def _start_early(argv: list[str]) -> None:
    """Start the figure renderer now when the command will draw (not for ``--help``); the command
    stops it. A usage error after this exits through the renderer's exit hook."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in DRAWS_FIGURES and not {"-h", "--help"} & set(argv):
        # Lazy: plotly and the renderer only for a command that draws.
        from oversight.components.figures.export import start_renderer

        start_renderer()


def _stop_early() -> None:
    """A usage error after ``_start_early``: close the browser now, in the running interpreter.

    Left to the exit hooks, Python's own clean-up of Chromium's temporary profile could run first,
    while Chromium still wrote to it (``OSError: Directory not empty: 'Default'``, a traceback
    after the usage line), or the close waited on a thread pool already shut (issue 22)."""
    if "oversight.components.figures.export" not in sys.modules:
        return  # nothing was started
    # Lazy: only where ``_start_early`` imported it already.
    from oversight.components.figures.export import renderer

    if renderer().running and not renderer().held:
        renderer().stop()


def describe(exc: Exception, args: argparse.Namespace) -> str:
    """One line for a failed command: the database's state if that is the cause, else the error."""
    # Lazy: SQLAlchemy (~0.15 s) is not imported before ``_start_early`` starts a pack's browser.
    from sqlalchemy.exc import ArgumentError, DBAPIError

    # Lazy: as above.
    from oversight.data.store.errors import classify, hide_passwords, masked

    if isinstance(exc, settings.SettingsError):
        return str(exc)
    url = settings.database_url(args.database) if "database" in args else None
    if url is not None:
        unavailable = classify(exc, url)
        if unavailable is not None:
            return unavailable.one_line()
    first = hide_passwords(" ".join((str(exc).strip().splitlines() or [""])[0].split()))
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or first}: {exc.filename}"
    if url is not None and isinstance(exc, ArgumentError):
        return f"not a usable database URL ({masked(url)}): {first}"
    if url is not None and isinstance(exc, DBAPIError):
        return f"the database ({masked(url)}) answered with an error: {first}"
    return f"unexpected error ({type(exc).__name__}): {first} (set {DEBUG_ENV}=1 for the traceback)"
