"""The app's sign-in in the server's log (``widgets/auth``, ``data/logs``), without a browser
(AppTest): a sign-in is one line with the email and role, a sign-in whose claims make no one is
one refused line for the session (not one a rerun), and signing out is a line too.

``at.user`` stands for the provider's answer, as in ``tests/test_app_curation.py``.
"""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from oversight.data import logs
from tests.curation_support import EDITOR, REVIEWER
from tests.test_app_curation import APP, TRACKER, _open, user
from tests.test_data_logs_format import parse


@pytest.fixture
def lines(caplog):
    caplog.set_level(logging.INFO, logger=logs.LOGGER)

    def read() -> list[dict[str, str]]:
        found = [parse(r.getMessage()) for r in caplog.records if r.name == logs.LOGGER]
        caplog.clear()
        return [{k: v for k, v in f.items() if k != "ms"} for f in found]

    return read


def test_a_sign_in_and_a_sign_out_are_a_line_each(monkeypatch, store_url, data_dir, lines):
    app = _open(monkeypatch, store_url, data_dir)
    at = app(TRACKER, EDITOR)
    at.run()  # a rerun of the same session signs in nobody again
    assert lines() == [
        {"action": "sign_in", "actor": "editor@example.org", "role": "editor", "outcome": "ok"}
    ]
    at.button(key="auth_sign_out").click().run()
    assert lines() == [{"action": "sign_out", "actor": "editor@example.org", "outcome": "ok"}]


def test_claims_that_make_no_one_are_one_refused_line_a_session(monkeypatch, store_url, data_dir, lines):
    _open(monkeypatch, store_url, data_dir)
    at = AppTest.from_file(APP, default_timeout=120)
    hostile = "reviewer@example.org\nts=x action=approve actor=admin@example.org"
    at.user = {**user(REVIEWER), "sub": "mallory", "name": "Mallory", "email": hostile}
    at.switch_page(TRACKER)
    at.run()
    at.run()
    assert not at.exception
    assert lines() == [
        {"action": "sign_in", "actor": hostile, "outcome": "refused", "error": "IdentityRefused"}
    ]
