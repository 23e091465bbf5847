"""``oversight serve`` refuses a checkout whose secrets file names another database: Streamlit
copies that file's ``OVERSIGHT_DATABASE_URL`` over the environment the launcher gives each
process, so the processes would serve a database other than the one the launcher checked and
named in its first line."""

from __future__ import annotations

from oversight.cli.replicas import secrets_conflict
from oversight.data import settings

SERVED = "postgresql+psycopg://oversight:s3cret@db.internal/oversight"


def test_the_secrets_of_the_apps_folder_are_read_not_the_callers(tmp_path, monkeypatch):
    home, checkout, elsewhere = tmp_path / "home", tmp_path / "checkout", tmp_path / "elsewhere"
    for folder in (home, checkout / ".streamlit", elsewhere):
        folder.mkdir(parents=True)
    (checkout / ".streamlit" / "secrets.toml").write_text(
        'OVERSIGHT_DATABASE_URL = "sqlite:////srv/other.sqlite"\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(elsewhere)
    assert settings.read_secrets(checkout)["OVERSIGHT_DATABASE_URL"] == "sqlite:////srv/other.sqlite"
    assert "OVERSIGHT_DATABASE_URL" not in settings.read_secrets()


def test_another_database_in_the_secrets_is_one_line_without_passwords():
    line = secrets_conflict(SERVED, {"OVERSIGHT_DATABASE_URL": "postgresql+psycopg://app:hunter2@other/db"})
    assert line is not None and "\n" not in line
    assert "hunter2" not in line and "s3cret" not in line
    assert "other" in line and "db.internal" in line


def test_no_database_or_the_same_one_in_the_secrets_is_fine():
    assert secrets_conflict(SERVED, {}) is None
    assert secrets_conflict(SERVED, {"OVERSIGHT_DATABASE_URL": ""}) is None
    assert secrets_conflict(SERVED, {"OVERSIGHT_DATABASE_URL": SERVED}) is None
    assert (
        secrets_conflict(SERVED, {"database_url": "sqlite:///x.sqlite"}) is None
    )  # the environment wins over it
