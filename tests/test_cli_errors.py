"""`oversight` when the database cannot be used: one line on standard error, exit 1, no traceback.

Each case runs the installed command in a subprocess, as a person would, so that nothing pytest
does (captured output, logging) can hide a traceback.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from oversight import cli
from oversight.data import bootstrap
from oversight.data.store.transactions import INTERACTIVE_WAIT_S
from tests.browser import free_port

OVERSIGHT = str(Path(sys.executable).with_name("oversight"))
SNAPSHOT = ("snapshot", "--as-at", "2018-05-17")


def oversight(*argv: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("OVERSIGHT_DATABASE_URL", "OVERSIGHT_DEBUG")}
    return subprocess.run(
        [OVERSIGHT, *argv], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's only line on standard error, checked for what must never be printed."""
    lines = result.stderr.splitlines()
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "[SQL:" not in result.stderr
    assert lines[0].startswith("oversight: ")
    return lines[0]


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Path]:
    """A SQLite file migrated and seeded (no release imported): what a first run leaves."""
    path = tmp_path / "seeded.sqlite"
    url = f"sqlite:///{path}"
    bootstrap.ready_engine(url)
    bootstrap.forget(url)
    yield path


def test_locked_sqlite(seeded: Path, tmp_path: Path):
    holder = sqlite3.connect(seeded, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another import in the middle of writing
    try:
        result = oversight(*SNAPSHOT, "--database", f"sqlite:///{seeded}?timeout=0.5", cwd=tmp_path)
    finally:
        holder.rollback()
        holder.close()
    line = one_line(result)
    assert line == (
        f"oversight: the database is locked (sqlite:///{seeded}?timeout=0.5); "
        "another import or change is writing to it: try again when it finishes"
    )


def test_a_command_waits_for_another_writer_longer_than_the_app_does(seeded: Path, tmp_path: Path):
    """The app gives up after a few seconds (``transactions.interactive``); a command queues."""
    holder = sqlite3.connect(seeded, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another import, writing
    clean = {k: v for k, v in os.environ.items() if k != "OVERSIGHT_DATABASE_URL"}
    argv = [OVERSIGHT, "users", "grant", "waits@example.org", "editor", "--database", f"sqlite:///{seeded}"]
    command = subprocess.Popen(argv, cwd=tmp_path, env=clean, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(INTERACTIVE_WAIT_S + 3)
        assert command.poll() is None, command.communicate()
    finally:
        holder.rollback()
        holder.close()
    out, err = command.communicate(timeout=60)
    assert command.returncode == 0, err
    assert out.decode().strip() == "waits@example.org is now editor"


def test_read_only_sqlite_reads_when_set_up_and_says_so_when_not(seeded: Path, tmp_path: Path):
    # ?mode=ro: the driver refuses every write, even as root (where chmod 0444 would not).
    ready = f"sqlite:///file:{seeded}?mode=ro&uri=true"
    result = oversight(*SNAPSHOT, "--json", "--database", ready, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert '"inspected"' in result.stdout

    blank = tmp_path / "blank.sqlite"
    sqlite3.connect(blank).close()  # exists, but has never been migrated or seeded
    line = one_line(
        oversight(*SNAPSHOT, "--database", f"sqlite:///file:{blank}?mode=ro&uri=true", cwd=tmp_path)
    )
    assert line.startswith(f"oversight: the database is read-only (sqlite:///file:{blank}?mode=ro&uri=true)")
    assert "write access" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through chmod 0444")
def test_chmod_read_only_sqlite_file(seeded: Path, tmp_path: Path):
    blank = tmp_path / "blank.sqlite"
    sqlite3.connect(blank).execute("CREATE TABLE t (x)").connection.close()
    blank.chmod(0o444)
    line = one_line(oversight(*SNAPSHOT, "--database", f"sqlite:///{blank}", cwd=tmp_path))
    assert "is read-only" in line


def test_sqlite_file_that_cannot_be_opened(tmp_path: Path):
    missing = tmp_path / "nowhere.sqlite"
    line = one_line(
        oversight(*SNAPSHOT, "--database", f"sqlite:///file:{missing}?mode=ro&uri=true", cwd=tmp_path)
    )
    assert line.startswith("oversight: the database cannot be opened (") and "readable" in line
    # Its folder cannot be made (a file is in the way; without permission it is the same OSError).
    (tmp_path / "plain-file").write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'plain-file' / 'var' / 'oversight.sqlite'}"
    assert one_line(oversight(*SNAPSHOT, "--database", url, cwd=tmp_path)).startswith(
        f"oversight: the database cannot be opened ({url})"
    )
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    assert "is not a readable tracker database" in one_line(
        oversight(*SNAPSHOT, "--database", f"sqlite:///{junk}", cwd=tmp_path)
    )


def test_unreachable_postgresql_names_host_and_port_and_masks_the_password(tmp_path: Path):
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://oversight:s3cret-pw@127.0.0.1:{port}/tracker"
    for argv in (SNAPSHOT, ("spells", "--summary"), ("authority", "E06000005"), ("db", "status")):
        line = one_line(oversight(*argv, "--database", url, cwd=tmp_path))
        assert line == (
            f"oversight: the database cannot be reached at 127.0.0.1:{port} "
            f"(postgresql+psycopg://oversight:***@127.0.0.1:{port}/tracker); is the server running?"
        ), argv
        assert "s3cret" not in line


def test_debug_lets_the_traceback_through(tmp_path: Path):
    url = f"postgresql+psycopg://oversight@127.0.0.1:{free_port()}/tracker"
    for argv, env in (
        ((*SNAPSHOT, "--database", url), {"OVERSIGHT_DEBUG": "1"}),
        (("--debug", *SNAPSHOT, "--database", url), {}),
    ):
        result = oversight(*argv, cwd=tmp_path, **env)
        assert result.returncode == 1 and "Traceback" in result.stderr and "OperationalError" in result.stderr


def test_usage_errors_exit_2_without_a_traceback(tmp_path: Path):
    result = oversight("snapshot", cwd=tmp_path)
    assert result.returncode == 2 and "--as-at" in result.stderr and "Traceback" not in result.stderr


def test_any_other_error_is_one_line_too(monkeypatch, capsys, seeded: Path):
    def broken(*_args, **_kwargs):
        raise RuntimeError("something nobody expected\nwith a second line at postgresql://u:pw@h/db")

    monkeypatch.setattr("oversight.cli.tracker.queries.snapshot", broken)
    code = cli.main([*SNAPSHOT, "--database", f"sqlite:///{seeded}"])
    err = capsys.readouterr().err
    assert code == 1 and err == (
        "oversight: unexpected error (RuntimeError): something nobody expected "
        "(set OVERSIGHT_DEBUG=1 for the traceback)\n"
    )


@pytest.mark.postgres
def test_read_only_postgresql(pg_server, tmp_path: Path):
    name = f"ro_{os.getpid()}"
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    read_only = "?options=-c%20default_transaction_read_only%3Don"  # as a hot standby would refuse

    line = one_line(oversight(*SNAPSHOT, "--database", pg_server.url(name) + read_only, cwd=tmp_path))
    assert line.startswith(f"oversight: the database is read-only ({pg_server.url(name)}{read_only})")

    # Set up once with write access, the same database reads fine read-only.
    assert oversight(*SNAPSHOT, "--database", pg_server.url(name), cwd=tmp_path).returncode == 0
    result = oversight(*SNAPSHOT, "--json", "--database", pg_server.url(name) + read_only, cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_the_command_is_installed():
    assert shutil.which(OVERSIGHT), OVERSIGHT


@pytest.mark.postgres
def test_postgresql_that_refuses_says_why(pg_server, tmp_path: Path):
    line = one_line(oversight(*SNAPSHOT, "--database", pg_server.url("no_such_db"), cwd=tmp_path))
    assert line == (
        f'oversight: the database refused the connection: database "no_such_db" does not exist '
        f"({pg_server.url('no_such_db')})"
    )
