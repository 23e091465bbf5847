"""``oversight users`` and ``oversight tracker export`` through ``oversight.cli.main``."""

from __future__ import annotations

import pytest

from oversight import cli
from oversight.data import bootstrap
from oversight.data.curation import edits, users
from oversight.data.curation.export import export_tracker_csv
from oversight.data.curation.roles import OPERATOR
from tests import curation_support as cs


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_users_grant_list_and_revoke(empty_url, capsys, monkeypatch):
    monkeypatch.setenv("OVERSIGHT_ADMINS", "boss@example.org")
    code, out, _ = run(capsys, "users", "grant", "Reviewer@Example.org", "reviewer", "--database", empty_url)
    assert code == 0 and out == "reviewer@example.org is now reviewer\n"
    assert run(capsys, "users", "grant", "ed@example.org", "editor", "--database", empty_url)[0] == 0
    engine = bootstrap.ready_engine(empty_url)
    assert users.role_of(engine, cs.person("REVIEWER@example.org", subject="reviewer")) == "reviewer"

    code, out, _ = run(capsys, "users", "list", "--database", empty_url)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    assert lines[0] == "boss@example.org  admin  not signed in yet  by OVERSIGHT_ADMINS"
    assert lines[1].startswith("ed@example.org  editor  not signed in yet  granted by command line at ")
    assert lines[2].startswith(
        "reviewer@example.org  reviewer  not signed in yet  granted by command line at "
    )

    code, out, _ = run(capsys, "users", "revoke", "ed@example.org", "--database", empty_url)
    assert code == 0 and users.role_of(engine, cs.person("ed@example.org")) is None
    with pytest.raises(users.UserRefused):  # the history says who: the command line
        users.revoke(engine, OPERATOR, "ed@example.org")


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("grant", "not-an-email", "editor"), "is not an email address"),
        (("revoke", "nobody@example.org"), "has no role to revoke"),
        (("revoke", "boss@example.org"), "OVERSIGHT_ADMINS"),
    ],
)
def test_a_refusal_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.setenv("OVERSIGHT_ADMINS", "boss@example.org")
    url = f"sqlite:///{tmp_path / 'u.sqlite'}"
    code, out, err = run(capsys, "users", *argv, "--database", url)
    assert code == 1 and out == "" and words in err
    # The database it looked in (issue 21), then the refusal: one line.
    database, refusal = err.splitlines()
    assert database == f"Database: {url}"
    assert refusal.startswith("oversight: ") and "Traceback" not in err
    bootstrap.forget(url)


def test_tracker_export_to_standard_output_and_to_a_file(fresh_engine, capsys, tmp_path):
    cs.grant_everyone(fresh_engine)
    edits.approve(fresh_engine, cs.REVIEWER, edits.propose(fresh_engine, cs.EDITOR, cs.DEVON_ADVISER))
    url = fresh_engine.url.render_as_string(hide_password=False)
    expected = export_tracker_csv(fresh_engine)
    code, out, _ = run(capsys, "tracker", "export", "--csv", "--database", url)
    assert code == 0 and out == expected and "DfE-appointed improvement adviser" in out
    target = tmp_path / "tracker.csv"
    code, out, err = run(capsys, "tracker", "export", "--out", str(target), "--database", url)
    assert code == 0 and out == "" and target.read_text(encoding="utf-8") == expected
    assert f"{target}: {len(expected.splitlines()) - 1} facts" in err
