"""Outside text on the command line: a tracker's words, file names, names from a sign-in provider
and cells quoted in errors reach the terminal with every control character shown as its escape
(no escape sequence from a CSV can rewrite the screen), while CSV and JSON written to a file or
a pipe keep the data exact. Standard output is a real pseudo-terminal where a test says so."""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import os
import pty
import sys
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import insert

from oversight import cli
from oversight.data import bootstrap
from oversight.data.curation import users
from oversight.data.curation.export import export_tracker_csv
from oversight.data.curation.roles import OPERATOR
from oversight.data.store import schema as s
from tests import hostile_data as hd
from tests.conftest import ROOT

#: Clear the screen, retitle the window, ring the bell, and a C1 CSI (``\x9b`` is ESC [).
TITLE = "\x1b[2J\x1b]0;pwned\x07Board met\x9b31m"
SHOWN = r"\x1b[2J\x1b]0;pwned\x07Board met\x9b31m"
END = "\n--end of output--\n"


def _raw(text: str) -> list[str]:
    """ESC, C1 controls, and any other C0 control but a line break (a tab in CSV): what must not
    reach a terminal raw."""
    return [c for c in text if (ord(c) < 32 and c not in "\n\r\t") or 127 <= ord(c) < 160]


def _strings(value: object) -> set[str]:
    """Every string in a JSON value."""
    if isinstance(value, dict):
        return set().union(*map(_strings, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_strings, value)) if value else set()
    return {value} if isinstance(value, str) else set()


@contextlib.contextmanager
def terminal() -> Iterator[list[str]]:
    """Standard output on a pseudo-terminal (``isatty()`` is true); what it showed, decoded,
    is in the yielded list afterwards. A reader drains it as it is written (its buffer is small)."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while END.strip().encode() not in b"".join(chunks[-2:]):
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    stream = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115 - closed below
    shown: list[str] = []
    saved, sys.stdout = sys.stdout, stream
    try:
        yield shown
    finally:
        sys.stdout = saved
        stream.write(END)
        stream.flush()
        reader.join(timeout=20)
        stream.close()
        os.close(master)
        shown.append(b"".join(chunks).decode("utf-8").replace("\r\n", "\n"))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    """A SQLite store with tracker facts whose words hold escape sequences, and two people with
    such an email and name."""
    folder = tmp_path_factory.mktemp("cli_text")
    url = f"sqlite:///{folder / 'cli.sqlite'}"
    rows = [{**hd.ROWS[1], "title": TITLE, "source_title": "A\rB\nC\x1b[31m", "people": "\x9b2J"}]
    assert cli.main(["import", str(hd.write_tracker(folder, rows, name="t.csv")), "--database", url]) == 0
    engine = bootstrap.ready_engine(url)
    users.grant(engine, OPERATOR, "eve@example.org", "reviewer", name="\x1b]0;pwned\x07Eve\x9b")
    # An address with a control character is refused now (issue 19), in one escaped line ...
    assert cli.main(["users", "grant", "\x1b[2Jmallory@example.org", "editor", "--database", url]) == 1
    # ... but a database written before that, or by hand, may hold such rows: they print escaped.
    with engine.begin() as conn:
        conn.execute(
            insert(s.users).values(
                email="\x1b[2jmallory@example.org", name="\x1b]0;pwned\x07Eve\x9b", role="editor"
            )
        )
    return url


def test_authority_prints_tracker_text_with_escapes_shown(capsys, store):
    capsys.readouterr()
    assert cli.main(["authority", hd.CODE, "--database", store]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "Board met" in line)
    assert not _raw(out.replace("\n", ""))
    assert SHOWN in line and r"[A\rB\nC\x1b[31m]" in line


@pytest.mark.parametrize(
    "command",
    [
        ["authority", hd.CODE],
        ["changes", "--since", "2024-01-01", "--until", "2024-12-31"],
        ["changes", "--since", "2024-01-01", "--until", "2024-12-31", "--csv"],
        ["changes", "--since", "2024-01-01", "--until", "2024-12-31", "--json"],
        ["tracker", "export", "--csv"],
        ["users", "list"],
        ["spells", "--csv"],
    ],
    ids=" ".join,
)
def test_no_command_lets_a_control_character_reach_a_terminal(capsys, store, command):
    capsys.readouterr()
    with terminal() as shown:
        assert cli.main([*command, "--database", store]) == 0
    out, err = shown[0], capsys.readouterr().err
    assert not _raw(out) and not _raw(err), (_raw(out), err)
    if command[0] in ("changes", "tracker"):
        assert "Board met" in out and ("\\x1b[2J" in out or "\\u001b[2J" in out)
    if command[0] == "users":
        assert r"\x1b[2jmallory@example.org" in out and r"(\x1b]0;pwned\x07Eve\x9b)" in out


def test_csv_and_json_to_a_pipe_keep_the_data_exact(capsys, store):
    capsys.readouterr()
    assert cli.main(["tracker", "export", "--csv", "--database", store]) == 0
    out = capsys.readouterr().out  # not a terminal: the file as the export writes it
    assert out == export_tracker_csv(bootstrap.ready_engine(store))
    titles = [r["title"] for r in csv.DictReader(io.StringIO(out))]
    assert TITLE in titles
    args = ["changes", "--since", "2024-01-01", "--until", "2024-12-31", "--database", store]
    assert cli.main([*args, "--json"]) == 0
    out = capsys.readouterr().out
    assert not _raw(out.replace("\n", ""))  # JSON escapes: \u001b, \u009b
    assert TITLE in _strings(json.loads(out))  # the same value
    assert cli.main([*args, "--csv"]) == 0
    assert TITLE in capsys.readouterr().out


def test_file_names_and_quoted_cells_in_import_messages(capsys, tmp_path, store):
    good = hd.write_tracker(tmp_path, [{**hd.ROWS[1], "date": "2024-04-01"}], name="new\x1b[31m.csv")
    bad = hd.write_tracker(tmp_path, [{**hd.ROWS[1], "date": "\x1b[2J2024"}], name="bad\x9b2J.csv")
    capsys.readouterr()
    assert cli.main(["import", str(bad), "--database", store]) == 1
    err = capsys.readouterr().err
    assert not _raw(err.replace("\n", "")) and r"bad\x9b2J.csv" in err and r"'\x1b[2J2024'" in err
    assert cli.main(["import", str(good), "--database", store]) == 0
    out = capsys.readouterr().out
    assert not _raw(out.replace("\n", "")) and r"new\x1b[31m.csv: 1 rows read" in out


def test_usage_errors_and_failures_quote_the_input_with_escapes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["snapshot", "--as-at", "2024-01-01", "\x1b[31mextra"])
    with pytest.raises(SystemExit):
        cli.main(["\x9bnot-a-command"])
    assert cli.main(["snapshot", "--as-at", "2024-01-01", "--database", "\x1b[2Jnot a url"]) == 1
    err = capsys.readouterr().err
    assert not _raw(err.replace("\n", "")), err
    assert r"unrecognized arguments: \x1b[31mextra" in err and r"\x1b[2Jnot a url" in err


def test_only_the_common_module_writes_to_the_terminal():
    """Every command prints through ``cli.common`` (``say``, ``emit_json``, ``csv_stream``,
    ``Parser``): no ``print`` and no write to ``sys.stdout``/``sys.stderr`` anywhere else."""
    for path in sorted((ROOT / "oversight" / "cli").glob("*.py")):
        if path.name == "common.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{path.name}:{node.lineno}: print(): use common.say"
            if isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr"):
                parent_ok = path.name == "__init__.py" and node.attr == "stdout"  # dup2 to /dev/null
                assert parent_ok, f"{path.name}:{node.lineno}: sys.{node.attr}: use common.say"
