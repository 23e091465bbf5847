"""What every command shares: exit codes, argument types, and the one way to the terminal.

Anything a command prints may hold outside text (a tracker's titles, a file's name, an error
quoting a cell, a name from a sign-in provider), and a terminal obeys what it receives: ESC
sequences recolour the screen, move the cursor or retitle the window; a
C1 ``\\x9b`` is ESC [; a carriage return overwrites the line. So every line for people goes
through ``say`` (control characters shown as their escapes, ``\\x1b``; line breaks kept), JSON
through ``emit_json`` (``\\uXXXX`` escapes: the same values), CSV through ``csv_stream`` (exact
to a file or a pipe, escaped on a terminal), and argparse's own messages through ``Parser``.
``tests/test_cli_text.py`` checks that no other module of the command prints.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import IO, Any, NoReturn

from oversight.data.domain.register import load_regions
from oversight.data.domain.text import json_text, terminal

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def date_arg(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def region_arg(text: str) -> str:
    codes = dict(load_regions())
    if text not in codes:
        raise argparse.ArgumentTypeError(f"not an English region code: {text!r} (one of {', '.join(codes)})")
    return text


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def say(*parts: object, err: bool = False, sep: str = " ", flush: bool = False) -> None:
    """``print`` for every line a command writes for people (standard error with ``err``): any
    control character in it shown as its escape (``domain.text.terminal``), line breaks kept."""
    stream = sys.stderr if err else sys.stdout
    stream.write(terminal(sep.join(str(p) for p in parts), keep="\n") + "\n")
    if flush:
        stream.flush()


def emit_json(dumped: str) -> None:
    """JSON text on standard output, with DEL, C1 and direction controls as ``\\uXXXX``
    escapes (``json.dumps`` escapes C0 itself; ``ensure_ascii=False`` leaves the rest raw)."""
    sys.stdout.write(json_text(dumped) + "\n")


def print_json(payload: Any) -> None:
    emit_json(
        json.dumps(
            payload,
            default=json_default,
            indent=None if isinstance(payload, dict) and len(payload) < 6 else 2,
        )
    )


class _TerminalWriter:
    """A stream whose text is escaped for a terminal (CSV: line breaks and tabs kept)."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(terminal(text, keep="\n\t"))


def csv_stream(stream: IO[str] | None = None) -> IO[str]:
    """Where a command writes CSV: standard output itself when it is a file or a pipe (the data
    exact, for a program or a spreadsheet), escaped when it is a terminal (a person reads it)."""
    stream = sys.stdout if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return _TerminalWriter(stream) if tty else stream  # type: ignore[return-value]


class Parser(argparse.ArgumentParser):
    """argparse's parser, its messages shown as ``say`` shows lines: an invalid choice or an
    unrecognised argument is quoted back, and may hold an escape sequence. (``_print_message``
    is the one method through which argparse writes usage, help and errors; its subparsers are
    made of the parser's own class.)"""

    def error(self, message: str) -> NoReturn:
        """A usage error as one line and exit 2: the usage block argparse prints first buried the
        line that says what is wrong (``--help`` still shows it)."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(terminal(message, keep="\n"))
