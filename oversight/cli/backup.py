"""``oversight backup`` and ``oversight restore``: the whole database to one file and back.

A council's IT team backs the service up on a timer (``deploy/systemd/oversight-backup.*``) and
must be able to prove a backup restores: ``restore`` checks the file before it touches the
target, refuses a database that already has tables unless ``--force``, and afterwards verifies
the history's hash chain on the restored copy (``store.chain.verify``), so "the backup restores
and its history is intact" is one command's exit code. The mechanics (``pg_dump``/``pg_restore``,
SQLite's online backup) are ``store.backup``'s.

Each run ends with one line on standard error starting ``oversight backup: `` or
``oversight restore: ``: ``ok, …`` or ``failed: …``; exit 0 ok, 1 failed (nothing restored, or
restored but its history does not fit its chain), 2 usage. ``restore`` has no default database:
the target is always named, so a restore never lands on the live database by a missing option.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from oversight.cli import debugging, describe
from oversight.cli.common import EXIT_FAILED, EXIT_OK, say
from oversight.data import settings
from oversight.data.curation import history
from oversight.data.store import migrate
from oversight.data.store.backup import BackupError, backup, restore
from oversight.data.store.engine import make_engine
from oversight.data.store.errors import masked


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"


def _failed(command: str, exc: Exception, args: argparse.Namespace) -> int:
    why = str(exc) if isinstance(exc, BackupError) else describe(exc, args)
    say(f"oversight {command}: failed: {' '.join(why.split())}", err=True)
    return EXIT_FAILED


def cmd_backup(args: argparse.Namespace) -> int:
    """Back the database up to ``--out``; one line with its size and time."""
    started = time.monotonic()
    try:
        url = settings.database_url(args.database)
        written = backup(url, Path(args.out))
    except Exception as exc:  # noqa: BLE001 - every failure is the run's one line
        if debugging(args) and not isinstance(exc, BackupError):
            raise
        return _failed("backup", exc, args)
    say(
        f"oversight backup: ok, {masked(url)} to {written.path} ({written.kind}, {_size(written.size)}) "
        f"in {time.monotonic() - started:.1f} s",
        err=True,
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore ``FILE`` into ``--database``, then verify the history chain there; one line."""
    started = time.monotonic()
    try:
        restore(Path(args.file), args.database, force=args.force)
        engine = make_engine(args.database)  # not bootstrap: nothing migrated or seeded before the check
        try:
            result = history.verify(engine)
            revision = migrate.current_revision(engine)
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - every failure is the run's one line
        if debugging(args) and not isinstance(exc, BackupError):
            raise
        return _failed("restore", exc, args)
    seconds = time.monotonic() - started
    done = f"{args.file} restored into {masked(args.database)} in {seconds:.1f} s"
    if result.broken is not None:
        say(
            f"oversight restore: failed: {done}, but the history does not fit its chain: {result.broken}",
            err=True,
        )
        return EXIT_FAILED
    later = (
        "" if revision == migrate.head_revision() else f"; revision {revision}, the app migrates it on start"
    )
    say(
        f"oversight restore: ok, {done}; the history fits its chain: {result.entries} entries, "
        f"head {result.head_hash}{later}",
        err=True,
    )
    return EXIT_OK


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register ``oversight backup`` (``common`` adds ``--database``) and ``oversight restore``."""
    p = sub.add_parser(
        "backup",
        parents=[common],
        help="write the whole database to one file (PostgreSQL: pg_dump; SQLite: its online backup)",
        description=(
            "Write the whole database to FILE while the app runs: a pg_dump custom archive for PostgreSQL, "
            "a SQLite database for SQLite. The file (mode 0600: it holds users' e-mail addresses) appears "
            "only once complete. Restore it with `oversight restore FILE --database URL`."
        ),
    )
    p.add_argument(
        "--out", metavar="FILE", required=True, help="the backup file to write (replaced if present)"
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="restore a backup into a database, then verify its history chain",
        description=(
            "Restore a backup made by `oversight backup` into the database at URL (PostgreSQL: create it "
            "first), all or nothing, then verify the history's hash chain there. A database that already has "
            "tables is refused unless --force."
        ),
    )
    p.add_argument("file", metavar="FILE", help="a file written by `oversight backup`")
    p.add_argument(
        "--database",
        metavar="URL",
        required=True,
        help="the SQLAlchemy URL of the database to restore into (always named: no default)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace the contents of a database that already has tables",
    )
    p.set_defaults(func=cmd_restore)
