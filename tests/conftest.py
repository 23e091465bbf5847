"""Fixtures first: public data, databases on both backends, loaded stores, the app.

Data-layer tests take ``backend``-parametrised fixtures, so every one runs on SQLite and
on a real PostgreSQL server started here.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from oversight.data import bootstrap
from oversight.data.sources.importer import import_paths

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("OVERSIGHT_DATA_DIR") or ROOT.parent / "shared" / "data").resolve()
os.environ["OVERSIGHT_DATA_DIR"] = str(DATA_DIR)
# Test databases start from the register and seed only (known facts); the bundle's own
# tests, and the fresh-clone test, turn it on where they need it.
os.environ.setdefault("OVERSIGHT_BUNDLE", "off")
#: Every Ofsted release in the shared folder, oldest first (the 2025 one: issue 20).
RELEASES = (
    "Childrens_social_care_in_England_2022_underlying_data.xlsx",
    "Childrens_social_care_in_England_2023_underlying_data.ods",
    "LA_Inspection_Outcomes_as_at_March_2024.ods",
    "LA_Inspection_Outcomes_as_at_31_March_2025.ods",
)
ARTIFACTS = ROOT / "tests" / "artifacts"
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
_counter = itertools.count()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA_DIR / "ofsted").is_dir():
        pytest.fail(f"public data not found at {DATA_DIR}: set OVERSIGHT_DATA_DIR")
    return DATA_DIR


@pytest.fixture(scope="session")
def release_paths(data_dir: Path) -> list[Path]:
    return [data_dir / "ofsted" / name for name in RELEASES]


@pytest.fixture(scope="session")
def pg_server():
    from tests.pgserver import PgServer

    server = PgServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _switch_page_through_the_router():
    """Every AppTest opens a page through the router, by its url_path (``tests/router_pages``)."""
    from streamlit.testing.v1 import AppTest

    from tests.router_pages import switch_page

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AppTest, "switch_page", switch_page)
        yield


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _new_url(backend: str, request: pytest.FixtureRequest, tmp_dir: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'store-{next(_counter)}.sqlite'}"
    server = request.getfixturevalue("pg_server")
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.url(name)


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of a brand-new, empty database (not migrated)."""
    url = _new_url(request.param, request, tmp_path)
    yield url
    bootstrap.forget(url)


@pytest.fixture
def fresh_engine(empty_url: str):
    """A migrated and seeded database, no Ofsted release imported."""
    return bootstrap.ready_engine(empty_url)


@pytest.fixture(scope="session", params=BACKENDS)
def loaded_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, release_paths):
    """The shared releases (2022-2025) imported once per backend; tests must not write to it."""
    url = _new_url(request.param, request, tmp_path_factory.mktemp("loaded"))
    engine = bootstrap.ready_engine(url)
    import_paths(engine, release_paths)
    return engine


@pytest.fixture(scope="session")
def loaded_sqlite_url(tmp_path_factory: pytest.TempPathFactory, release_paths) -> str:
    """A SQLite file with the releases imported, for the app tests and the browser."""
    path = tmp_path_factory.mktemp("app") / "app.sqlite"
    url = f"sqlite:///{path}"
    neighbours = release_paths[0].parent.parent / "reference" / "sn_model_2025_wide.csv"
    import_paths(bootstrap.ready_engine(url), [*release_paths, neighbours])
    return url


@pytest.fixture
def store_url(loaded_sqlite_url: str, tmp_path: Path):
    """A private copy of the loaded store (the app's curation tests write), with the curation
    tests' people granted their roles (``tests/curation_support``)."""
    from tests.curation_support import grant_everyone
    from tests.hostile_data import copy_sqlite

    url = copy_sqlite(loaded_sqlite_url, tmp_path)
    grant_everyone(bootstrap.ready_engine(url))
    yield url
    bootstrap.forget(url)


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: to prove an operation changed nothing."""
    from oversight.data.store.schema import metadata

    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture(scope="session")
def server(loaded_sqlite_url: str, artifacts: Path):
    """One `streamlit run` of the app for every browser test (pages, audit)."""
    from tests.browser import StreamlitServer

    srv = StreamlitServer(ROOT, loaded_sqlite_url, artifacts / "streamlit.log").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright, shared by the browser tests."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
