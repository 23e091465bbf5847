"""Backups and restores of the whole database, safe while the app runs (issue 23, item 6).

PostgreSQL: ``pg_dump --format=custom`` reads one consistent snapshot while the app goes on
writing, and ``pg_restore --single-transaction --exit-on-error`` restores all or nothing, both run
with the binaries of the server's own major version (an older ``pg_dump`` refuses a newer server).
SQLite: the online backup API (``sqlite3.Connection.backup``), which copies the pages under a read
lock in one step, so the app's readers go on and a writer waits milliseconds; a plain copy of a
live SQLite file can tear mid-write.

A backup holds the users' e-mail addresses, so it is written with mode 0600, under a temporary
name beside its destination, and renamed only once complete and checked: a file with the backup's
name is whole. A restore knows a backup by its first bytes, checks it before touching the target,
and refuses a database that already has tables unless forced. Every failure is a ``BackupError``
whose ``str()`` is one line; the history chain's check of the restored copy is ``chain.verify``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from oversight.data.store.errors import hide_passwords

SQLITE, POSTGRESQL = "sqlite", "postgresql"
#: How each kind of backup file begins (pg_dump's custom archive; SQLite's database header).
MAGIC = {POSTGRESQL: b"PGDMP", SQLITE: b"SQLite format 3\x00"}
#: A folder holding ``pg_dump`` and ``pg_restore`` of the server's version, where they are not in
#: a distribution's usual place (``/usr/lib/postgresql/N/bin``, ``/usr/pgsql-N/bin``).
PG_BIN_ENV = "OVERSIGHT_PG_BIN"
#: The table every oversight database has (Alembic's): a SQLite file without it is not a backup.
MARKER_TABLE = "alembic_version"


class BackupError(Exception):
    """A backup or restore that could not be done; ``str()`` is one line for a person."""


@dataclass(frozen=True)
class Written:
    path: Path
    kind: str
    size: int


# Which database, which file ----------------------------------------------------------------


def backend(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in (SQLITE, POSTGRESQL):
        raise BackupError(f"cannot back up or restore a {name} database: only PostgreSQL and SQLite")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(
            f"{url}: name the SQLite database by its file path (sqlite:////path/to/file.sqlite)"
        )
    return Path(database)


def kind_of(path: Path) -> str:
    """What a backup file is, by its first bytes; a missing or unknown file is a ``BackupError``."""
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise BackupError(f"{path}: {exc.strerror or exc}") from None
    for kind, magic in MAGIC.items():
        if head.startswith(magic):
            return kind
    raise BackupError(f"{path} is not an oversight backup: neither a pg_dump archive nor a SQLite database")


@contextlib.contextmanager
def _private_temp(out: Path) -> Iterator[Path]:
    """A file of mode 0600 beside ``out``, renamed to ``out`` only when the block succeeds."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)


def tables(url: str) -> list[str]:
    """The target's tables (none: a restore may write it). A SQLite file not there yet has none."""
    if backend(url) == SQLITE:
        path = _sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return []
        with contextlib.closing(_sqlite_connect(path, read_only=True)) as conn:
            rows = conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            ).fetchall()
        return [r[0] for r in rows]
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema NOT IN "
                    "('pg_catalog', 'information_schema') ORDER BY table_name"
                )
            )
            return [r[0] for r in found]
    finally:
        engine.dispose()


# SQLite --------------------------------------------------------------------------------------


def _sqlite_connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=60)
    return sqlite3.connect(path, timeout=60)


def _checked_sqlite(path: Path) -> None:
    """A SQLite backup whose pages all read back and which holds an oversight database."""
    try:
        with contextlib.closing(_sqlite_connect(path, read_only=True)) as conn:
            verdict = [r[0] for r in conn.execute("PRAGMA quick_check")]
            marker = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MARKER_TABLE,)
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is damaged: {exc}") from None
    if verdict != ["ok"]:
        raise BackupError(f"{path} is damaged: {' '.join(verdict[0].split())}")
    if marker is None:
        raise BackupError(
            f"{path} is a SQLite database but not an oversight backup (no {MARKER_TABLE} table)"
        )


def _backup_sqlite(url: str, out: Path) -> None:
    source = _sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    with _private_temp(out) as temp:
        with (
            contextlib.closing(_sqlite_connect(source, read_only=True)) as src,
            contextlib.closing(sqlite3.connect(temp)) as dst,
        ):
            src.backup(dst)  # every page in one step: a writer waits, never a restart
        _checked_sqlite(temp)


def _restore_sqlite(path: Path, url: str) -> None:
    _checked_sqlite(path)
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(_sqlite_connect(path, read_only=True)) as src,
        contextlib.closing(_sqlite_connect(target)) as dst,
    ):
        src.backup(dst)  # the destination's pages replaced in one transaction


# PostgreSQL ----------------------------------------------------------------------------------


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, and an environment holding its password (never on a command
    line, which ``ps`` shows every user)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain: URL = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def server_major(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            number = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    finally:
        engine.dispose()
    return number // 10000


def _version_of(binary: str) -> int | None:
    try:
        shown = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", shown)
    return int(found.group(1)) if found else None


def pg_tool(name: str, major: int, env: Mapping[str, str] | None = None) -> str:
    """``pg_dump`` or ``pg_restore`` of the server's major version: ``$OVERSIGHT_PG_BIN``, the
    distributions' folders, then the one on the PATH if its version is the server's or newer."""
    env = os.environ if env is None else env
    candidates = [str(Path(env[PG_BIN_ENV]) / name)] if env.get(PG_BIN_ENV) else []
    candidates += [f"/usr/lib/postgresql/{major}/bin/{name}", f"/usr/pgsql-{major}/bin/{name}"]
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    newer = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: _version_of(p) or 0)
    on_path = shutil.which(name)
    for candidate in [*newer, *([on_path] if on_path else [])]:
        version = _version_of(candidate)
        if version is not None and version >= major:
            return candidate
    raise BackupError(
        f"{name} of PostgreSQL {major} not found: install the PostgreSQL {major} client "
        f"(e.g. postgresql-client-{major}) or set {PG_BIN_ENV} to the folder holding it"
    )


def _run(command: list[str], env: Mapping[str, str], what: str) -> None:
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what}: {_first_error(done.stderr)}")


def _first_error(stderr: str) -> str:
    """pg_dump's or pg_restore's line that says what went wrong (their other lines say where)."""
    lines = [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
    chosen = next((line for line in lines if "error:" in line), lines[0] if lines else "no message")
    return hide_passwords(chosen)


def _backup_postgresql(url: str, out: Path) -> None:
    conninfo, env = _libpq(url)
    major = server_major(url)
    pg_dump = pg_tool("pg_dump", major, env)
    with _private_temp(out) as temp:
        _run([pg_dump, "--format=custom", f"--file={temp}", f"--dbname={conninfo}"], env, "pg_dump failed")
        _checked_archive(temp, env, major)


def _checked_archive(path: Path, env: Mapping[str, str], major: int) -> None:
    """An archive whose table of contents pg_restore reads (a damaged header fails here)."""
    pg_restore = pg_tool("pg_restore", major, env)
    _run([pg_restore, "--list", str(path)], env, f"{path} is damaged")


def _restore_postgresql(path: Path, url: str, *, force: bool) -> None:
    conninfo, env = _libpq(url)
    major = server_major(url)
    _checked_archive(path, env, major)
    command = [
        pg_tool("pg_restore", major, env),
        f"--dbname={conninfo}",
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-acl",
    ]
    if force:
        command += ["--clean", "--if-exists"]
    _run([*command, str(path)], env, "pg_restore failed, nothing was restored")


# The two operations --------------------------------------------------------------------------


def backup(url: str, out: Path) -> Written:
    """Write a backup of the database at ``url`` to ``out`` (replaced if it exists)."""
    kind = backend(url)
    if out.is_dir():
        raise BackupError(f"{out} is a folder: name the backup file")
    if kind == SQLITE:
        _backup_sqlite(url, out)
    else:
        _backup_postgresql(url, out)
    return Written(out, kind, out.stat().st_size)


def restore(path: Path, url: str, *, force: bool = False) -> str:
    """Restore the backup at ``path`` into the database at ``url``; its kind (sqlite, postgresql).

    Refused when the file is not a whole backup of the target's kind, or when the target has
    tables and ``force`` is not set; then the target is left as it was."""
    kind, target = kind_of(path), backend(url)
    if kind != target:
        raise BackupError(f"{path} is a {kind} backup: restore it into a {kind} database, not {target}")
    present = tables(url)
    if present and not force:
        raise BackupError(
            f"the database already has {len(present)} tables: restore into an empty database, "
            "or pass --force to replace its contents"
        )
    if kind == SQLITE:
        _restore_sqlite(path, url)
    else:
        _restore_postgresql(path, url, force=force)
    return kind
