"""Public words (issue 22, item 8): the pages an anonymous visitor sees name no file of the
project, no rule-book section, no command and no internal value list — set-up hints are for
whoever runs the service (the README, and an admin's view), not for a board member. The user
guide and the accessibility statement are documents and are left out. Checked with the data
stale, sign-in switched off, and a link with bad values (every notice drawn)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from streamlit.testing.v1 import AppTest

from oversight.components.figures.freshness import STALE_START
from oversight.components.widgets import freshness
from oversight.data import bootstrap
from tests import hostile_data as hd
from tests.conftest import ROOT
from tests.curation_support import ADMIN, EDITOR, grant_everyone
from tests.test_app_curation import MAP, _open

APP = str(ROOT / "app.py")
PAGES = [
    ("ui/intervention_map.py", {"colour": "purple", "view": "3d", "la": "E99999999"}),
    ("ui/authority_page.py", {"la": "E08000011"}),
    ("ui/authority_page.py", {"la": "E10000008"}),
    ("ui/exit_page.py", {}),
    ("ui/changes_page.py", {}),
    ("ui/tracker_page.py", {}),
    ("ui/data_sources.py", {}),
]
#: What a developer would write and a visitor should never read.
DEVELOPER_WORDS = re.compile(r"README|DOMAIN|§|\boversight [a-z]+\b|\.py\b|not one of|secrets\.toml")


def _words(at: AppTest) -> list[str]:
    out = []
    for kind in (
        "markdown",
        "caption",
        "warning",
        "info",
        "error",
        "success",
        "title",
        "header",
        "subheader",
    ):
        out.extend(str(e.value) for e in at.get(kind))
    for kind in ("warning", "info", "error", "caption", "markdown"):
        out.extend(str(e.value) for e in at.sidebar.get(kind))
    return out


@pytest.mark.parametrize(("page", "params"), PAGES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(PAGES)])
def test_no_developer_words_reach_a_visitor(monkeypatch, loaded_sqlite_url, data_dir, page, params):
    monkeypatch.setenv("OVERSIGHT_DATABASE_URL", loaded_sqlite_url)
    monkeypatch.setenv("OVERSIGHT_DATA_DIR", str(data_dir))
    monkeypatch.setattr(freshness, "today", lambda: dt.date(2026, 12, 7))  # the data is stale
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    found = [w for w in _words(at) if DEVELOPER_WORDS.search(w)]
    assert not found, found


def test_whoever_runs_the_service_is_told_the_command(monkeypatch, loaded_sqlite_url, data_dir, tmp_path):
    """An admin (who runs the service) reads how to refresh stale data; an editor reads who can."""
    url = hd.copy_sqlite(loaded_sqlite_url, tmp_path)
    grant_everyone(bootstrap.ready_engine(url))
    monkeypatch.setattr(freshness, "today", lambda: dt.date(2026, 12, 7))
    app = _open(monkeypatch, url, data_dir)
    try:
        admin = [w.value for w in app(MAP, ADMIN).warning if w.value.startswith(STALE_START)]
        editor = [w.value for w in app(MAP, EDITOR).warning if w.value.startswith(STALE_START)]
    finally:
        bootstrap.forget(url)
    assert len(admin) == 1 and "run `oversight refresh`" in admin[0]
    assert len(editor) == 1 and "oversight" not in editor[0]
