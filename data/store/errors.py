"""Why the tracker database cannot be used right now, in words for a person, never as a traceback.

A locked database (another import or save holds the writer lock), a read-only file or transaction,
a SQLite file deleted while in use, a PostgreSQL server that is down: each reaches the caller as a
driver error carrying SQL and file paths. ``classify`` turns such an error into a
``StoreUnavailable`` of a known kind, so the command line can print one line and the app one
message with a Retry button; anything else is a bug and stays an exception. The data layer never
imports Streamlit, so the UI's words are here too (``reason``), without the URL: a browser is
never told where the database lives.

Each kind is named for its cause, because the advice differs: *locked* passes by itself (try again),
*read-only* needs write access to the file or its folder, *deleted* needs the file back. SQLite
reports a write to a file unlinked under an open connection as "attempt to write a readonly
database" (``SQLITE_READONLY_DBMOVED``); calling that read-only would send the operator to
check permissions on a file that is gone, so a read-only or I/O error on a SQLite file that no
longer exists is *deleted*.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

LOCKED, READ_ONLY, DELETED, UNREACHABLE, CANNOT_OPEN, DAMAGED, REFUSED, BUSY, FULL = (
    "locked",
    "read-only",
    "deleted",
    "unreachable",
    "cannot-open",
    "damaged",
    "refused",
    "busy",
    "full",
)
#: Kinds that go away by themselves (an import finishes, a server comes back): worth retrying.
TRANSIENT = frozenset({LOCKED, UNREACHABLE, BUSY})

#: SQLite's primary result codes (``sqlite_errorname`` without extended suffixes) -> kind.
_SQLITE_CODES = {
    "SQLITE_BUSY": LOCKED,
    "SQLITE_LOCKED": LOCKED,
    "SQLITE_READONLY": READ_ONLY,
    "SQLITE_CANTOPEN": CANNOT_OPEN,
    "SQLITE_IOERR": CANNOT_OPEN,
    "SQLITE_PERM": CANNOT_OPEN,
    "SQLITE_AUTH": CANNOT_OPEN,
    "SQLITE_NOTADB": DAMAGED,
    "SQLITE_CORRUPT": DAMAGED,
    "SQLITE_FULL": FULL,
}
#: The same, by message, for drivers that carry no result code.
_SQLITE_TEXT = (
    ("is locked", LOCKED),
    ("readonly database", READ_ONLY),
    ("unable to open database", CANNOT_OPEN),
    ("disk i/o error", CANNOT_OPEN),
    ("not a database", DAMAGED),
    ("malformed", DAMAGED),
    ("database or disk is full", FULL),
)
#: PostgreSQL SQLSTATEs -> kind (class 08 and a lost connection: UNREACHABLE, below).
_PG_STATES = {
    "25006": READ_ONLY,  # read_only_sql_transaction: default_transaction_read_only, a hot standby
    "55P03": LOCKED,  # lock_not_available
    "40P01": LOCKED,  # deadlock_detected
    "57P01": UNREACHABLE,  # admin_shutdown: the server was stopped
    "57P02": UNREACHABLE,  # crash_shutdown
    "57P03": UNREACHABLE,  # cannot_connect_now: starting up or shutting down
    "53300": BUSY,  # too_many_connections
    "53100": FULL,  # disk_full
    "28P01": REFUSED,  # invalid_password
    "28000": REFUSED,  # invalid_authorization_specification
    "3D000": REFUSED,  # invalid_catalog_name: no such database
}

#: What libpq says when a server answers but refuses: the login, the database name, pg_hba.conf.
_REFUSALS = ("authentication failed", "does not exist", "pg_hba.conf")

_REASONS = {  # the app's words: no URL, no path, no SQL
    LOCKED: "it is busy with another change",
    READ_ONLY: "it is read-only",
    DELETED: "its file has been deleted",
    UNREACHABLE: "the database server cannot be reached",
    CANNOT_OPEN: "its file cannot be opened",
    DAMAGED: "its file is not a readable tracker database",
    REFUSED: "the database server refused the connection",
    BUSY: "the database server is busy",
    FULL: "its disk is full",
}


class StoreUnavailable(Exception):
    """The database cannot be used now, of a known ``kind``; ``url`` has its password masked."""

    def __init__(self, kind: str, url: str, detail: str = "", *, setting_up: bool = False) -> None:
        self.kind, self.url, self.detail, self.setting_up = kind, url, detail, setting_up
        super().__init__(self.one_line())

    @property
    def transient(self) -> bool:
        """True when waiting helps (a lock, a stopped server); False when a person must act."""
        return self.kind in TRANSIENT

    @property
    def reason(self) -> str:
        """A few words for the app's message (no URL or path: it is shown in a browser)."""
        return _REASONS.get(self.kind, "it cannot be used")

    def one_line(self) -> str:
        """The command line's sentence: what is wrong with which database and what to do."""
        return f"the database {self._state()} ({self.url}){self._advice()}"

    def _state(self) -> str:
        if self.kind == UNREACHABLE:
            return f"cannot be reached at {host_port(self.url)}"
        if self.kind == REFUSED:
            return f"refused the connection: {self.detail}" if self.detail else "refused the connection"
        words = {
            LOCKED: "is locked",
            READ_ONLY: "is read-only",
            DELETED: "file has been deleted",
            CANNOT_OPEN: "cannot be opened",
            DAMAGED: "is not a readable tracker database",
            BUSY: "is busy (too many connections)",
            FULL: "is full (no space left)",
        }
        return words.get(self.kind, "cannot be used")

    def _advice(self) -> str:
        if self.kind == LOCKED:
            return "; another import or change is writing to it: try again when it finishes"
        if self.kind == READ_ONLY:
            return (
                "; setting it up on first use and importing need write access (for SQLite, to its folder too)"
            )
        if self.kind == DELETED:
            return "; it was removed while in use: put it back, or restart to set up a new one"
        if self.kind == UNREACHABLE:
            return "; is the server running?"
        if self.kind == CANNOT_OPEN:
            return "; check that the file and its folder exist and are readable"
        if self.kind == BUSY:
            return "; try again shortly"
        return ""


def masked(url: str) -> str:
    """The URL as it may be printed: password replaced by ``***`` (the text itself if unparsable)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return hide_passwords(url)
    # Unchanged when there is nothing to hide: rendering escapes SQLite's "file:" URIs to "file%3A".
    return url if parsed.password is None else parsed.render_as_string(hide_password=True)


def hide_passwords(text: str) -> str:
    """Any ``scheme://user:password@`` in a text with the password as ``***`` (for error messages)."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def host_port(url: str) -> str:
    """``host:port`` of a server URL (PostgreSQL's defaults filled in), for "cannot be reached at"."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return url
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}"


def classify(exc: BaseException, url: str, *, setting_up: bool = False) -> StoreUnavailable | None:
    """``exc`` as a ``StoreUnavailable`` if it says the database cannot be used now, else None.

    ``exc`` (or the error it was raised from) may be a SQLAlchemy driver error, a pool timeout or,
    while opening a SQLite file, an ``OSError`` on its path or folder. A ``StoreUnavailable`` is
    returned as it is.
    """
    if isinstance(exc, StoreUnavailable):
        return exc
    shown = masked(url)
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind, detail = _kind(current, url)
        if kind is not None:
            return StoreUnavailable(kind, shown, detail, setting_up=setting_up)
        current = current.__cause__
    return None


def _kind(exc: BaseException, url: str) -> tuple[str | None, str]:
    if isinstance(exc, PoolTimeout):
        return BUSY, ""
    if isinstance(exc, OSError):
        return (CANNOT_OPEN, "") if _on_database_path(exc, url) else (None, "")
    if not isinstance(exc, DBAPIError):
        return None, ""
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        return _sqlite_kind(orig, url), ""
    state = getattr(orig, "sqlstate", None)
    if state in _PG_STATES:
        return _PG_STATES[state], _server_says(orig) if _PG_STATES[state] == REFUSED else ""
    if state is None and _is_operational(orig) and any(n in str(orig) for n in _REFUSALS):
        return REFUSED, _server_says(orig)  # libpq refused at connect time: no SQLSTATE, only text
    if (
        (state or "").startswith("08")
        or exc.connection_invalidated
        or (state is None and _is_operational(orig))
    ):
        return UNREACHABLE, ""
    return None, ""


def _sqlite_kind(orig: sqlite3.Error, url: str) -> str | None:
    name = getattr(orig, "sqlite_errorname", "") or ""
    kind = next((k for code, k in _SQLITE_CODES.items() if name == code or name.startswith(code + "_")), None)
    if kind is None:
        text = str(orig).lower()
        kind = next((k for needle, k in _SQLITE_TEXT if needle in text), None)
    if name == "SQLITE_READONLY_DBMOVED":
        return DELETED  # the file was unlinked or renamed under this open connection
    if (kind == READ_ONLY or name.startswith("SQLITE_IOERR")) and _file_is_gone(url):
        return DELETED  # not CANTOPEN: a file that never existed was not deleted
    return kind


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (None for another backend, memory, or an unparsable URL)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    name = parsed.database.removeprefix("file:")
    return None if not name or name == ":memory:" or "mode=memory" in url else Path(name).absolute()


def _file_is_gone(url: str) -> bool:
    """True when the URL names a SQLite file that does not exist (now: it was open a moment ago)."""
    path = _sqlite_file(url)
    return path is not None and not os.path.exists(path)


def _is_operational(orig: BaseException) -> bool:
    """A driver ``OperationalError`` with no SQLSTATE: the connection failed or was lost."""
    return any(cls.__name__ in ("OperationalError", "InterfaceError") for cls in type(orig).__mro__)


def _on_database_path(exc: OSError, url: str) -> bool:
    """True if the failed path is the SQLite file or one of its folders (made when opening it)."""
    database = _sqlite_file(url)
    if not exc.filename or database is None:
        return False
    failed = Path(str(exc.filename)).absolute()
    return failed == database or failed in database.parents


def _server_says(exc: BaseException) -> str:
    """The server's own reason, e.g. ``password authentication failed for user "app"``: one line."""
    text = str(exc).strip()
    if "FATAL:" in text:
        text = text.rsplit("FATAL:", 1)[1]
    return " ".join((text.splitlines() or [""])[0].split())
