"""A session that moved to another process says so once (``widgets/reconnect``): the signal, and the
note in the app. The real move (a process killed, the browser reconnecting) is in Chromium:
``tests/test_browser_reconnect.py`` and the drill ``tests/test_deploy_drill_kill.py``."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.widgets import reconnect
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.mark.parametrize(
    ("protocol", "session_id", "expected"),
    [
        (None, "s-new", False),  # no header (AppTest, a client that does not say)
        ("streamlit, xsrf-token", "s-new", False),  # a first visit or a reload: no previous id
        ("streamlit, xsrf-token, ", "s-new", False),  # an empty third entry is no id
        ("streamlit, xsrf-token, s-same", "s-same", False),  # resumed on the process that knew it
        ("streamlit, xsrf-token, s-old", "s-new", True),  # a new session for a browser that had one
        ("streamlit,,s-old", "s-new", True),  # no XSRF token (XSRF off): positions still count
        ("streamlit, xsrf-token, s-old", None, False),  # no session to compare with
    ],
)
def test_a_session_moved_when_its_browser_names_another(protocol, session_id, expected):
    assert reconnect.moved(protocol, session_id) is expected


def test_the_previous_session_is_the_third_entry():
    assert reconnect.previous_session("streamlit, tok, abc-123") == "abc-123"
    assert reconnect.previous_session("streamlit") is None
    assert reconnect.previous_session("") is None


@pytest.fixture
def app(monkeypatch, loaded_sqlite_url):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)

    def make(page: str, **params: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        for key, value in params.items():
            at.query_params[key] = value
        at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def _notes(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.value == reconnect.NOTE]


def test_a_first_visit_shows_no_note(app):
    at = app("pages/data_sources.py")
    assert _notes(at) == []
    assert at.session_state[reconnect.KEY_MOVED] is False


def test_a_moved_session_says_so_until_closed_and_keeps_its_view(app, monkeypatch):
    """The signal is read once per session; the note stays over reruns until the visitor closes it.
    (AppTest has no websocket, so the signal is set here; Chromium reads the real header.)"""
    calls = []
    monkeypatch.setattr(reconnect, "_this_session_moved", lambda: calls.append(1) or True)
    at = app("pages/authority_page.py", la="E08000025", as_at="2020-01-01")
    assert _notes(at) == [reconnect.NOTE]
    assert at.title[0].value  # the page itself is drawn under the note
    at.run()
    assert _notes(at) == [reconnect.NOTE] and len(calls) == 1  # kept, not read again
    at.button(key=reconnect.KEY_CLOSE).click().run()
    assert _notes(at) == [] and not at.exception
    at.run()
    assert _notes(at) == [] and len(calls) == 1  # once closed, gone for the session
