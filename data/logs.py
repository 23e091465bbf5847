"""The server's log: one line per action (a save, a decision, an import, a sign-in), in one format.

Several app processes behind a proxy, a scheduled refresh and the command line all write to the
one database; when something went wrong, or someone asks "who approved that, and when?", the
operators read the log of every process together. So each action that writes, or that signs a
person in or out, is one line with the same fields everywhere, made here and nowhere else:

    action=approve change=42 record=intervention fact=17 authority=E08000025 actor=a@b.gov.uk outcome=ok ms=12

* **key=value (logfmt)** by default: one line a person reads in ``journalctl`` or ``grep``s, and
  that log tools (Loki, Grafana, Splunk, Vector) split into fields without configuration.
  ``OVERSIGHT_LOG=json`` writes the same fields as JSON lines instead, for a collector that wants
  JSON; ``OVERSIGHT_LOG=off`` writes no action lines. The message of each record is always the
  key=value line, so tests and any handler a deployment adds see it too.
* **outcome** is ``ok``, ``refused`` (the person was told why: no permission, a conflict, invalid
  values, a refused import) or ``failed`` (an error they were not expecting), with ``error`` the
  exception's class name only: its message may quote a name, a reason or a fact's text.
* **No personal data but the actor's email**: no names, no reasons or comments, no fact text,
  no file names (outside text, which may name someone): ids, codes, counts and the ONS code of
  the council, which the database links to everything else.
* **Nothing from outside can forge a line or a field**: keys are the code's own; a value is
  written bare only when it is letters, digits and ``_.@:/+-`` (so never a space, ``=`` or quote),
  else quoted as a JSON string, ASCII only: a newline, a quote, ``actor=``, a terminal's escape
  or a direction control in it stays inside the quotes as an escape. Values are cut to
  ``MAX_VALUE`` characters.

Where the lines go: the app calls ``configure("kv")`` (``widgets/cache.engine``) and writes them
to standard error, the service's log (systemd's journal, a container's log), unless the host
process has configured logging itself (a root handler: then they go there); ``oversight``
commands write them only when ``OVERSIGHT_LOG`` is set (a scheduled refresh's settings may set it). The
app's other ``oversight.*`` messages (warnings, tracebacks) take the same handler, each one line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import IO, Any

#: The logger of action lines, below the app's ``oversight`` logger.
LOGGER = "oversight.actions"
#: ``kv`` (key=value), ``json`` or ``off``; unset: the app writes ``kv``, a command nothing.
FORMAT_ENV = "OVERSIGHT_LOG"
FORMATS = ("kv", "json", "off")
MAX_VALUE = 200
OK, REFUSED, FAILED = "ok", "refused", "failed"

_log = logging.getLogger(LOGGER)
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
_BARE = re.compile(r"[A-Za-z0-9_.@:/+-]+\Z")
#: Where a record keeps its fields for the JSON formatter.
FIELDS_ATTR = "oversight_fields"
_configured = False
_configuring = threading.Lock()


def _quoted(text: str) -> str:
    """``text`` bare when it is plainly one token, else a JSON string with every non-ASCII
    character, control character and quote escaped (so it ends where it seems to)."""
    if _BARE.match(text):
        return text
    return json.dumps(text, ensure_ascii=True).replace("\x7f", "\\u007f")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def value_text(value: object) -> str:
    """One value as a line holds it (``_quoted``), cut to ``MAX_VALUE`` characters."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        value = value.isoformat(timespec="seconds")
    return _quoted(_cut(str(value)))


def _plain(value: object) -> object:
    """A value as the JSON format holds it: numbers and booleans as they are, the rest as text."""
    if isinstance(value, bool | int | float):
        return value
    return _cut(value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else str(value))


def line(fields: Mapping[str, object]) -> str:
    """The key=value line of ``fields`` in their order, those that are None left out.
    ``ValueError`` for a key that is not lower-case letters, digits and ``_`` (a bug, not data)."""
    parts = []
    for key, value in fields.items():
        if not _KEY.match(key):
            raise ValueError(f"not a log field name: {key!r}")
        if value is not None:
            parts.append(f"{key}={value_text(value)}")
    return " ".join(parts)


def record(
    action: str, outcome: str = OK, *, error: str | None = None, ms: int | None = None, **fields: object
) -> None:
    """Write one action line now: ``action``, the fields, ``outcome``, ``error``, then ``ms``."""
    if not _log.isEnabledFor(logging.INFO):
        return  # nobody listens: the line is not even made
    ordered = {"action": action, **fields, "outcome": outcome, "error": error, "ms": ms}
    ordered = {k: v for k, v in ordered.items() if v is not None}
    _log.info(line(ordered), extra={FIELDS_ATTR: ordered})


@contextmanager
def action(
    name: str, *, refusals: tuple[type[BaseException], ...] = (), **fields: object
) -> Iterator[dict[str, object]]:
    """One line for the action inside the block, written when it ends, with how long it took
    (``ms``). The block may add fields to the dict it is given (a change id once it exists) and
    set ``outcome`` itself. An exception leaves with ``outcome=refused`` when it is one of
    ``refusals`` (what the person is told: no permission, a conflict, invalid values), else
    ``failed``, and ``error`` its class name; it is raised on unchanged."""
    started = time.perf_counter()
    noted: dict[str, object] = dict(fields)
    try:
        yield noted
    except BaseException as exc:
        outcome = REFUSED if isinstance(exc, refusals) else FAILED
        _finish(name, noted, outcome, started, type(exc).__name__)
        raise
    _finish(name, noted, str(noted.pop("outcome", OK)), started)


def _finish(
    name: str, noted: dict[str, object], outcome: str, started: float, error: str | None = None
) -> None:
    noted.pop("outcome", None)
    error = error or (str(noted.pop("error")) if noted.get("error") else None)
    noted.pop("error", None)
    record(name, outcome, error=error, ms=round((time.perf_counter() - started) * 1000), **noted)


def actor_key(actor: Any) -> str | None:
    """The actor as a line names them: their email as the database keeps it (``Actor.key``), the
    command line's operator as "command line"; None for nobody."""
    if actor is None:
        return None
    return getattr(actor, "key", None) or None


# Where the lines go --------------------------------------------------------------------------------


class _Formatter(logging.Formatter):
    """Every ``oversight.*`` record as one line: time, process, level, then the action's fields
    (or the message and any traceback, quoted, for the app's other messages)."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def format(self, record: logging.LogRecord) -> str:
        head: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds")[:-6]
            + "Z",
            "app": "oversight",
            "pid": record.process,
            "level": record.levelname.lower(),
        }
        fields: Mapping[str, object] = getattr(record, FIELDS_ATTR, None) or {}
        whole: dict[str, str] = {}  # another message: kept whole, however long
        if not fields:
            head["logger"] = record.name
            whole["msg"] = record.getMessage()
            if record.exc_info:
                whole["exc"] = self.formatException(record.exc_info)
        if self.kind == "json":
            return json.dumps(
                {**head, **{k: _plain(v) for k, v in fields.items()}, **whole}, ensure_ascii=True
            )
        parts = [line(head), line(fields), *(f"{k}={_quoted(v)}" for k, v in whole.items())]
        return " ".join(p for p in parts if p)


class _StandardError(logging.StreamHandler):
    """Standard error as it is when a line is written (as ``logging.lastResort`` does), so a
    replaced ``sys.stderr`` gets the lines."""

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _: IO[str]) -> None:
        pass


def handler(kind: str = "kv", stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing records in ``kind`` (``kv`` or ``json``) to ``stream`` (standard error)."""
    out: logging.Handler = _StandardError() if stream is None else logging.StreamHandler(stream)
    out.setFormatter(_Formatter(kind))
    out.set_name("oversight-server-log")
    return out


def chosen(default: str) -> str:
    """The format ``OVERSIGHT_LOG`` names, else ``default``; an unknown word counts as ``kv``."""
    word = os.environ.get(FORMAT_ENV, "").strip().lower() or default
    return word if word in FORMATS else "kv"


def configure(default: str = "kv") -> None:
    """Send the ``oversight`` loggers' records to standard error in the chosen format, once per
    process. Nothing when the process already has a root handler (the host configured logging:
    the records go there; and a test's capture is left alone). ``off``: no action lines."""
    global _configured
    if _configured:
        return  # the app calls this on every run: once a process is enough
    with _configuring:  # the first sessions of a new process run at once, each in its thread
        if not _configured:
            _configure(default)
            _configured = True


def _configure(default: str) -> None:
    kind = chosen(default)
    app = logging.getLogger("oversight")
    if kind == "off":
        if os.environ.get(FORMAT_ENV, "").strip():  # asked for: no action lines, whoever listens
            _log.setLevel(logging.WARNING)
        return
    if any(h.get_name() == "oversight-server-log" for h in app.handlers) or logging.getLogger().handlers:
        return
    app.addHandler(handler(kind))
    if app.level == logging.NOTSET or app.level > logging.INFO:
        app.setLevel(logging.INFO)
