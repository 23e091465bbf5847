"""The command line and the app use one database and one set of admins (issue 21): a command run
from the app's folder reads its ``.streamlit/secrets.toml``, and every command that writes names
the database it used, on standard error (standard output stays the result; JSON stays JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from oversight import cli
from oversight.components.widgets import cache
from oversight.data import bootstrap, settings
from oversight.data.curation import users

SETTINGS = (settings.DATABASE_ENV, settings.ADMINS_ENV, settings.VERIFIED_DOMAINS_ENV)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def app_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The folder the app is started from, with its secrets (a database of its own and an admin
    by ``OVERSIGHT_ADMINS``), as the working directory; nothing in the environment."""
    folder = tmp_path / "site"
    (folder / ".streamlit").mkdir(parents=True)
    url = f"sqlite:///{folder / 'tracker.sqlite'}"
    (folder / ".streamlit" / "secrets.toml").write_text(
        f'database_url = "{url}"\nOVERSIGHT_ADMINS = "Boss@Example.org"\n'
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
    )
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    cache._secrets.cache_clear()
    yield folder, url
    cache._secrets.cache_clear()
    bootstrap.forget(url)


def test_a_grant_goes_to_the_apps_database_and_the_list_shows_the_apps_admins(app_folder, capsys):
    folder, url = app_folder
    code, out, err = run(capsys, "users", "grant", "ed@example.org", "editor")
    assert code == 0 and out == "ed@example.org is now editor\n"
    assert err == f"Database: {url}\n"
    assert (folder / "tracker.sqlite").is_file() and not (folder / "var").exists()

    code, out, err = run(capsys, "users", "list")
    assert code == 0 and err == f"Database: {url}\n"
    assert out.splitlines()[0] == "boss@example.org  admin  not signed in yet  by OVERSIGHT_ADMINS"
    assert out.splitlines()[1].startswith("ed@example.org  editor  not signed in yet  granted by ")

    # The app, started from this folder, reads the same: its database and its people.
    assert cache._database_url() == url
    seen = {u.email: (u.role, u.from_setting) for u in users.list_users(cache.engine())}
    assert seen == {"boss@example.org": ("admin", True), "ed@example.org": ("editor", False)}


def test_a_secrets_file_that_is_not_toml_is_one_line(app_folder, capsys):
    folder, _ = app_folder
    (folder / ".streamlit" / "secrets.toml").write_text('database_url = "sqlite:///x.sqlite\n')
    code, out, err = run(capsys, "users", "list")
    assert code == 1 and out == ""
    assert err.startswith(f"oversight: {folder / '.streamlit' / 'secrets.toml'} is not valid TOML: ")
    assert err.count("\n") == 1 and "Traceback" not in err


def _with_password(url: str) -> str:
    """A URL with a password in it, to see it masked (the test server trusts local connections;
    SQLite ignores it)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return url
    return parsed.set(password="s3cret-pw").render_as_string(hide_password=False)


def test_every_command_that_writes_names_its_database(empty_url: str, tmp_path: Path, capsys):
    url = _with_password(empty_url)
    named = f"Database: {make_url(url).render_as_string(hide_password=True)}"
    if url.startswith("sqlite"):
        named = f"Database: {url}"
    csv = tmp_path / "tracker.csv"
    writing = [
        ("users", "grant", "ed@example.org", "editor"),
        ("users", "revoke", "ed@example.org"),
        ("users", "list"),
        ("db", "upgrade"),
        ("bundle", "load"),
    ]
    for argv in writing:
        code, _, err = run(capsys, *argv, "--database", url)
        assert code == 0, (argv, err)
        assert err.splitlines()[0] == named, argv
        assert "s3cret" not in err, argv
    assert run(capsys, "tracker", "export", "--out", str(csv), "--database", url)[0] == 0
    code, out, err = run(capsys, "import", str(csv), "--database", url)
    assert code == 0 and err == named + "\n" and "tracker.csv" in out

    # Reading commands say nothing more: their JSON on standard output stays JSON.
    for argv in (
        ("snapshot", "--as-at", "2024-01-01", "--json"),
        ("changes", "--since", "2024-01-01", "--json"),
    ):
        code, out, err = run(capsys, *argv, "--database", url)
        assert code == 0 and err == "", (argv, err)
        json.loads(out)
