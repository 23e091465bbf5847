"""The `oversight` command line: exact outputs the issue asks for, and every option documented."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from oversight import cli
from tests.conftest import ROOT


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_snapshot_json(capsys, loaded_sqlite_url):
    code, out, _ = run(capsys, "snapshot", "--as-at", "2017-12-08", "--json", "--database", loaded_sqlite_url)
    assert code == 0
    assert json.loads(out) == {
        "as_at": "2017-12-08",
        "inspected": 152,
        "not_inspected": 0,
        "counts": {"Outstanding": 3, "Good": 52, "Requires improvement to be good": 68, "Inadequate": 29},
        "no_overall_grade": 0,
        "derived_inadequate": 0,
    }


def test_spells_csv(capsys, loaded_sqlite_url):
    code, out, _ = run(capsys, "spells", "--csv", "--database", loaded_sqlite_url)
    lines = out.splitlines()
    assert code == 0 and lines[0] == "code,name,start,end,months,exit_grade"
    assert "E06000005,Darlington,2015-09-01,2018-05-21,32.6,Requires improvement to be good" in lines
    assert "E10000021,Northamptonshire,2019-07-29,,20.1," in lines


def test_authority_json(capsys, loaded_sqlite_url):
    code, out, _ = run(capsys, "authority", "E06000005", "--json", "--database", loaded_sqlite_url)
    payload = json.loads(out)
    assert code == 0 and payload["authority"]["name"] == "Darlington"
    assert [f["date"] for f in payload["facts"]] == sorted(f["date"] for f in payload["facts"])
    assert all(f["source"]["title"] for f in payload["facts"])
    code, _, err = run(capsys, "authority", "E99999999", "--database", loaded_sqlite_url)
    assert code == 1 and "No authority" in err


def test_authority_lists_every_source_of_a_fact(capsys, loaded_sqlite_url):
    """BCP's April 2022 direction has two press sources in the seed: the line names both."""
    code, out, _ = run(capsys, "authority", "E06000058", "--database", loaded_sqlite_url)
    [line] = [x for x in out.splitlines() if "2022-04-01  intervention" in x]
    assert code == 0 and line.endswith(
        "[Government intervenes over council's 'inadequate' children's services; "
        "First report of BCP Council children's services advisor]"
    )


def test_import_reports_and_refuses(capsys, tmp_path, release_paths):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    code, out, _ = run(capsys, "import", str(release_paths[2]), "--database", url)
    assert code == 0 and "added" in out
    code, out, _ = run(capsys, "import", str(release_paths[2]), "--database", url)
    assert code == 0 and "already imported, nothing changed" in out
    bad = tmp_path / "x.txt"
    bad.write_text("hello")
    code, _, err = run(capsys, "import", str(bad), "--database", url)
    assert code == 1 and "x.txt" in err and "nothing was written" in err


def test_db_upgrade(capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'u.sqlite'}"
    from oversight.data.store import migrate

    code, out, _ = run(capsys, "db", "upgrade", "--database", url)
    assert code == 0 and f"revision {migrate.head_revision()}" in out


def test_console_script_is_installed():
    exe = ROOT / ".venv" / "bin" / "oversight"
    result = subprocess.run(
        [str(exe) if exe.exists() else sys.executable, "--help"]
        if exe.exists()
        else [sys.executable, "-m", "oversight.cli", "--help"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "snapshot" in result.stdout


def _commands_and_options():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():
        options = [
            opt for action in subparser._actions for opt in action.option_strings if opt.startswith("--")
        ]
        yield name, [o for o in options if o != "--help"]


@pytest.mark.parametrize(("command", "options"), list(_commands_and_options()))
def test_every_command_and_option_is_documented(command, options):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"oversight {command}" in readme, f"README.md does not describe `oversight {command}`"
    for option in options:
        assert option in readme, f"README.md does not describe `oversight {command} {option}`"


def test_bad_arguments_are_usage_errors(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["snapshot", "--as-at", "2018-02-30", "--json"])
    assert info.value.code == 2 and "not a date" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        cli.main(["spells", "--region", "E99"])
    assert info.value.code == 2 and "not an English region code" in capsys.readouterr().err
