"""`oversight backup` and `oversight restore`: the restore drill, end to end, on both backends.

A database with an import, an approved edit and its users is backed up (SQLite while another
connection holds a read transaction, as the app's readers do), restored into a new database, and
must come back equal table by table with its history chain verified; a damaged backup is one
line and exit 1, the target left empty.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from oversight import cli
from oversight.data import bootstrap
from oversight.data.curation import edits, history
from oversight.data.sources.importer import import_paths
from oversight.data.store import backup as store_backup
from oversight.data.store.engine import make_engine
from tests import curation_support as cs
from tests.conftest import _new_url, dump

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def opened(url: str) -> Iterator[Engine]:
    """An engine that writes nothing on opening (no migration, no seed), closed afterwards."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def one_line(err: str, command: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith(f"oversight {command}: ")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def history_url(empty_url: str, data_dir: Path) -> str:
    """A database with a release imported, its people granted roles, one edit proposed and
    approved and another rejected: facts, history and users to bring back."""
    engine = bootstrap.ready_engine(empty_url)
    import_paths(engine, [data_dir / "ofsted" / "LA_Inspection_Outcomes_as_at_March_2024.ods"])
    cs.grant_everyone(engine)
    approved = edits.propose(engine, cs.EDITOR, cs.DEVON_ADVISER, comment="from the annual report")
    edits.approve(engine, cs.REVIEWER, approved)
    rejected = edits.propose(engine, cs.EDITOR2, cs.event_row("A board that never met"))
    edits.reject(engine, cs.REVIEWER, rejected, "no minutes")
    return empty_url


@contextlib.contextmanager
def reader_holding(url: str) -> Iterator[None]:
    """Another connection inside a read transaction (a SQLite shared lock) for the block's time."""
    if not url.startswith("sqlite"):
        yield
        return
    conn = sqlite3.connect(make_url(url).database, isolation_level=None)
    try:
        conn.execute("BEGIN")
        assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] >= 2
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def test_a_backup_restores_into_a_new_database_equal_and_with_its_history_verified(
    history_url: str, request: pytest.FixtureRequest, tmp_path: Path, capsys
):
    out = tmp_path / "backups" / "oversight.backup"
    with reader_holding(history_url):
        code = cli.main(["backup", "--out", str(out), "--database", history_url])
    err = capsys.readouterr().err
    assert code == 0, err
    assert one_line(err, "backup").startswith("oversight backup: ok, ")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600, "it holds users' e-mail addresses"
    assert [p.name for p in out.parent.iterdir()] == [out.name], "no partial file left beside it"

    target = _new_url("sqlite" if history_url.startswith("sqlite") else "postgresql", request, tmp_path)
    code = cli.main(["restore", str(out), "--database", target])
    err = capsys.readouterr().err
    assert code == 0, err
    with opened(history_url) as source, opened(target) as restored:
        verified = history.verify(source)
        line = one_line(err, "restore")
        assert line.startswith(f"oversight restore: ok, {out} restored into ")
        assert f"the history fits its chain: {verified.entries} entries, head {verified.head_hash}" in line
        assert history.verify(restored).ok
        before = dump(source)
        assert dump(restored) == before  # facts, sources, history, its chain, users and roles
    assert before["users"] and before["reviews"] and len(before["changes"]) >= 2

    # The restored database goes on: a new proposal takes the next id (PostgreSQL's sequences came back).
    engine = bootstrap.ready_engine(target)
    later = edits.propose(engine, cs.EDITOR, cs.event_row("A board after the restore"))
    assert later > max(row[0] for row in before["changes"])
    bootstrap.forget(target)

    # A database with tables is refused; --force replaces its contents.
    assert cli.main(["restore", str(out), "--database", target]) == 1
    refused = one_line(capsys.readouterr().err, "restore")
    assert refused.startswith("oversight restore: failed: the database already has ")
    assert refused.endswith("or pass --force to replace its contents")
    assert cli.main(["restore", str(out), "--database", target, "--force"]) == 0, capsys.readouterr().err
    with opened(target) as restored:
        assert dump(restored) == before


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_backup_is_one_line_and_the_target_stays_empty(
    history_url: str, request: pytest.FixtureRequest, tmp_path: Path, capsys, damage: str
):
    out = tmp_path / "oversight.backup"
    assert cli.main(["backup", "--out", str(out), "--database", history_url]) == 0
    capsys.readouterr()
    data = out.read_bytes()
    if damage == "truncated":  # a copy cut short: the disk filled, the transfer stopped
        out.write_bytes(data[: len(data) // 2])
    else:  # its first kilobyte overwritten
        out.write_bytes(b"\x00" * 1024 + data[1024:])
    target = _new_url("sqlite" if history_url.startswith("sqlite") else "postgresql", request, tmp_path)

    code = cli.main(["restore", str(out), "--database", target])

    err = capsys.readouterr().err
    assert code == 1, err
    line = one_line(err, "restore")
    assert line.startswith("oversight restore: failed: ")
    if damage == "overwritten":
        assert line.endswith("is not an oversight backup: neither a pg_dump archive nor a SQLite database")
    assert store_backup.tables(target) == [], "nothing restored"


def test_a_backup_of_one_kind_is_refused_by_the_other(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    bootstrap.ready_engine(url)
    out = tmp_path / "a.backup"
    assert cli.main(["backup", "--out", str(out), "--database", url]) == 0
    capsys.readouterr()
    code = cli.main(["restore", str(out), "--database", "postgresql+psycopg://nobody@127.0.0.1:9/x"])
    assert code == 1
    assert one_line(capsys.readouterr().err, "restore").endswith(
        "is a sqlite backup: restore it into a sqlite database, not postgresql"
    )
    bootstrap.forget(url)


@pytest.mark.postgres
def test_pg_dump_is_the_server_major_versions(pg_server):
    major = store_backup.server_major(pg_server.url())
    assert store_backup.pg_tool("pg_dump", major) == f"/usr/lib/postgresql/{major}/bin/pg_dump"
    with pytest.raises(store_backup.BackupError) as refused:
        store_backup.pg_tool("pg_dump", 99, env={})
    assert str(refused.value).startswith(
        "pg_dump of PostgreSQL 99 not found: install the PostgreSQL 99 client"
    )
    assert store_backup.PG_BIN_ENV in str(refused.value)


@pytest.mark.parametrize(
    "argv",
    [("backup",), ("restore",), ("restore", "some.backup"), ("backup", "--out")],
    ids=["backup-no-out", "restore-nothing", "restore-no-database", "out-no-file"],
)
def test_usage_errors_are_one_line_and_exit_2(argv: tuple[str, ...]):
    done = subprocess.run(
        [sys.executable, "-m", "oversight.cli", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "OVERSIGHT_DEBUG": ""},
        timeout=120,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"oversight {argv[0]}: error: ")
