"""`oversight` commands and the server's log (``data/logs``): no action lines on a person's
terminal unless ``OVERSIGHT_LOG`` asks (a scheduled refresh's settings may set it), then one line per
action on standard error, in key=value or JSON. Real processes, as a timer would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from oversight.data import bootstrap, logs
from tests.conftest import ROOT
from tests.test_data_logs_format import parse


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[str]:
    """A SQLite file migrated and seeded, so a command does not import the bundle first."""
    url = f"sqlite:///{tmp_path / 'seeded.sqlite'}"
    bootstrap.ready_engine(url)
    bootstrap.forget(url)
    yield url


def oversight(*argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    drop = ("OVERSIGHT_DATABASE_URL", "OVERSIGHT_DEBUG", logs.FORMAT_ENV)
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-m", "oversight.cli", *argv],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _actions(stderr: str) -> list[str]:
    """The log's lines (the command's own start with "oversight:" or "Database:")."""
    return [line for line in stderr.splitlines() if line.startswith(("ts=", "{"))]


def test_a_command_writes_no_action_line_unless_asked(seeded):
    done = oversight("users", "grant", "--database", seeded, "editor@example.org", "editor")
    assert done.returncode == 0, done.stderr
    assert _actions(done.stderr) == []


def test_asked_for_json_a_grant_is_one_json_line(seeded):
    done = oversight(
        "users", "grant", "--database", seeded, "editor@example.org", "editor", OVERSIGHT_LOG="json"
    )
    assert done.returncode == 0, done.stderr
    *seeding, line = _actions(done.stderr)
    assert all(json.loads(x)["action"] == "import" for x in seeding)  # the first use's bundle, if any
    fields = json.loads(line)
    assert fields["action"] == "grant" and fields["actor"] == "command line" and fields["role"] == "editor"
    assert fields["outcome"] == "ok" and isinstance(fields["change"], int) and isinstance(fields["pid"], int)
    assert "editor@example.org" not in line, "the email granted to is the history's, not the log's"


def test_asked_for_key_value_a_refusal_is_one_line_beside_the_commands_own(seeded):
    hostile = "x\nts=forged action=grant outcome=ok"
    done = oversight("users", "grant", "--database", seeded, hostile, "editor", **{logs.FORMAT_ENV: "kv"})
    assert done.returncode == 1
    [line] = _actions(done.stderr)
    fields = parse(line)
    assert (fields["action"], fields["outcome"], fields["error"]) == ("grant", "refused", "UserRefused")
    assert fields["app"] == "oversight" and fields["level"] == "info" and "forged" not in line
    assert "Traceback" not in done.stderr
