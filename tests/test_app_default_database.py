"""`make run` has no database setting: the app must find its embedded default (and secrets, if any)
without the environment variable every other test sets."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from oversight.components.widgets import cache
from oversight.data import settings
from tests.conftest import ROOT


def test_the_url_comes_from_secrets_or_the_default_without_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.DATABASE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    cache._secrets.cache_clear()
    try:
        assert cache._database_url() == settings.default_database_url()
        monkeypatch.setattr(cache, "_secrets", lambda: {"database_url": "sqlite:///from-secrets.sqlite"})
        assert cache._database_url() == "sqlite:///from-secrets.sqlite"
    finally:
        monkeypatch.undo()
        cache._secrets.cache_clear()


def test_the_app_opens_on_the_embedded_default(monkeypatch, tmp_path):
    """No OVERSIGHT_DATABASE_URL: the default SQLite file under the working directory is created,
    migrated and seeded, and the map page renders."""
    monkeypatch.delenv(settings.DATABASE_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert (tmp_path / "var" / "oversight.sqlite").is_file()
    assert any(h.value == "Intervention map" for h in at.title)
