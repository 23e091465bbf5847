"""Set-up that works as written (issue 21), in the app: the secrets example copied as it is, a page
opened on another host than ``redirect_uri`` (the warning's rule), a provider without an email.

The browser half (the README's own steps, the warning on the page) is
``tests/test_browser_readme_signin.py``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.safe_text import markdown
from oversight.components.widgets import auth, cache
from oversight.data import settings
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new deployment's folder as the working directory: nothing in the environment."""
    (tmp_path / ".streamlit").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in (settings.DATABASE_ENV, settings.ADMINS_ENV, settings.VERIFIED_DOMAINS_ENV):
        monkeypatch.delenv(name, raising=False)
    cache._secrets.cache_clear()
    yield tmp_path
    monkeypatch.undo()  # a test's own patch of the cache too, then what it read is forgotten
    cache._secrets.cache_clear()


def test_the_secrets_example_copied_literally_opens_on_the_embedded_database(folder: Path):
    """README step 2 as written: every page reads, and sign-in is offered (its placeholders
    matter only once someone presses it)."""
    shutil.copy(ROOT / ".streamlit" / "secrets.toml.example", folder / ".streamlit" / "secrets.toml")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(t.value == "Intervention map" for t in at.title)
    assert (folder / "var" / "oversight.sqlite").is_file()
    assert "Sign in" in [b.label for b in at.sidebar.button]


@pytest.mark.parametrize(
    ("browser", "redirect", "instead"),
    [
        ("http://127.0.0.1:8501/tracker", "http://localhost:8501/oauth2callback", "http://localhost:8501/"),
        ("http://localhost:8501/", "http://127.0.0.1:8501/oauth2callback", "http://127.0.0.1:8501/"),
        ("http://localhost:8080/", "http://localhost:8501/oauth2callback", "http://localhost:8501/"),
        (
            "http://10.0.0.5:8501/",
            "https://oversight.example.gov.uk/oauth2callback",
            "https://oversight.example.gov.uk/",
        ),
        # The same place: nothing to say.
        (
            "https://Oversight.example.gov.uk/authority",
            "https://oversight.example.gov.uk/oauth2callback",
            None,
        ),
        ("https://oversight.example.gov.uk:443/", "https://oversight.example.gov.uk/oauth2callback", None),
        ("http://localhost:8501/", "http://localhost:8501/oauth2callback", None),
        # Unknown: nothing to say.
        (None, "http://localhost:8501/oauth2callback", None),
        ("http://localhost:8501/", "", None),
        ("http://localhost:8501/", "not an address", None),
    ],
)
def test_a_page_on_another_host_than_redirect_uri_is_told_where_to_go(browser, redirect, instead):
    assert auth.elsewhere(browser, redirect) == instead


def test_a_provider_that_sends_no_email_makes_nobody(folder: Path, monkeypatch: pytest.MonkeyPatch):
    """Roles are given by email: a sign-in without one is told why, and reads as a visitor."""
    auth_only = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "client_id": "x"}}
    monkeypatch.setattr(cache, "_secrets", lambda: auth_only)
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": True, "iss": "https://idp.example", "sub": "u1", "name": "No Mail"}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = "\n".join(w.value for w in at.sidebar.warning)
    assert markdown("the sign-in provider gave no email address") in warnings, warnings
    assert not any("Signed in as" in m.value for m in at.sidebar.markdown)
