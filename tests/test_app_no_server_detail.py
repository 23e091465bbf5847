"""No page tells a visitor where the service keeps its data (AppTest, every page).

The data directory and the database file get a recognisable name; every page is drawn for an
anonymous visitor (with sign-in set up, and without), with the board-pack dialog open, and with a
damaged bundle whose problems name files; then every element the page sent (its text, Markdown,
captions, labels, help, tables, the map's markup) is searched for that name, the paths, a
database URL and a setting's name. Set-up hints belong in the README.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from oversight.components.widgets import cache
from oversight.data import bootstrap, settings
from oversight.data.sources import bundle
from oversight.data.sources.records import ImportRefused
from tests.conftest import ROOT
from tests.test_app_curation import AUTH

APP = str(ROOT / "app.py")
#: In the data directory's and the database's paths: if it shows anywhere, a path leaked (letters
#: only, so Markdown escaping cannot hide it).
MARK = "srvdetailq7zx"
DEVON = "E10000008"
PAGES = [
    (None, {}),  # the router's default page, the map
    (None, {"as_at": "2018-05-17"}),
    (None, {"present": "1"}),  # the presentation, no sidebar
    ("ui/authority_page.py", {}),
    ("ui/authority_page.py", {"la": DEVON, "as_at": "2024-05-01"}),
    ("ui/exit_page.py", {}),
    ("ui/changes_page.py", {}),
    ("ui/tracker_page.py", {}),
    ("ui/data_sources.py", {}),
    ("ui/user_guide.py", {}),
    ("ui/accessibility_statement.py", {}),
]


@pytest.fixture(scope="module")
def places(
    tmp_path_factory: pytest.TempPathFactory, loaded_sqlite_url: str, data_dir: Path
) -> Iterator[dict]:
    """The data directory (links to the public files) and a copy of the store, both under MARK."""
    root = tmp_path_factory.mktemp(MARK)
    home = root / f"{MARK}-data"
    home.mkdir()
    for child in data_dir.iterdir():
        (home / child.name).symlink_to(child)
    database = root / f"{MARK}-db" / "tracker.sqlite"
    database.parent.mkdir()
    with (
        sqlite3.connect(loaded_sqlite_url.removeprefix("sqlite:///")) as src,
        sqlite3.connect(database) as dst,
    ):
        src.backup(dst)
    url = f"sqlite:///{database}"
    yield {"home": home, "database": database, "url": url}
    bootstrap.forget(url)


@pytest.fixture
def visit(monkeypatch, places):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(places["home"]))
    monkeypatch.setenv(settings.DATABASE_ENV, places["url"])

    def make(page: str | None, params: dict[str, str], signin: bool = True) -> AppTest:
        monkeypatch.setattr(cache, "_secrets", lambda: AUTH if signin else {})
        at = AppTest.from_file(APP, default_timeout=180)
        at.user = {"is_logged_in": False}
        for key, value in params.items():
            at.query_params[key] = value
        if page:
            at.switch_page(page)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return make


def shown(at: AppTest) -> str:
    """Everything the run sent the browser: every element's message, tables as CSV."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [t.value.to_csv() for t in at.table]
    return "\n".join(parts)


def assert_no_server_detail(text: str, places: dict) -> None:
    text = text.replace("\\", "")  # Markdown's escapes (and the text format's) hide nothing
    for secret in (
        MARK,
        str(places["home"]),
        str(places["database"]),
        places["url"],
        "sqlite:",
        "postgresql",
        "OVERSIGHT_",
        "/tmp/",
        str(Path.home()),
    ):
        assert secret not in text, f"{secret!r} is on the page"


@pytest.mark.parametrize(("page", "params"), PAGES)
def test_no_page_shows_a_path_url_or_setting(visit, places, page, params):
    at = visit(page, params)
    text = shown(at)
    assert len(text) > 500, "the page was drawn"
    assert_no_server_detail(text, places)


def test_without_sign_in_set_up_either(visit, places):
    for page in ("ui/tracker_page.py", "ui/authority_page.py"):
        assert_no_server_detail(shown(visit(page, {"la": DEVON}, signin=False)), places)


def test_the_data_sources_page_says_the_boundaries_come_from_the_data_directory_without_its_path(
    visit, places
):
    at = visit("ui/data_sources.py", {})
    [boundaries] = [m.value for m in at.markdown if m.value.startswith("**Boundaries:**")]
    assert "from the files this service was given" in boundaries
    assert_no_server_detail(shown(at), places)


def test_the_board_pack_dialog(visit, places):
    at = visit(None, {})
    at.button(key="pack_open").click().run()
    assert not at.exception
    text = shown(at)
    assert "Prepare board pack" in text
    assert_no_server_detail(text, places)


def test_a_damaged_bundle_is_said_without_its_problems_file_names(visit, places, monkeypatch):
    def damaged(directory: Path | None = None):
        raise ImportRefused(
            "bundle",
            [f"bundle/MANIFEST.csv: cannot be read ([Errno 13] Permission denied: '{places['home']}/x')"],
        )

    monkeypatch.setattr(bundle, "contents", damaged)
    at = visit("ui/data_sources.py", {})
    assert any("data bundle is damaged" in w.value for w in at.warning)
    assert_no_server_detail(shown(at), places)


def test_without_boundary_files_the_maps_say_so_without_a_setting(visit, places, monkeypatch, tmp_path):
    empty = tmp_path / f"{MARK}-empty"
    empty.mkdir()
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(empty))  # the bundle is off in the tests: no boundaries
    st.cache_data.clear()  # the pictures are cached per data version, not per data directory
    for page, params in ((None, {"view": "svg"}), ("ui/changes_page.py", {})):
        at = visit(page, params)
        assert any("Boundary files are not available here" in i.value for i in at.info), page
        assert_no_server_detail(shown(at), {**places, "home": empty})
