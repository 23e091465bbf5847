"""The deployment's settings as the app sees them, read by ``settings.read_secrets`` without
Streamlit (issue 21): the same files, the same merge, the same precedence over the environment,
so ``oversight users grant`` writes to the app's database and lists the app's admins.

Each test runs in a folder of its own, with a home folder of its own (``~/.streamlit/``), and
none of the settings in the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from oversight.data import settings
from tests.conftest import ROOT

SETTINGS = (settings.DATABASE_ENV, settings.ADMINS_ENV, settings.VERIFIED_DOMAINS_ENV)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the app is started from (``.streamlit/`` made), the working directory now."""
    folder, home = tmp_path / "site", tmp_path / "home"
    (folder / ".streamlit").mkdir(parents=True)
    (home / ".streamlit").mkdir(parents=True)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HOME", str(home))
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return folder


def _write(path: Path, text: str) -> None:
    path.write_text(text)
    # Two writes within one clock tick and of one size would look unchanged: move the time on.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_without_a_secrets_file_the_defaults(site: Path):
    assert settings.read_secrets() == {}
    assert settings.database_url() == settings.default_database_url()
    assert settings.database_url() == f"sqlite:///{site / 'var' / 'oversight.sqlite'}"
    assert settings.admin_emails() == frozenset() and settings.verified_domains() == frozenset()


def test_the_secrets_file_gives_the_database_admins_and_domains(site: Path):
    _write(
        site / ".streamlit" / "secrets.toml",
        f'database_url = "sqlite:///{site / "app.sqlite"}"\n'
        'admins = ["Boss@Example.org", "second@example.org"]\n'
        'verified_domains = ["Council.gov.uk"]\n'
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n',
    )
    assert settings.database_url() == f"sqlite:///{site / 'app.sqlite'}"
    assert settings.admin_emails() == {"boss@example.org", "second@example.org"}
    assert settings.verified_domains() == {"council.gov.uk"}
    assert settings.read_secrets()["auth"]["redirect_uri"].startswith("http://localhost:8501/")


def test_the_environment_is_read_as_the_app_reads_it(site: Path, monkeypatch: pytest.MonkeyPatch):
    """Streamlit copies the file's top-level text values into the app's environment, so a value
    under the setting's own name in the file wins there; its lower-case name does not."""
    secrets = site / ".streamlit" / "secrets.toml"
    monkeypatch.setenv(settings.DATABASE_ENV, "sqlite:///from-environment.sqlite")
    monkeypatch.setenv(settings.ADMINS_ENV, "env@example.org")
    _write(secrets, 'database_url = "sqlite:///lower-case.sqlite"\nadmins = ["file@example.org"]\n')
    assert settings.database_url() == "sqlite:///from-environment.sqlite"
    assert settings.admin_emails() == {"env@example.org"}
    _write(
        secrets,
        'OVERSIGHT_DATABASE_URL = "sqlite:///named.sqlite"\nOVERSIGHT_ADMINS = "named@example.org"\n',
    )
    assert settings.database_url() == "sqlite:///named.sqlite"
    assert settings.admin_emails() == {"named@example.org"}
    assert settings.database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"


def test_a_changed_file_is_read_again(site: Path):
    secrets = site / ".streamlit" / "secrets.toml"
    _write(secrets, 'OVERSIGHT_ADMINS = "first@example.org"\n')
    assert settings.admin_emails() == {"first@example.org"}
    _write(secrets, 'OVERSIGHT_ADMINS = "later@example.org, more@example.org"\n')
    assert settings.admin_emails() == {"later@example.org", "more@example.org"}
    secrets.unlink()
    assert settings.admin_emails() == frozenset()


def test_a_file_that_is_not_toml_is_named_with_its_line(site: Path):
    _write(site / ".streamlit" / "secrets.toml", 'OVERSIGHT_ADMINS = "a@example.org"\n[auth\n')
    with pytest.raises(settings.SettingsError) as caught:
        settings.read_secrets()
    words = str(caught.value)
    assert words.startswith(f"{site / '.streamlit' / 'secrets.toml'} is not valid TOML: ")
    assert "line 2" in words and "\n" not in words


def test_the_example_copied_as_it_is_keeps_the_embedded_database(site: Path):
    """README step 2 done literally: no active database line, sign-in placeholders only."""
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text()
    (site / ".streamlit" / "secrets.toml").write_text(example)
    assert settings.database_url() == settings.default_database_url()
    assert settings.admin_emails() == frozenset() and settings.verified_domains() == frozenset()
    assert "database_url" not in settings.read_secrets() and "auth" in settings.read_secrets()
    # The commented lines are what they say once the # is taken off.
    shown = [
        next(x for x in example.splitlines() if x.startswith("# " + key + " = "))
        for key in ("database_url", "admins", "verified_domains")
    ]
    _write(site / ".streamlit" / "secrets.toml", "\n".join(x[2:] for x in shown) + "\n" + example)
    assert settings.database_url().startswith("postgresql+psycopg://oversight:CHANGE-ME@")
    assert settings.admin_emails() and settings.verified_domains() == {"council.gov.uk"}


#: Run in a subprocess: Streamlit's own ``st.secrets`` over the same folders, and what the app's
#: environment holds after it (Streamlit copies top-level values into it), beside ours.
AGREE = """
import json, os, sys
import streamlit as st
from oversight.data import settings
ours_before = sorted(settings.admin_emails()), settings.database_url()
theirs = st.secrets.to_dict()
print(json.dumps({
    "theirs": theirs,
    "ours": dict(settings.read_secrets()),
    "before": ours_before,
    "after": [sorted(settings.admin_emails()), settings.database_url()],
    "environment": os.environ.get("OVERSIGHT_ADMINS"),
}))
"""


def _both(site: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    done = subprocess.run(
        [sys.executable, "-c", AGREE],
        cwd=site,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_the_reader_agrees_with_streamlit(site: Path):
    """The user's ``~/.streamlit/secrets.toml`` first, the folder's over it, top-level key by key
    (a table is replaced whole); and ``secrets.files`` in a ``config.toml`` moves them."""
    home = Path(os.environ["HOME"])
    (home / ".streamlit" / "secrets.toml").write_text(
        'database_url = "sqlite:///global.sqlite"\nOVERSIGHT_ADMINS = "global@example.org"\n'
        '[auth]\nredirect_uri = "http://global/oauth2callback"\nclient_id = "global"\n'
    )
    (site / ".streamlit" / "secrets.toml").write_text(
        'OVERSIGHT_ADMINS = "project@example.org"\n[auth]\nredirect_uri = "http://project/oauth2callback"\n'
    )
    seen = _both(site, OVERSIGHT_ADMINS="shell@example.org")
    assert seen["ours"] == seen["theirs"]
    assert seen["theirs"]["auth"] == {"redirect_uri": "http://project/oauth2callback"}
    assert seen["environment"] == "project@example.org"  # what the app's own environment holds
    assert seen["before"] == seen["after"] == [["project@example.org"], "sqlite:///global.sqlite"]

    elsewhere = site / "etc" / "oversight.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('OVERSIGHT_ADMINS = "configured@example.org"\n')
    (site / ".streamlit" / "config.toml").write_text(f'[secrets]\nfiles = ["{elsewhere}"]\n')
    seen = _both(site)
    assert seen["ours"] == seen["theirs"] == {"OVERSIGHT_ADMINS": "configured@example.org"}
    assert seen["before"][0] == ["configured@example.org"]
